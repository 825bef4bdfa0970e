from .base import *  # noqa: F401,F403
from .base import VAR_DIR, env

DEBUG = False
SECRET_KEY = "test-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "test-media")
# Tests submit many forms from one address; the throttling tests set their own rates.
PORTAL_SUBMIT_RATE = "1000/h"
PORTAL_STATUS_RATE = "1000/h"
PORTAL_POST_RATE = "1000/h"
PORTAL_SITE_CACHE = True  # one process: its own cache is the only one

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not shared-cache memory: parallel requests in tests lock and wait as they do in production.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
# Signing in with Client.login() passes no request, which django-axes needs: the lockout tests turn it on.
AXES_ENABLED = False
