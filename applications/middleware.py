import logging

from django.http import UnreadablePostError
from django.urls import reverse

from portal.views import bad_request

from . import streaming
from .storage import application_storage, streams_while_receiving
from .uploads import use_limited_upload_handler

logger = logging.getLogger(__name__)


def upload_limits(get_response):
    """Install the size-limiting upload handler on every multipart request, before anything (CSRF checks
    included) reads the body. Outside the admin, files are also sent to the private bucket while they are
    received; when the request ends, whatever happened, every stream the request did not claim is undone."""

    def middleware(request):
        if request.method != "POST" or request.content_type != "multipart/form-data":
            return get_response(request)
        storage = application_storage()
        public = not request.path.startswith(reverse("wagtailadmin_home"))
        stream_to = storage if public and streams_while_receiving(storage) else None
        handler = use_limited_upload_handler(request, stream_to=stream_to)
        try:
            try:
                request.POST  # noqa: B018 (read the body here, where a connection dropped mid-upload is expected)
            except UnreadablePostError as error:
                # A school's network gave way: nothing was saved, and it is not a server error.
                logger.warning("Upload interrupted: the client stopped sending the request body")
                return bad_request(request, error)
            return get_response(request)
        finally:
            streaming.release(handler.streams)

    return middleware
