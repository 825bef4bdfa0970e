from .base import *  # noqa: F401,F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")  # required: no default in production
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "SAMEORIGIN"
PORTAL_LOAD_DEMO = False

# Static files are served by WhiteNoise from STATIC_ROOT (filled by collectstatic, which `make serve` runs),
# compressed and with hashed names so that browsers may cache them for ever.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}  # noqa: F405
MIDDLEWARE = [*MIDDLEWARE]  # noqa: F405
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "whitenoise.middleware.WhiteNoiseMiddleware")

# A slow or absent mail server must not hold up a school's submission for long (the email is best effort).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Notifications go out by SMTP; never to the console (that is, the server log) in production.
vars().update(env.email("EMAIL_URL", default="smtp://localhost:25"))
