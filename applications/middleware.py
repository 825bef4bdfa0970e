import logging

from django.http import UnreadablePostError

from portal import request_body
from portal.views import bad_request

from .apply.uploads import use_limited_upload_handler

logger = logging.getLogger(__name__)


def upload_limits(get_response):
    """Every request body is read whole or refused (portal/request_body.py): a body cut short by a dropped
    connection gets a Chinese 400 and reaches no view, so nothing half-received is ever saved.

    Multipart bodies get the size-limiting upload handler, before anything (CSRF checks included) reads them:
    their files go to temporary files on this machine only. Nothing is written to the private storage here;
    that happens in the views, after the CSRF check, the throttle and the form's own validation.
    Raw bodies (a part of a resumable upload, apply/direct.py) are left to their view, which reads them in
    pieces through the same guard."""

    def middleware(request):
        body = request_body.guard(request)
        if body is None or request.content_type == "application/octet-stream":
            return get_response(request)
        try:
            if request.content_type == "multipart/form-data":
                use_limited_upload_handler(request)
                request.POST  # noqa: B018 (read here, where a dropped connection is expected)
                request_body.check_multipart_end(request, body)
            else:
                request.body  # noqa: B018 (bounded by DATA_UPLOAD_MAX_MEMORY_SIZE)
        except UnreadablePostError as error:
            # A school's network gave way: nothing was saved, and it is not a server error.
            logger.warning("Request refused: its body was incomplete (%s)", error)
            return bad_request(request, error)
        return get_response(request)

    return middleware
