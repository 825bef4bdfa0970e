"""The online form of a call in the content file (its "application_form"), added when notices.seed loads the call."""

import datetime

from django.dispatch import receiver

from notices.seed import call_loaded, publish

from ..models import ApplicationFormPage


@receiver(call_loaded, dispatch_uid="applications.apply.seed.add_application_form")
def add_application_form(sender, loader, notice, content, slug_prefix="", title_prefix="", now=None, **kwargs):
    """The form closes at the notice's deadline (one date, kept in the notice). With ``now`` (the demo), it is
    open from an hour ago."""
    if "application_form" not in content:
        return None
    data = dict(content["application_form"])
    opens = datetime.datetime.fromisoformat(data.pop("opens_at"))
    data.pop("closes_at", None)
    if now is not None:
        opens = now - datetime.timedelta(hours=1)
        data["to_address"] = "demo-office@localhost"
    form = ApplicationFormPage(opens_at=opens, **data)
    form.slug = slug_prefix + form.slug
    form.title = title_prefix + form.title
    publish(notice, form)
    loader.log(f"  在线申报：{form.title}")
    return form
