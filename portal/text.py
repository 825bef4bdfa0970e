"""Cleaning text that people type or paste: what a form keeps is what an export can print."""

import re

_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\u2028\u2029]")
# Control characters (C0 but tab and line feed, DEL, C1) and invisible format characters: zero-width space,
# direction marks, bidirectional overrides and isolates, the BOM, soft hyphen, interlinear annotation, the
# language tag. Kept: the zero-width joiner and non-joiner (U+200C/D) and tag characters (U+E0020–E007F), which
# join emoji sequences (👩‍🏫, subdivision flags) and shape scripts: text comes back as it was typed.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0001\ud800-\udfff]"
)
# A one-line field keeps U+2028/U+2029 as typed; carriage returns and line feeds, which a browser never sends
# from a one-line input, are dropped as the browser would drop them.
_LINE_FEEDS = re.compile("[\r\n]")


_ANYTHING_TO_CLEAN = re.compile(f"[\r\x0b\x0c\u2028\u2029{_INVISIBLE.pattern[1:-1]}]")


def project_title(project_name, subtitle):
    """A project's title as the annexes print it: the name, then its optional subtitle after a dash."""
    return f"{project_name}——{subtitle}" if subtitle else project_name


def clean_text(value):
    """Drop control and invisible formatting characters (a bell, a NUL, a right-to-left override, a zero-width
    space), keeping tabs and line breaks; Word's manual line break (\\x0b) and \\r\\n become \\n."""
    if not value or not _ANYTHING_TO_CLEAN.search(value):
        return value  # the common case: one scan, no copy
    return _INVISIBLE.sub("", _LINE_BREAKS.sub("\n", value))


def clean_line(value):
    """``clean_text`` for a one-line field: no line breaks are made, none are kept but U+2028/U+2029."""
    if not value:
        return value
    return _INVISIBLE.sub("", _LINE_FEEDS.sub("", value))
