"""Dates as official documents write them (2019年6月20日), for Python code that needs a string: exports and
messages built in views. Templates use Django's ``date`` filter, which gives the same with the zh-hans formats
(``{{ value|date }}``, ``{{ value|date:"DATETIME_FORMAT" }}``)."""

from django.utils import formats, timezone, translation

LANGUAGE = "zh-hans"  # documents and messages are Chinese whatever language a request asked for


def _format(value, format_name):
    if not value:
        return ""
    if hasattr(value, "hour") and timezone.is_aware(value):
        value = timezone.localtime(value)
    with translation.override(LANGUAGE):
        return formats.date_format(value, format_name)


def cn_date(value):
    """2019年6月20日 (no leading zeros); a datetime gives its date in the current time zone."""
    return _format(value, "DATE_FORMAT")


def cn_datetime(value):
    """2019年6月20日 17:30, in the current time zone."""
    return _format(value, "DATETIME_FORMAT")
