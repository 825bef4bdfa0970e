"""Chinese full-text search on the database backends.

Neither PostgreSQL's default text-search parser nor SQLite's FTS5 ``unicode61`` tokenizer splits Chinese into
words: a run of Han characters becomes one huge token, so searching 人工智能 inside a sentence finds nothing.
Without a segmentation extension (zhparser, pg_jieba) on the server, the portable answer is to index every Han
character as its own token and to search a Chinese term as a *phrase* of its characters: the phrase operator
(``<->`` in PostgreSQL, ``"..."`` in FTS5) requires the characters to be adjacent and in order, which is exactly
substring matching, on both databases, with ranking kept.

- ``CJKSearchField`` is a ``SearchField`` whose indexed value is segmented (use it in ``search_fields``).
- ``SearchBackend`` wraps Wagtail's database backend so that query strings are segmented the same way; it is
  configured in ``WAGTAILSEARCH_BACKENDS`` and so serves the public search and the admin's search alike.
"""

import re

from modelsearch.backends.database import SearchBackend as database_backend
from modelsearch.query import And, Phrase, PlainText
from wagtail.search import index

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = re.compile(f"([{HAN}])")
# CJK punctuation and full-width forms separate words just like spaces do.
_CJK_PUNCT = re.compile(r"[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018-\u201f\u2026]")
_HAS_HAN = re.compile(f"[{HAN}]")
_NON_WORD = re.compile(r"[^\w]+")


def segment(text: str) -> str:
    """'申报名额分配表（附件1）' -> '申 报 名 额 分 配 表 附件1'."""
    text = _CJK_PUNCT.sub(" ", text)
    text = _HAN_CHAR.sub(r" \1 ", text)
    return " ".join(text.split())


def _flatten(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(_flatten(v) for v in value)
    if isinstance(value, dict):
        return " ".join(_flatten(v) for v in value.values())
    return str(value)


class CJKSearchField(index.SearchField):
    def get_value(self, obj):
        return segment(_flatten(super().get_value(obj)))


def parse_query(query):
    """Normalise a query (a string, or the PlainText/Phrase objects Wagtail's admin builds from one).

    Punctuation is dropped (it is query syntax to FTS5 and tsquery, where a stray quote is an error), and a
    query with Chinese in it becomes an AND of phrases (Chinese terms) and plain terms."""
    if isinstance(query, Phrase):
        return Phrase(segment(query.query_string)) if _HAS_HAN.search(query.query_string) else query
    if isinstance(query, PlainText):
        text, operator = query.query_string, query.operator
    elif isinstance(query, str):
        text, operator = query, None
    else:
        return query
    terms = _NON_WORD.sub(" ", text).split()
    if not terms:
        return ""
    if not any(_HAS_HAN.search(term) for term in terms):
        return PlainText(" ".join(terms), operator=operator) if operator else " ".join(terms)
    parts = [Phrase(segment(term)) if _HAS_HAN.search(term) else PlainText(term) for term in terms]
    return parts[0] if len(parts) == 1 else And(parts)


class CJKQueryMixin:
    def search(self, query, model_or_queryset, *args, **kwargs):
        return super().search(parse_query(query), model_or_queryset, *args, **kwargs)

    def autocomplete(self, query, model_or_queryset, *args, **kwargs):
        parsed = parse_query(query)
        if isinstance(parsed, str):
            return super().autocomplete(parsed, model_or_queryset, *args, **kwargs)
        # Prefix matching means nothing for single-character tokens: a Chinese autocomplete is a phrase search.
        return super().search(parsed, model_or_queryset, *args, **kwargs)


_classes = {}


def SearchBackend(params):  # noqa: N802 - the name Wagtail looks up in a backend module
    backend = database_backend(params)
    base = type(backend)
    if base not in _classes:
        _classes[base] = type(f"CJK{base.__name__}", (CJKQueryMixin, base), {})
    return _classes[base](params)


# ---------------------------------------------------------------- result excerpts

EXCERPT_BEFORE, EXCERPT_AFTER = 30, 70
# Between two characters of a term, what the index skips: white space and punctuation (a term may run over a
# line break or a table cell boundary in the page's text).
_GAP = rf"(?:\s|{_CJK_PUNCT.pattern})*"


def searchable_text(page) -> str:
    """The text search looks in, as written (not segmented): the values of the page's CJK search fields except
    its title (already shown as the result's link), in the order of ``search_fields``."""
    parts = []
    for field in getattr(page, "search_fields", []):
        if isinstance(field, CJKSearchField) and field.field_name != "title":
            value = _flatten(index.SearchField.get_value(field, page))
            if value.strip():
                parts.append(" ".join(value.split()))
    return " … ".join(parts)


def term_pattern(query):
    """A regular expression matching any term of ``query`` the way the search matches it (case-insensitive, a
    Chinese term across white space or punctuation), or None."""
    terms = sorted(set(_NON_WORD.sub(" ", query or "").split()), key=len, reverse=True)
    if not terms:
        return None
    alternatives = [_GAP.join(re.escape(ch) for ch in term) if _HAS_HAN.search(term) else re.escape(term) for term in terms]
    return re.compile("|".join(alternatives), re.IGNORECASE)


def excerpt(text, query, before=EXCERPT_BEFORE, after=EXCERPT_AFTER):
    """HTML: the text around the first hit of a query term, every term in it marked with <mark>; None when the
    text does not contain a term (the page matched on its title)."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    pattern = term_pattern(query)
    first = pattern.search(text) if pattern else None
    if first is None:
        return None
    start, end = max(first.start() - before, 0), min(first.end() + after, len(text))
    window = text[start:end]
    pieces, at = [], 0
    for hit in pattern.finditer(window):
        pieces += [escape(window[at:hit.start()]), f"<mark>{escape(hit.group())}</mark>"]
        at = hit.end()
    pieces.append(escape(window[at:]))
    return mark_safe(("…" if start else "") + "".join(pieces) + ("…" if end < len(text) else ""))
