from .base import *  # noqa: F401,F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")  # required: no default in production
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS only: secure cookies, plain-HTTP requests redirected, browsers told to come back over HTTPS for a year.
# DJANGO_SECURE_COOKIES=false only to try the production settings over plain HTTP on one's own machine.
HTTPS_ONLY = env.bool("DJANGO_SECURE_COOKIES", default=True)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS_ONLY
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000 if HTTPS_ONLY else 0)
# The portal is usually one host under the bureau's domain: it cannot promise HTTPS for its sibling hosts, so
# includeSubDomains (and preloading, which needs it) is the operator's choice, off by default.
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=False)
if not SECURE_HSTS_INCLUDE_SUBDOMAINS:
    SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
# No page of the portal is framed; Wagtail's preview panel sets SAMEORIGIN on its own responses.
X_FRAME_OPTIONS = "DENY"
# Each worker keeps its database connection between requests (checked before reuse) instead of opening one per
# request: a new PostgreSQL connection costs more than rendering a page.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=300)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
# Demo call and accounts: never on a real server; `make prod-local` turns them on to try the stack locally.
PORTAL_LOAD_DEMO = env.bool("PORTAL_LOAD_DEMO", default=False)

# Static files are served by WhiteNoise from STATIC_ROOT (filled by collectstatic, which `make serve` runs),
# compressed and with hashed names so that browsers may cache them for ever.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}  # noqa: F405
MIDDLEWARE = [*MIDDLEWARE]  # noqa: F405
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "whitenoise.middleware.WhiteNoiseMiddleware")

# A slow or absent mail server must not hold up a school's submission, or the task worker, for long (the email is
# best effort: a failure is logged and recorded with the task).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Notifications go out by SMTP; never to the console (that is, the server log) in production.
vars().update(env.email("EMAIL_URL", default="smtp://localhost:25"))
