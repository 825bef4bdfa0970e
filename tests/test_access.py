"""What each kind of visitor gets when it opens a review URL it may not use: the exact answer, not "some refusal".

- a district reviewer, for another unit's application: 404, the same as for an application that does not exist;
- a district reviewer, for another unit's export: back to the admin home, with Wagtail's 没有权限 message;
- an editor (no review role): back to the admin home, with the same message;
- the public: the admin login page, which returns to the URL afterwards.
"""

from urllib.parse import quote

import pytest
from django.test import Client

from notices.models import Unit

from .admin_forms import logged_in
from .conftest import soup
from .factories import ApplicationFactory, ApplicationFileFactory, demo_form_page

pytestmark = pytest.mark.django_db
DENIED = "对不起， 你没有权限访问。"


@pytest.fixture(autouse=True)
def demo_call(db):
    return demo_form_page().call


def assert_sent_home_denied(browser, response, secret):
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    home = browser.get("/admin/")
    assert DENIED in soup(home).select_one(".messages").get_text()
    assert secret not in home.content.decode()


def test_a_district_reviewer_gets_404_for_another_units_application(private_folder):
    pingjiang = logged_in(unit_name="平江县")
    other = ApplicationFactory(unit="岳阳县", school="岳阳县的学校")
    stored = ApplicationFileFactory(application=other, data=b"%PDF-1.4 secret")
    for url in (f"/admin/applications/{other.pk}/", f"/admin/applications/{other.pk}/files/{stored.pk}/",
                f"/admin/applications/{other.pk}/annex4.docx", "/admin/applications/999999/"):
        response = pingjiang.get(url)
        assert response.status_code == 404, url
        assert b"secret" not in response.content and "岳阳县的学校" not in response.content.decode(), url
    assert pingjiang.post(f"/admin/applications/{other.pk}/do/recommend/", {"opinion": "同意"}).status_code == 404


def test_a_district_reviewer_asking_for_another_units_export_is_sent_home(private_folder):
    pingjiang = logged_in(unit_name="平江县")
    ApplicationFactory(unit="岳阳县", school="岳阳县的学校")
    yueyang = Unit.objects.get(name="岳阳县")
    for url in (f"/admin/applications/export/summary.xlsx?unit={yueyang.pk}",
                f"/admin/applications/export/dossier.zip?unit={yueyang.pk}"):
        assert_sent_home_denied(pingjiang, pingjiang.get(url), "岳阳县的学校")


REVIEW_URLS = ("/admin/applications/", "/admin/applications/{pk}/", "/admin/applications/audit/",
               "/admin/applications/export/list.csv")


def test_an_editor_is_sent_home_from_every_review_page():
    editor = logged_in(editor=True)
    application = ApplicationFactory(school="编辑看不到的学校")
    for url in REVIEW_URLS:
        assert_sent_home_denied(editor, editor.get(url.format(pk=application.pk)), application.school)


def test_the_public_is_asked_to_log_in_and_brought_back():
    application = ApplicationFactory(school="公众看不到的学校")
    public = Client()
    for url in REVIEW_URLS:
        url = url.format(pk=application.pk)
        response = public.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/admin/login/?next={quote(url)}"), url
        login = public.get(response["Location"])
        assert login.status_code == 200 and application.school not in login.content.decode()
        assert soup(login).find("input", {"name": "password"}) is not None
