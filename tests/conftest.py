import pytest
from bs4 import BeautifulSoup

from notices.seed import Loader, read_content


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test starts from the published 2019 tree, loaded once per run (each test rolls back its changes)."""
    with django_db_blocker.unblock():
        Loader(read_content(), log=lambda *args: None).run()


@pytest.fixture
def call(db):
    from notices.models import NoticePage

    return NoticePage.objects.get(slug="2019-pilot-projects")


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
