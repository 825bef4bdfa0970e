import logging

from django.http import UnreadablePostError
from django.urls import reverse

from portal import request_body
from portal.views import bad_request

from .apply import streaming
from .apply.storage import application_storage, streams_while_receiving
from .apply.uploads import use_limited_upload_handler

logger = logging.getLogger(__name__)


def upload_limits(get_response):
    """Every request body is read whole or refused (portal/request_body.py): a body cut short by a dropped
    connection gets a Chinese 400 and reaches no view, so nothing half-received is ever saved.

    Multipart bodies get the size-limiting upload handler, before anything (CSRF checks included) reads them.
    Outside the admin, their files are also sent to the private bucket while they are received; when the
    request ends, whatever happened, every stream the request did not claim is undone."""

    def middleware(request):
        body = request_body.guard(request)
        if body is None:
            return get_response(request)
        handler = None
        try:
            try:
                if request.content_type == "multipart/form-data":
                    handler = _install_upload_handler(request)
                    request.POST  # noqa: B018 (read here, where a dropped connection is expected)
                    request_body.check_multipart_end(request, body)
                else:
                    request.body  # noqa: B018 (bounded by DATA_UPLOAD_MAX_MEMORY_SIZE)
            except UnreadablePostError as error:
                # A school's network gave way: nothing was saved, and it is not a server error.
                logger.warning("Request refused: its body was incomplete (%s)", error)
                return bad_request(request, error)
            return get_response(request)
        finally:
            if handler is not None:
                streaming.release(handler.streams)

    return middleware


def _install_upload_handler(request):
    storage = application_storage()
    public = not request.path.startswith(reverse("wagtailadmin_home"))
    stream_to = storage if public and streams_while_receiving(storage) else None
    return use_limited_upload_handler(request, stream_to=stream_to)
