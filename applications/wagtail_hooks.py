from wagtail import hooks

from .models import ApplicationFormPage


@hooks.register("filter_form_submissions_for_user")
def hide_applications_from_generic_form_listing(user, editable_forms):
    """Applications carry personal data: they are read in the review area with its scoping rule, never in
    Wagtail's generic form-submissions listing (which any editor of the page could open)."""
    return editable_forms.not_type(ApplicationFormPage)
