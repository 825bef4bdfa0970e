"""Settings shared by every environment. Everything deployment-specific comes from environment variables."""

from pathlib import Path

import django
import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env file is convenient on a workstation; real deployments set variables in the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Local state: the SQLite database, media, private files, generated passwords. The browser tests point it at a
# temporary folder so that their server shares nothing with `make run`.
VAR_DIR = Path(env("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "home",
    "notices",
    "applications",
    "wagtail.contrib.forms",
    "wagtail.contrib.settings",
    "wagtail.contrib.redirects",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.content_policy.admin_inline_scripts",
    "portal.page_cache.page_cache",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "applications.middleware.upload_limits",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "axes.middleware.AxesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "portal.site_lookup.SiteFromCache",
]

ROOT_URLCONF = "portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

# SQLite under var/ unless DATABASE_URL says otherwise (e.g. postgres://user@127.0.0.1:5432/portal).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Transactions take SQLite's write lock when they begin, so that a quota check and the change it guards
    # cannot interleave with another worker's (PostgreSQL uses row locks for the same).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A statement waits at most 20 s for a lock, as SQLite does, then the page says 系统繁忙 (portal.views).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c lock_timeout=20000")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The second path: Chinese for the relative times Wagtail's workflow status prints with Django's naturaltime
# (“刚刚”, “5 分钟以前”), without installing django.contrib.humanize, which nothing else uses.
LOCALE_PATHS = [BASE_DIR / "locale", Path(django.__file__).parent / "contrib/humanize/locale"]
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文")]

STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=VAR_DIR / "static")
STATIC_URL = "/static/"

# Public media (published annex files, images). Application files never go here: see STORAGES["applications"].
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# A form takes a work plan, some evidence and later a scan: far fewer files than this. Each file part costs the
# server a temporary file; more parts get a 400.
DATA_UPLOAD_MAX_NUMBER_FILES = 50

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://portal"),
}
# Whole public pages, shared by every worker (portal/page_cache.py); unset: no page cache.
if env("PORTAL_PAGE_CACHE_URL", default=""):
    CACHES["pages"] = env.cache("PORTAL_PAGE_CACHE_URL")
for _cache in CACHES.values():  # Django's Redis backend, with its clients kept (portal/redis_cache.py)
    if _cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        _cache["BACKEND"] = "portal.redis_cache.RedisCache"
PORTAL_PAGE_CACHE_SECONDS = env.int("PORTAL_PAGE_CACHE_SECONDS", default=3600)
# The site and its settings kept in the default cache (portal/site_lookup.py): only when that cache is shared by
# every worker (CACHE_URL), since a change must drop them everywhere at once.
PORTAL_SITE_CACHE = env.bool("PORTAL_SITE_CACHE", default=bool(env("CACHE_URL", default="")))
# With a shared cache (Redis: CACHE_URL=rediscache://…) sessions live there too, beside the database.
SESSION_ENGINE = env("DJANGO_SESSION_ENGINE", default="django.contrib.sessions.backends.db")

# The front cache (nginx's, deploy/nginx.conf) in front of the app servers: Wagtail purges a page, and the pages
# that list it, when it is published, unpublished or moved (portal/front_cache.py), by sending `PURGE <path>` to
# this address (nginx's purge port). Unset: no front cache.
PORTAL_FRONT_CACHE = env("PORTAL_FRONT_CACHE", default="")
INSTALLED_APPS.append("wagtail.contrib.frontend_cache")  # without WAGTAILFRONTENDCACHE it purges nothing
if PORTAL_FRONT_CACHE:
    WAGTAILFRONTENDCACHE = {
        "nginx": {"BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend", "LOCATION": PORTAL_FRONT_CACHE}
    }

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="申报门户 <noreply@localhost>")

# Wagtail
WAGTAIL_SITE_NAME = "岳阳市教育信息化创新试点项目申报门户"  # admin page titles and login heading (templates/wagtailadmin/)
WAGTAILADMIN_USER_LOGIN_FORM = "portal.forms.PortalLoginForm"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "portal.cjk_search"},
}
WAGTAILDOCS_EXTENSIONS = ["doc", "docx", "pdf", "xls", "xlsx", "zip", "wps", "et", "ofd"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAIL_I18N_ENABLED = False
WAGTAIL_ENABLE_UPDATE_CHECK = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="WARNING")},
    # Django's own loggers go to the same handler once (not also through Django's default console handler).
    "loggers": {
        "django": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO"), "propagate": False},
        # zipstream warns of a file cut short by naming its path in the archive (school, project, file name): the
        # dossier logs that itself, by storage key (exports.dossier.StorageWatch).
        "zipstream": {"level": "ERROR"},
    },
}

