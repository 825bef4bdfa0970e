"""Editors change the call's content in the Wagtail admin."""

import pytest

from notices.models import QuotaTablePage

from .conftest import normalise, soup

pytestmark = pytest.mark.django_db


def form_fields(form):
    """The values a browser would submit for a form, as a dict of lists."""
    data = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or field.get("type") in ("submit", "button", "file"):
            continue
        if field.get("type") in ("checkbox", "radio") and not field.has_attr("checked"):
            continue
        if field.name == "select":
            selected = field.find("option", selected=True) or field.find("option")
            value = selected.get("value", "") if selected else ""
        elif field.name == "textarea":
            value = field.get_text()
        else:
            value = field.get("value", "")
        data.setdefault(name, []).append(value)
    return data


@pytest.mark.usefixtures("only_2019")
def test_editing_a_quota_in_the_admin_changes_the_table_and_the_total(admin_client):
    page = QuotaTablePage.objects.get()
    edit_url = f"/admin/pages/{page.pk}/edit/"
    form = soup(admin_client.get(edit_url)).find("form", id="page-edit-form")
    data = form_fields(form)
    units = {i: data[f"quotas-{i}-unit"][0] for i in range(int(data["quotas-TOTAL_FORMS"][0]))}
    pingjiang = next(i for i, unit_id in units.items() if page.quotas.get(unit_id=unit_id).unit.name == "平江县")
    data[f"quotas-{pingjiang}-quota"] = ["5"]
    data["action-publish"] = ["action-publish"]
    response = admin_client.post(edit_url, data)
    assert response.status_code == 302, soup(response).select(".error-message")

    table = soup(admin_client.get(page.url)).find("table")
    rows = {tr.find("th").get_text(): tr.find("td").get_text() for tr in table.select("tbody tr")}
    assert rows["平江县"] == "5"
    assert normalise(table.select_one("tfoot").get_text()) == "全市23"


def test_the_admin_is_in_chinese(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert 'lang="zh-hans"' in html
    assert "<title>控制面板" in html
    assert "搜索全部页面" in html and "Search all pages" not in html


def test_the_login_page_names_the_portal_in_chinese(client, settings):
    page = soup(client.get("/admin/login/"))
    assert page.find("h1").get_text(strip=True) == settings.WAGTAIL_SITE_NAME
    assert page.title.get_text().startswith("登录 - " + settings.WAGTAIL_SITE_NAME)
    assert page.find("label", attrs={"for": "id_password"}).get_text(strip=True).startswith("密码")
    assert "Password" not in page.get_text() and "登录Wagtail" not in page.get_text()


def test_the_dashboard_explorer_and_sidebar_strings_wagtail_leaves_in_english_are_chinese(admin_client):
    dashboard = soup(admin_client.get("/admin/")).get_text()
    assert "Pages" not in dashboard and "created in" not in dashboard and "个页面" in dashboard
    home = QuotaTablePage.objects.first().get_parent().get_parent()
    explorer = soup(admin_client.get(f"/admin/pages/{home.pk}/")).get_text()
    assert "Exploring" not in explorer and "Referenced" not in explorer and "被引用 0 次" in explorer
    catalog = admin_client.get("/admin/jsi18n/").content.decode()
    assert "new items in this menu" in catalog and "\\u6b64\\u83dc\\u5355" in catalog  # 此菜单


def test_the_admin_breadcrumbs_and_edit_page_have_no_english_left(admin_client):
    from wagtail.models import Page

    assert Page.get_first_root_node().title == "全部页面"
    explorer = soup(admin_client.get("/admin/pages/")).get_text()
    assert "Root" not in explorer
    page = QuotaTablePage.objects.first()
    edit = admin_client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    assert "Toggle checks" not in edit and "显示或隐藏内容检查" in edit


def test_the_form_builders_field_help_is_chinese(admin_client):
    from applications.models import ApplicationFormPage

    page = ApplicationFormPage.objects.first()
    edit = admin_client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    assert "Comma or new line separated" not in edit and "以逗号或换行分隔的选项" in edit


def english_left(response):
    """Runs of English words a user would read on an admin page (hidden elements, scripts, icons, the time-zone
    names of the account page and the users' own names aside)."""
    import re

    page = soup(response)
    for hidden in page.find_all(["script", "style", "svg", "template", "noscript"]):
        hidden.decompose()
    for hidden in page.find_all(attrs={"hidden": True}):
        hidden.decompose()
    for zone in page.find_all("select", attrs={"name": "current_time_zone"}):
        zone.decompose()
    texts = [*page.stripped_strings]
    texts += [value for tag in page.find_all(True) for name in ("title", "aria-label", "placeholder")
              if (value := tag.get(name))]
    return sorted({text for text in texts if re.search(r"[A-Za-z]{2,}[ :,.]+[A-Za-z]{2,}", text)
                   and not re.search(r"[\u4e00-\u9fff]", text)})


def test_the_admin_pages_editors_use_have_no_english_sentences_left(admin_client):
    """Wagtail's zh_Hans catalogue lacks several hundred of its strings: locale/ supplies them. A page an editor
    opens every year is checked whole, not string by string."""
    from wagtail.documents.models import Document

    from notices.models import NoticePage

    notice = NoticePage.objects.first()
    annex = QuotaTablePage.objects.first()
    document = Document.objects.first()
    urls = [
        "/admin/",
        f"/admin/pages/{notice.get_parent().pk}/",
        f"/admin/pages/{notice.pk}/?ordering=ord",
        f"/admin/pages/{annex.pk}/edit/",
        f"/admin/pages/{annex.pk}/history/",
        "/admin/documents/",
        f"/admin/documents/edit/{document.pk}/",
        "/admin/images/",
        "/admin/account/",
        "/admin/forms/",
    ]
    left = {url: english_left(admin_client.get(url, follow=True)) for url in urls}
    assert {url: texts for url, texts in left.items() if texts} == {}


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_committed_catalogue_is_compiled_from_its_po_file(domain, settings):
    """Servers need no gettext: the .mo is committed. It must hold every translation of the .po beside it."""
    import gettext
    import re

    folder = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES"
    compiled = gettext.GNUTranslations(open(folder / f"{domain}.mo", "rb"))

    def unquote(lines):
        return "".join(re.findall(r'"(.*)"', lines)).encode().decode("unicode_escape").encode("latin-1").decode()

    for block in (folder / f"{domain}.po").read_text().split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        context = re.search(r'^msgctxt ((?:".*"\n?)+)', block, re.M)
        if not msgid or not unquote(msgid.group(1)):
            continue
        key = unquote(msgid.group(1))
        if "msgid_plural" in block:
            found = compiled.npgettext(unquote(context.group(1)), key, key, 2) if context else compiled.ngettext(key, key, 2)
        else:
            found = compiled.pgettext(unquote(context.group(1)), key) if context else compiled.gettext(key)
        assert found == unquote(msgstr.group(1)), key
