from django.urls import reverse

from . import streaming
from .storage import application_storage, streams_while_receiving
from .uploads import use_limited_upload_handler


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
            return get_response(request)
        finally:
            streaming.release(handler.streams)

    return middleware
