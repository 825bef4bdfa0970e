"""Public pages served in a handful of queries (portal/pages.py), with Wagtail's privacy and routing unchanged."""

import pytest
from wagtail.models import Page, PageViewRestriction

from notices.models import OutlinePage, QuotaTablePage

from .conftest import soup

CALL_URL = "/notices/2019-pilot-projects/"
ANNEX_URL = CALL_URL + "annex-2-topic-guide/"

pytestmark = pytest.mark.django_db


def listed_annexes(client):
    return [a.get_text(strip=True) for a in soup(client.get(CALL_URL)).select(".annex-list li > a")]


def queries_for(client, url, django_assert_max_num_queries):
    client.get(url)  # the site's root paths, the content types: once per process
    with django_assert_max_num_queries(8) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_notice_takes_at_most_eight_queries_however_many_annexes_it_has(client, call,
                                                                            django_assert_max_num_queries):
    before = queries_for(client, CALL_URL, django_assert_max_num_queries)
    # The URL's pages, the notice's own row, its children with their downloads and its form's times.
    assert before == 3
    for number in (6, 7, 8):
        call.add_child(instance=OutlinePage(title=f"补充附件{number}", slug=f"extra-{number}", annex_number=number))
    assert queries_for(client, CALL_URL, django_assert_max_num_queries) == before
    assert listed_annexes(client)[-3:] == ["补充附件6", "补充附件7", "补充附件8"]
    for url in ("/", ANNEX_URL, "/notices/"):
        queries_for(client, url, django_assert_max_num_queries)


def test_the_annexes_are_listed_in_their_numbers_order_with_their_downloads(client, call):
    quota = QuotaTablePage.objects.child_of(call).get()
    quota.annex_number = 9
    quota.save_revision().publish()
    page = soup(client.get(CALL_URL))
    items = page.select(".annex-list li")
    assert [li.select_one(".annex-no").get_text() for li in items] == ["2.", "3.", "4.", "5.", "9."]
    assert all(li.select_one("a.download") for li in items)  # each with its file
    assert items[-1].select_one("a.download")["href"] == quota.download.url


def test_a_private_annex_is_neither_listed_nor_served_without_its_password(client, call):
    annex = Page.objects.get(url_path__endswith="/annex-2-topic-guide/")
    PageViewRestriction.objects.create(page=annex, restriction_type="password", password="pw-1234")
    assert "2019年岳阳市教育信息化创新试点项目学校试点选题指南" not in listed_annexes(client)
    response = client.get(ANNEX_URL)
    assert "password" in response.content.decode() and "选题方向" not in main_text(response)


def test_a_private_online_form_is_not_linked_from_its_call(client):
    demo_url = "/notices/demo-2019-pilot-projects/"
    assert soup(client.get(demo_url)).select(".apply-link a")
    form = Page.objects.get(url_path__endswith="/demo-apply/")
    PageViewRestriction.objects.create(page=form, restriction_type="password", password="pw-1234")
    assert not soup(client.get(demo_url)).select(".apply-link a")
    assert 'name="password"' in client.get(form.url).content.decode()


def test_a_page_under_a_private_notice_asks_for_the_password_too(client, call):
    PageViewRestriction.objects.create(page=call, restriction_type="password", password="pw-1234")
    for url in (CALL_URL, ANNEX_URL):
        response = client.get(url)
        assert 'name="password"' in response.content.decode(), url
    response = client.post(soup(client.get(ANNEX_URL)).find("form")["action"],
                           {"password": "pw-1234", "return_url": ANNEX_URL})
    assert client.get(ANNEX_URL).status_code == 200 and 'name="password"' not in client.get(ANNEX_URL).content.decode()


def test_an_alias_of_a_page_in_a_private_section_asks_for_the_password(client, call):
    demo = Page.objects.get(url_path__endswith="/demo-2019-pilot-projects/")
    annex = Page.objects.get(url_path__endswith="/2019-pilot-projects/annex-2-topic-guide/")
    alias = annex.specific.create_alias(parent=demo, update_slug="copied-topic-guide")
    assert client.get(alias.url).status_code == 200
    PageViewRestriction.objects.create(page=call, restriction_type="password", password="pw-1234")
    response = client.get(alias.url)
    assert 'name="password"' in response.content.decode()


def test_unknown_and_unpublished_paths_are_404_and_the_breadcrumb_names_each_ancestor(client, call):
    assert client.get(CALL_URL + "no-such-annex/").status_code == 404
    assert client.get("/no-such-section/2019-pilot-projects/").status_code == 404
    assert client.get("/annex-2-topic-guide/").status_code == 404  # a slug, but not under the site's root
    annex = Page.objects.get(url_path__endswith="/annex-2-topic-guide/")
    annex.unpublish()
    assert client.get(ANNEX_URL).status_code == 404
    crumbs = [li.get_text(strip=True) for li in soup(client.get(CALL_URL + "annex-1-quotas/")).select(".breadcrumb li")]
    assert crumbs[:3] == ["首页", "通知公告", call.title]


