"""Throttling per client address (django-ratelimit), shared by the form page and the status look-up."""

from django_ratelimit.core import get_usage, is_ratelimited


def throttled(request, group, rate):
    """Count this request and say whether the client address is over ``rate`` for ``group``."""
    return is_ratelimited(request, group=group, key="ip", rate=rate, method=is_ratelimited.ALL, increment=True)


def limit_reached(request, group, rate):
    """Whether the address has already used up ``rate`` for ``group`` (without counting this request)."""
    usage = get_usage(request, group=group, key="ip", rate=rate, method=get_usage.ALL, increment=False)
    return usage is not None and usage["count"] >= usage["limit"]
