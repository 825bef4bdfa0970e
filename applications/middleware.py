from .uploads import use_limited_upload_handler


def upload_limits(get_response):
    """Install the size-limiting upload handler on every multipart request, before anything (CSRF checks
    included) reads the body."""

    def middleware(request):
        if request.method == "POST" and request.content_type == "multipart/form-data":
            use_limited_upload_handler(request)
        return get_response(request)

    return middleware
