"""The client's address, for throttling: behind the reverse proxy every school would otherwise share the proxy's.

``X-Forwarded-For`` is believed only when the request comes from a configured trusted proxy
(``PORTAL_TRUSTED_PROXIES``), and only from the right: the address the nearest trusted proxy saw connecting to
it. A client can write anything into the header, but not past the proxies that append to it.
"""

import ipaddress

from django.conf import settings


def _trusted(address):
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in _networks())


def _networks():
    return [ipaddress.ip_network(entry, strict=False) for entry in settings.PORTAL_TRUSTED_PROXIES]


def client_address(request):
    remote = request.META.get("REMOTE_ADDR", "")
    if not settings.PORTAL_TRUSTED_PROXIES or not _trusted(remote):
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for address in reversed(chain):
        if not _trusted(address):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return remote  # a malformed entry: count the proxy, never a made-up address
    return remote
