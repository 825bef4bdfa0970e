"""The site's chrome is the editor's: the header, the footer and the notice meta line read 门户设置 (Wagtail site
settings), and a blank item is not shown."""

import pytest
from wagtail.models import Site

from home.models import PortalSettings

from .conftest import normalise, soup
from .factories import REVIEWER_PASSWORD, ReviewerFactory

pytestmark = pytest.mark.django_db


def portal_settings():
    return PortalSettings.for_site(Site.objects.get(is_default_site=True))


def footer(response):
    return soup(response).find("footer", class_="site-footer")


def test_the_seeded_header_and_footer_name_the_bureau_and_show_no_blank_item(client):
    page = soup(client.get("/"))
    assert page.select_one(".brand-bureau").get_text() == "岳阳市教育体育局"
    assert page.select_one(".brand-site").get_text() == "教育信息化创新试点项目申报门户"
    text = normalise(footer(client.get("/")).get_text())
    assert "主办单位：岳阳市教育体育局" in text and "技术支持：岳阳市教育科学技术研究院" in text
    assert "网站标识码" not in text and "联系方式" not in text and "备" not in text
    assert footer(client.get("/")).find("a") is None


def test_an_editor_changes_the_settings_in_the_admin_and_every_public_page_shows_them(client, call):
    editor = ReviewerFactory(editor=True)
    assert client.login(username=editor.username, password=REVIEWER_PASSWORD)
    site = Site.objects.get(is_default_site=True)
    url = f"/admin/settings/home/portalsettings/{site.pk}/"
    assert "正在编辑: 门户设置" in soup(client.get(url)).title.get_text()
    data = {
        "bureau_name": "岳阳市教育局",
        "portal_name": "试点项目申报",
        "host": "岳阳市教育局办公室",
        "technical_support": "",
        "contact": "电话：0730-8888888",
        "site_code": "4306000001",
        "icp_number": "湘ICP备12345678号-1",
        "police_number": "湘公网安备 43060202000123号",
        "footer_note": "",
        "notice_publisher": "岳阳市教育局",
        "show_signature_date": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302, soup(response).select(".error-message")
    client.logout()

    for path in ("/", call.url, "/notices/", "/search/?q=名额"):
        response = client.get(path)
        assert response.status_code == 200
        page = soup(response)
        assert page.select_one(".brand-bureau").get_text() == "岳阳市教育局", path
        assert page.select_one(".brand-site").get_text() == "试点项目申报"
        text = normalise(footer(response).get_text())
        assert "主办单位：岳阳市教育局办公室" in text and "联系方式：电话：0730-8888888" in text
        assert "网站标识码：4306000001" in text
        assert "技术支持" not in text and "本站仅用于" not in text  # blank: not shown
        links = {a.get_text(): a["href"] for a in footer(response).find_all("a")}
        assert links["湘ICP备12345678号-1"] == "https://beian.miit.gov.cn/"
        assert links["湘公网安备 43060202000123号"] == (
            "http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=43060202000123"
        )


def test_the_notice_meta_line_shows_publisher_signature_date_and_document_number(client, call):
    meta = normalise(soup(client.get(call.url)).select_one(".article-meta").get_text())
    assert "发布机构：岳阳市教育体育局" in meta and "成文日期：2019-06-20" in meta
    assert "文号" not in meta  # the 2019 notice has none

    call.document_number = "岳教体通〔2019〕18号"
    call.save_revision().publish()
    settings = portal_settings()
    settings.notice_publisher = ""
    settings.show_signature_date = False
    settings.save()
    meta = normalise(soup(client.get(call.url)).select_one(".article-meta").get_text())
    assert "文号：岳教体通〔2019〕18号" in meta
    assert "发布机构" not in meta and "成文日期" not in meta
    assert "发布日期：2019-06-20" in meta and "来源：岳阳市教育体育局" in meta


def test_a_rolled_over_call_gets_no_document_number_of_the_old_year(call):
    from notices.rollover import rollover

    call.document_number = "岳教体通〔2019〕18号"
    call.save_revision().publish()
    copy = rollover(call, 2020)
    assert copy.document_number == ""
