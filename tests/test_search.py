"""Site search finds Chinese words inside sentences, on SQLite and on PostgreSQL."""

import pytest
from bs4 import BeautifulSoup

from portal.cjk_search import parse_query, segment

from .conftest import soup

pytestmark = pytest.mark.django_db


def result_titles(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return [a.get_text() for a in soup(response).select(".search-results a")]


@pytest.mark.parametrize("query", ["人工智能", "数字校园", "网络学习空间", "人人通"])
def test_topic_words_find_the_topic_guide(client, query):
    assert "2019年岳阳市教育信息化创新试点项目学校试点选题指南" in result_titles(client, query)


def test_quota_finds_the_quota_table(client):
    assert "2019年岳阳市教育信息化创新试点项目申报名额分配表" in result_titles(client, "名额")


def test_words_not_in_the_content_find_nothing(client):
    assert result_titles(client, "区块链") == []
    # Characters present but not adjacent must not match: 智 and 园 both occur, 智园 does not.
    assert result_titles(client, "智园") == []


@pytest.mark.usefixtures("only_2019")
def test_several_terms_must_all_match(client):
    titles = result_titles(client, "人工智能 视网膜")
    assert titles == ["2019年岳阳市教育信息化创新试点项目学校试点选题指南"]


def test_edited_content_is_found(client, call):
    call.preamble += "新增的关键词区块链教学。"
    call.save_revision().publish()
    assert call.title in result_titles(client, "区块链")


def test_admin_search_finds_chinese(admin_client):
    response = admin_client.get("/admin/pages/search/", {"q": "选题指南"})
    assert response.status_code == 200
    assert "学校试点选题指南" in response.content.decode()


def test_hostile_queries_do_not_break_search(client):
    for query in ['"', "'", "人工智能\"'", "a" * 500, "&|!():*", "选题 -", "<script>"]:
        assert client.get("/search/", {"q": query}).status_code == 200


def test_segmentation():
    assert segment("申报名额分配表（附件1）") == "申 报 名 额 分 配 表 附 件 1"
    assert parse_query("hello") == "hello"
    assert parse_query("\"") == ""


def results(client, query):
    """{title: the excerpt's HTML (the <p> under the link), or None}."""
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    found = {}
    for item in soup(response).select(".search-results li"):
        extract = item.select_one(".search-excerpt")
        found[item.find("a").get_text()] = extract.decode_contents() if extract else None
    return found


def test_a_column_header_of_annex_3_finds_the_summary_table_with_an_extract(client):
    found = results(client, "芙蓉学校")
    title = "2019年岳阳市教育信息化创新试点项目申报汇总表"
    assert title in found
    assert "<mark>芙蓉学校</mark>" in found[title]
    assert "备注（是否<mark>芙蓉学校</mark>）" in found[title]  # the header as printed, around the term


@pytest.mark.usefixtures("only_2019")
def test_results_show_the_text_around_the_first_hit_not_only_titles(client):
    extract = results(client, "视网膜")["2019年岳阳市教育信息化创新试点项目学校试点选题指南"]
    assert extract.count("<mark>视网膜</mark>") >= 1
    assert len(BeautifulSoup(extract, "html.parser").get_text()) <= 30 + len("视网膜") + 70 + 2  # a snippet, not the page


def test_an_extract_is_escaped_and_marks_every_term(client, call):
    call.preamble = "区块链<b>教学</b>：先讲区块链，再讲教学。"
    call.save_revision().publish()
    extract = results(client, "区块链 教学")[call.title]
    assert "&lt;b&gt;" in extract and "<b>" not in extract
    assert extract.count("<mark>区块链</mark>") == 2 and extract.count("<mark>教学</mark>") == 2


def test_excerpt_matches_a_term_across_a_line_break():
    from portal.cjk_search import excerpt

    assert str(excerpt("申报名额\n分配表", "名额分配")) == "申报<mark>名额\n分配</mark>表"
    assert excerpt("没有这个词", "区块链") is None


def test_a_private_page_is_not_found(client, call):
    """(Wagtail does not index aliases: an alias of a private page is not found either.)"""
    from wagtail.models import Page, PageViewRestriction

    annex = Page.objects.get(url_path__endswith="/2019-pilot-projects/annex-2-topic-guide/")
    demo = Page.objects.get(url_path__endswith="/demo-2019-pilot-projects/")
    annex.specific.create_alias(parent=demo, update_slug="copied-topic-guide")
    assert annex.title in result_titles(client, "视网膜")
    PageViewRestriction.objects.create(page=call, restriction_type="password", password="pw-1234")
    assert annex.title not in result_titles(client, "视网膜")
