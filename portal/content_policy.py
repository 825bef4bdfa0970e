"""One relaxation of the Content-Security-Policy (settings: CONTENT_SECURITY_POLICY, django-csp).

Every page the public and the schools see, and the admin's sign-in page, run no inline script. The rest of
Wagtail's admin still renders inline scripts of its own (Wagtail issue #1288, open), so behind the sign-in the
policy also allows inline scripts; nothing else is relaxed."""

from django.urls import reverse

ADMIN_INLINE = {"script-src": ["'unsafe-inline'"]}


def admin_inline_scripts(get_response):
    def middleware(request):
        response = get_response(request)
        admin = reverse("wagtailadmin_home")
        if request.path.startswith(admin) and request.path != reverse("wagtailadmin_login"):
            response._csp_update = ADMIN_INLINE
        return response

    return middleware
