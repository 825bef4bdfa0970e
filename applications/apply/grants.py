"""Which applications and drafts this browser may see: submitting or saving grants it, and so does the look-up
with the reference number and the leader's mobile number. Only the session is involved (no model)."""

import time

from django.conf import settings

SESSION_KEY = "portal_applications"


def grant(request, reference):
    """Let this browser see the application (or draft) ``reference`` for GRANT_HOURS. The session key changes on every grant, so that a
    session id planted in the browser beforehand (session fixation) opens nothing."""
    now = int(time.time())
    granted = live_grants(request, now)
    granted[reference] = now
    request.session.cycle_key()
    request.session[SESSION_KEY] = granted
    if not request.user.is_authenticated:
        request.session.set_expiry(settings.PORTAL_GRANT_HOURS * 3600)


def live_grants(request, now=None):
    now = int(time.time()) if now is None else now
    stored = request.session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return {}
    return {ref: at for ref, at in stored.items() if isinstance(at, int) and now - at < settings.PORTAL_GRANT_HOURS * 3600}
