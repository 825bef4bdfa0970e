from django.utils.translation import gettext_lazy
from wagtail.admin.forms.auth import LoginForm


class PortalLoginForm(LoginForm):
    """Wagtail's login form leaves the password field without a label, so Django shows its name in English."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].label = gettext_lazy("Password")  # “密码” in Django's own catalogue
