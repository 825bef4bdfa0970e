from django.db import migrations, models
from django.db.models import F


def already_stored(apps, schema_editor):
    # Before this field, finish assembled the parts itself: every upload past UPLOADING has its object.
    Upload = apps.get_model("applications", "Upload")
    Upload.objects.exclude(state="uploading").update(stored_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0008_drafts_and_uploads"),
    ]

    operations = [
        migrations.AddField(
            model_name="upload",
            name="stored_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(already_stored, migrations.RunPython.noop),
    ]
