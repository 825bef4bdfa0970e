import pytest
from bs4 import BeautifulSoup

from notices.seed import Loader, read_content


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test starts from the published 2019 tree and the open 【演示】 demo call, loaded once per run and
    committed (each test rolls back its own changes; tests of parallel requests see them from other threads)."""
    from django.utils import timezone

    with django_db_blocker.unblock():
        loader = Loader(read_content(), log=lambda *args: None)
        loader.run()
        loader.load_demo(timezone.now())


@pytest.fixture
def call(db):
    from notices.models import NoticePage

    return NoticePage.objects.get(slug="2019-pilot-projects")


@pytest.fixture
def committed_site(transactional_db):
    """For tests of parallel requests (``django_db(transaction=True)``: no test transaction, rows committed):
    the 2019 call and the open demo call, built again if an earlier such test emptied the tables (pytest-django
    empties every table after one, Wagtail's root page included). Returns the demo call."""
    from django.conf import settings
    from django.utils import timezone
    from django.utils.translation import get_supported_language_variant
    from wagtail.models import Collection, Locale, Page

    from notices.models import NoticePage

    if not Page.objects.exists():
        Locale.objects.get_or_create(language_code=get_supported_language_variant(settings.LANGUAGE_CODE))
        Collection.add_root(name="Root")
        Page.add_root(instance=Page(title="Root", slug="root"))
    loader = Loader(read_content(), log=lambda *args: None)
    loader.run()
    loader.load_demo(timezone.now())
    return NoticePage.objects.get(slug="demo-2019-pilot-projects")


@pytest.fixture
def only_2019(db):
    """For tests of the published 2019 site as the public sees it: the demo call is removed (rolled back after)."""
    from notices.models import NoticePage

    NoticePage.objects.get(slug="demo-2019-pilot-projects").delete()


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "", "pw-root-123")
    client.force_login(user)
    return client


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def main_text(response):
    """The text a reader sees in the page's main region, with all white space removed."""
    return normalise(soup(response).find("main").get_text(""))


def normalise(text):
    return "".join(text.split())


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttling counts live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def s3_server():
    """moto's standalone S3 server over real HTTP on 127.0.0.1 (random port)."""
    import os

    import boto3
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    yield {"endpoint": endpoint, "client": client}
    server.stop()


@pytest.fixture
def s3_bucket(s3_server, settings):
    """Point STORAGES["applications"] at a fresh private bucket on the moto server."""
    import uuid

    from applications.apply.storage import s3_storage

    bucket = f"applications-{uuid.uuid4().hex[:12]}"
    s3_server["client"].create_bucket(Bucket=bucket)
    values = {
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": s3_server["endpoint"],
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_S3_REGION_NAME": "us-east-1",
    }
    settings.STORAGES = {**settings.STORAGES, "applications": s3_storage(lambda name, default=None: values.get(name, default))}
    return {**s3_server, "bucket": bucket}


@pytest.fixture
def private_folder(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "applications": {"BACKEND": "applications.apply.storage.PrivateFileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path
