"""Cleaning text that people type or paste: what a form keeps is what an export can print."""

import unicodedata

_LINE_BREAKS = {"\x0b": "\n", "\x0c": "\n", "\u2028": "\n", "\u2029": "\n", "\r\n": "\n", "\r": "\n"}


def clean_text(value):
    """Drop control and invisible formatting characters (a bell, a NUL, a right-to-left override, a zero-width
    space), keeping tabs and line breaks. Word's manual line break (\\x0b) becomes a line break."""
    if not value:
        return value
    for old, new in _LINE_BREAKS.items():
        value = value.replace(old, new)
    return "".join(
        ch for ch in value if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
