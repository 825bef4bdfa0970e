"""The production settings, as `make serve` runs them: static files are served by the app server itself."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import django
django.setup()
from django.conf import settings
from django.templatetags.static import static
from django.test import Client

client = Client()
for name in ("css/portal.css", "css/print.css", "wagtailadmin/css/core.css"):
    url = static(name)
    assert url != "/static/" + name, "no hashed name: " + url  # cacheable for ever
    response = client.get(url, secure=True)
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/css"), (url, response.status_code)
    assert body, url
    assert "max-age=315360000" in response["Cache-Control"], response["Cache-Control"]
print("EMAIL_TIMEOUT", settings.EMAIL_TIMEOUT)
"""


def test_production_serves_its_static_files_with_hashed_names(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": "test",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    env.pop("EMAIL_TIMEOUT", None)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "EMAIL_TIMEOUT 10" in result.stdout  # a hanging mail server cannot hold a submission for long


def test_check_deploy_is_clean_with_the_production_settings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": "a-long-random-secret-key-for-the-deploy-check-0123456789abcdefghijkl",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
