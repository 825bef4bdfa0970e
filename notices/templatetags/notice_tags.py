from django import template
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

from portal.dates import cn_date, cn_datetime

register = template.Library()

_DIGITS = "零一二三四五六七八九"


@register.filter
def cn_numeral(n):
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 99 -> 九十九 (section numbers of official documents)."""
    n = int(n)
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    text = ("" if tens == 1 else _DIGITS[tens]) + "十" if tens else ""
    return text + (_DIGITS[ones] if ones else "")


def numbered_items(items):
    """(number, text) pairs: an item's own number where the document gives one, else 1．2．… by position."""
    return [(item["number"] or f"{i}．", item["text"]) for i, item in enumerate(items, start=1)]


register.filter("numbered_items", numbered_items)


@register.filter
def time_left(delta):
    """'还剩 3 天 4 小时' for a positive timedelta, '已截止' otherwise."""
    if delta is None:
        return ""
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "已截止"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"还剩 {days} 天 {hours} 小时"
    return f"还剩 {hours} 小时 {rest // 60} 分钟"


@register.filter
def file_kind(document):
    """'Word 文档' / 'Excel 表格' / 'PDF' for a Wagtail document, from its extension."""
    ext = (document.file_extension or "").lower()
    return {
        "doc": "Word 文档",
        "docx": "Word 文档",
        "xls": "Excel 表格",
        "xlsx": "Excel 表格",
        "pdf": "PDF 文件",
        "zip": "压缩包",
    }.get(ext, ext.upper())


@register.simple_tag
def download_link(document, label=""):
    """The link that downloads an annex's file, with its kind and size: ``{% download_link annex.download %}``. A
    tag, not an included template: the notice shows one per annex, and an include costs a template render each."""
    if not document:
        return ""
    return format_html(
        '<a class="download" href="{}">下载{}<span class="file-meta">（{}，{}）</span></a>',
        document.url, label, file_kind(document), filesizeformat(document.get_file_size()),
    )


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key)


# Dates an editor writes into a notice's text by name, so that the text follows the notice's own fields: the
# deadline is set in one place (the notice's 申报截止时间) and every page that prints it agrees.
CALL_DATES = {
    "{申报截止日期}": lambda call: cn_date(call.deadline),
    "{申报截止时间}": lambda call: cn_datetime(call.deadline),
}


@register.filter
def call_dates(text, call):
    """``text`` with {申报截止日期} / {申报截止时间} replaced by the notice's deadline."""
    if not text or "{" not in text or call is None:
        return text
    for token, value in CALL_DATES.items():
        if token in text:
            text = text.replace(token, value(call) or "（待定）")
    return text


@register.simple_tag
def results_of(call):
    """The call's published 立项名单 (ResultsPage), if any: ``{% results_of call as results %}``."""
    return call.results_page() if call is not None else None
