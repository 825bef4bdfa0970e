"""The online form of a call in the content file (its "application_form"), added when notices.seed loads the call."""

import datetime

from django.dispatch import receiver

from notices.seed import call_loaded, publish

from .models import ApplicationFormPage


@receiver(call_loaded, dispatch_uid="applications.seed.add_application_form")
def add_application_form(sender, loader, notice, content, slug_prefix="", title_prefix="", now=None, **kwargs):
    """With ``now`` (the demo), the form is open from an hour ago for 30 days."""
    if "application_form" not in content:
        return None
    data = dict(content["application_form"])
    opens = datetime.datetime.fromisoformat(data.pop("opens_at"))
    closes = datetime.datetime.fromisoformat(data.pop("closes_at"))
    if now is not None:
        opens, closes = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=30)
        data["to_address"] = "demo-office@localhost"
    form = ApplicationFormPage(opens_at=opens, closes_at=closes, **data)
    form.slug = slug_prefix + form.slug
    form.title = title_prefix + form.title
    publish(notice, form)
    loader.log(f"  在线申报：{form.title}")
    return form