# Applications: uploads and their private storage.
PORTAL_UPLOAD_MAX_FILE_MB = env.int("PORTAL_UPLOAD_MAX_FILE_MB", default=20)
PORTAL_UPLOAD_MAX_TOTAL_MB = env.int("PORTAL_UPLOAD_MAX_TOTAL_MB", default=100)
FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every upload goes to a temporary file, never to memory
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR", default=None)
PORTAL_RETENTION_YEARS = env.int("PORTAL_RETENTION_YEARS", default=3)  # see manage.py purge_applications
PORTAL_SUBMIT_RATE = env("PORTAL_SUBMIT_RATE", default="10/h")  # complete applications per client address
PORTAL_POST_RATE = env("PORTAL_POST_RATE", default="120/h")  # any form POSTs per client address (floods)
PORTAL_STATUS_RATE = env("PORTAL_STATUS_RATE", default="20/h")  # failed status look-ups per client address
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma separated): throttles then count
# the school's address, not the proxy's. Empty: the connecting address (REMOTE_ADDR) is the client.
PORTAL_TRUSTED_PROXIES = env.list("PORTAL_TRUSTED_PROXIES", default=[])
RATELIMIT_IP_META_KEY = "portal.client_address.client_address"
# How long a browser keeps access to an application after submitting it or looking it up (reference + mobile).
PORTAL_GRANT_HOURS = env.int("PORTAL_GRANT_HOURS", default=4)
# Drafts (暂存) untouched for this many days are deleted with their files (manage.py purge_applications).
PORTAL_DRAFT_DAYS = env.int("PORTAL_DRAFT_DAYS", default=30)
# Files uploaded one by one (applications/apply/direct.py): in parts of this size (S3's minimum is 5 MB), each
# written through a URL valid this long; a part the bucket dates later than that (plus the skew allowed between
# the bucket's clock and ours) is refused.
PORTAL_UPLOAD_PART_MB = env.int("PORTAL_UPLOAD_PART_MB", default=5)
PORTAL_UPLOAD_URL_SECONDS = env.int("PORTAL_UPLOAD_URL_SECONDS", default=600)
PORTAL_UPLOAD_CLOCK_SKEW_SECONDS = env.int("PORTAL_UPLOAD_CLOCK_SKEW_SECONDS", default=60)
PORTAL_UPLOAD_PARTS_DIR = env.path("PORTAL_UPLOAD_PARTS_DIR", default=VAR_DIR / "upload-parts")
PORTAL_UPLOAD_RATE = env("PORTAL_UPLOAD_RATE", default="600/h")  # upload requests (begin, part URLs) per address

# ClamAV's daemon scans every upload when set: unix:///run/clamav/clamd.ctl or tcp://127.0.0.1:3310
# (applications/apply/malware.py). A file it cannot scan in PORTAL_CLAMD_TIMEOUT seconds is refused.
PORTAL_CLAMD = env("PORTAL_CLAMD", default="")
PORTAL_CLAMD_TIMEOUT = env.float("PORTAL_CLAMD_TIMEOUT", default=30)

# Background tasks (django-tasks). "worker": the portal's own (the whole-file check of uploads, notification
# emails), run by `manage.py db_worker` when PORTAL_TASKS=database, else at once in the request. "default":
# Wagtail's (front-cache purges, search index), always at once, so that an edit is on the public page as soon as
# its publish returns.
_WORKER_BACKEND = (
    "django_tasks_db.DatabaseBackend"
    if env("PORTAL_TASKS", default="immediate") == "database"
    else "django_tasks.backends.immediate.ImmediateBackend"
)
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "worker": {"BACKEND": _WORKER_BACKEND},
}

if env("AWS_STORAGE_BUCKET_NAME", default=""):
    from applications.apply.storage import s3_storage

    STORAGES["applications"] = s3_storage(env)
else:
    STORAGES["applications"] = {
        "BACKEND": "applications.apply.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": env.path("PORTAL_PRIVATE_ROOT", default=VAR_DIR / "private")},
    }

# Content Security Policy (django-csp; Django 5.2 has none): no inline or foreign script on any public page or
# on the admin's sign-in page (behind it, Wagtail's own inline scripts: portal/content_policy.py). Styles may be
# inline (Wagtail's admin sets style attributes); the admin previews pages in a frame of its own origin; file
# parts go straight to the bucket (connect-src), see applications/apply/direct.py.
from csp.constants import NONE, SELF  # noqa: E402

_UPLOAD_ORIGINS = env.list("PORTAL_UPLOAD_ORIGINS", default=[])
if not _UPLOAD_ORIGINS and env("AWS_STORAGE_BUCKET_NAME", default=""):
    from urllib.parse import urlsplit

    _endpoint = urlsplit(env("AWS_S3_ENDPOINT_URL", default="") or "https://s3.amazonaws.com")
    _UPLOAD_ORIGINS = [f"{_endpoint.scheme}://{_endpoint.netloc}", f"{_endpoint.scheme}://*.{_endpoint.netloc}"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF, *_UPLOAD_ORIGINS],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Admin sign-in (django-axes): after AXES_FAILURE_LIMIT failures for one account from one address, that pair is
# locked out for AXES_COOLOFF_HOURS; the message is the template 403_locked.html, in Chinese.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("PORTAL_LOGIN_FAILURES", default=5)
AXES_COOLOFF_TIME = env.float("PORTAL_LOGIN_LOCKOUT_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "403_locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "portal.client_address.client_address"
AXES_VERBOSE = False
# Signed-in staff sessions end after this many hours, and when the browser closes.
SESSION_COOKIE_AGE = env.int("PORTAL_SESSION_HOURS", default=8) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
