from django import template

from applications.models import ApplicationFormPage

register = template.Library()


@register.simple_tag
def application_form_of(call):
    """The call's live online form, if it has one: ``{% application_form_of call as form_page %}``."""
    if call is None:
        return None
    if "public_children" not in call.__dict__:
        # A call listed elsewhere (the home page): its form alone, not every child with its annex columns.
        return ApplicationFormPage.public_form_of(call)
    # The notice page has read its public children in one query for its annexes: the form is among them.
    row = next((page for page in call.public_children if page.specific_class is ApplicationFormPage), None)
    return ApplicationFormPage.from_listed_row(row, call) if row is not None else None


@register.filter
def uploads_for(state, field_name):
    """The files already uploaded for a form field (drafts.FormState), in the order they came."""
    return state.uploads_of(field_name) if state is not None else []
