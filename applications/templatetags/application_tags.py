from django import template

from applications.models import ApplicationFormPage

register = template.Library()


@register.simple_tag
def application_form_of(call):
    """The call's live online form, if it has one: ``{% application_form_of call as form_page %}``."""
    if call is None:
        return None
    return ApplicationFormPage.objects.child_of(call).live().first()
