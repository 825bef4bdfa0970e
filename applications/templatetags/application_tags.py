from django import template

from applications.models import ApplicationFormPage

register = template.Library()


@register.simple_tag
def application_form_of(call):
    """The call's live online form, if it has one: ``{% application_form_of call as form_page %}``."""
    if call is None:
        return None
    # The notice being served lists its form as it lists its annexes (ServedPage.public_among).
    forms = call.public_among(ApplicationFormPage.objects.child_of(call).live().order_by("path"))
    form_page = forms[0] if forms else None
    if form_page is not None:
        form_page.call = call  # its deadline is the call's: no query for the parent again
    return form_page


@register.filter
def uploads_for(state, field_name):
    """The files already uploaded for a form field (drafts.FormState), in the order they came."""
    return state.uploads_of(field_name) if state is not None else []