def test_a_long_made_up_path_is_a_404_without_a_large_query(client, call, django_assert_max_num_queries):
    client.get("/")
    with django_assert_max_num_queries(6) as captured:
        assert client.get("/" + "x/" * 1500).status_code == 404
    assert max(len(query["sql"]) for query in captured.captured_queries) < 5000


def main_text(response):
    return soup(response).get_text()


@pytest.mark.parametrize("restricted", ["the notice", "the notice list above it"])
def test_a_private_notice_is_listed_neither_on_the_home_page_nor_in_the_notice_list(client, call, restricted):
    def listed(url):
        return [a.get_text(strip=True) for a in soup(client.get(url)).select("main a")]

    assert call.title in listed("/") and call.title in listed("/notices/")
    page = call if restricted == "the notice" else call.get_parent()
    PageViewRestriction.objects.create(page=page, restriction_type="password", password="pw-1234")
    assert call.title not in listed("/")
    if restricted == "the notice":
        assert call.title not in listed("/notices/")
        assert listed("/notices/"), "the other notices are still listed"


def test_a_private_online_form_is_not_linked_from_the_home_page(client):
    assert soup(client.get("/")).find("a", string="在线申报")
    form = Page.objects.get(url_path__endswith="/demo-apply/")
    PageViewRestriction.objects.create(page=form, restriction_type="password", password="pw-1234")
    assert not soup(client.get("/")).find("a", string="在线申报")


def test_an_alias_of_a_page_in_a_private_section_is_not_listed_by_its_title(client, call):
    """An alias shows its source: where the source is private, so is the alias, in lists as when served."""
    demo_url = "/notices/demo-2019-pilot-projects/"
    demo = Page.objects.get(url_path__endswith="/demo-2019-pilot-projects/")
    annex = Page.objects.get(url_path__endswith="/2019-pilot-projects/annex-2-topic-guide/")
    annex.specific.create_alias(parent=demo, update_slug="copied-topic-guide")
    notice_alias = call.specific.create_alias(parent=call.get_parent(), update_slug="copied-2019-call")

    def listed(url):
        return [a.get_text(strip=True) for a in soup(client.get(url)).select("main a")]

    assert annex.title in listed(demo_url)
    assert listed("/notices/").count(call.title) == 2
    PageViewRestriction.objects.create(page=call, restriction_type="password", password="pw-1234")
    assert annex.title not in listed(demo_url)
    assert call.title not in listed("/notices/") and call.title not in listed("/")
    assert 'name="password"' in client.get(notice_alias.url).content.decode()


def test_the_notice_shows_its_forms_state_from_the_forms_own_times(client, call):
    """The notice reads its online form's times in the query of its children (ApplicationFormPage.listed_columns):
    the 在线申报 link's state follows the form's own opening and closing times as the form itself does."""
    import datetime

    from django.utils import timezone

    from applications.models import ApplicationFormPage

    form = ApplicationFormPage.objects.child_of(call).get()
    now = timezone.now()

    def state_after(opens_at, closes_at):
        form.opens_at, form.closes_at = opens_at, closes_at
        form.save_revision().publish()
        link = soup(client.get(CALL_URL)).select_one(".apply-link")
        return link.select_one("a")["href"], link.get_text(strip=True)

    href, text = state_after(now + datetime.timedelta(days=1), now + datetime.timedelta(days=2))
    assert href == form.url and text.endswith("（尚未开始）")
    _, text = state_after(now - datetime.timedelta(days=2), now - datetime.timedelta(days=1))
    assert text.endswith("（申报已截止）")
    _, text = state_after(now - datetime.timedelta(days=2), now + datetime.timedelta(days=1))
    assert text == form.title


def test_the_home_page_takes_the_same_queries_however_many_notices_there_are(client, call,
                                                                          django_assert_max_num_queries):
    """The URL's pages, the current call, its form (alone: not the call's annexes), the latest notices."""
    from notices.models import NoticePage

    before = queries_for(client, "/", django_assert_max_num_queries)
    assert before == 4
    index = call.get_parent()
    for number in range(6):
        index.add_child(instance=NoticePage(title=f"补充通知{number}", slug=f"extra-notice-{number}", issuer="市教体局",
                                            signature="市教体局", date=call.date))
    assert queries_for(client, "/", django_assert_max_num_queries) == before


def test_the_home_pages_apply_button_follows_the_forms_own_times(client):
    """The home page asks for the current call's form alone (ApplicationFormPage.public_form_of), with its times."""
    import datetime

    from django.utils import timezone

    from applications.models import ApplicationFormPage

    form = ApplicationFormPage.objects.get(url_path__endswith="/demo-apply/")
    now = timezone.now()

    def button_after(opens_at, closes_at):
        form.opens_at, form.closes_at = opens_at, closes_at
        form.save_revision().publish()
        return soup(client.get("/")).find("a", string="在线申报")

    assert button_after(now - datetime.timedelta(days=2), now + datetime.timedelta(days=1))["href"] == form.url
    assert button_after(now - datetime.timedelta(days=2), now - datetime.timedelta(days=1)) is None
    assert button_after(now + datetime.timedelta(days=1), now + datetime.timedelta(days=2)) is None
