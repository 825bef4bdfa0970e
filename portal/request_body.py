"""A request body is whole or it is not a request.

WSGI servers (gunicorn, the dev server) hand over a body that ended early, because the client's connection
dropped, as a short read: no error. Django's form parsers then take what arrived as if it were everything, so
a submission cut off inside its last file was saved with that file missing or cut. ``WholeBody`` sits
between the server's stream and the parsers and raises ``UnreadablePostError`` at the first short read; for a
multipart body, ``check_multipart_end`` also wants the closing boundary (a body sent complete but cut before
it is as incomplete as a dropped one).
"""

from django.http import UnreadablePostError

# The closing delimiter ends a multipart body, followed at most by a line break (RFC 2046's epilogue, which
# no browser sends).
_TAIL = 200


class WholeBody:
    """Wraps the request's stream (Django's LimitedStream over wsgi.input): counts what is read, keeps the
    last bytes, and refuses to end before ``expected`` bytes."""

    def __init__(self, stream, expected):
        self._stream = stream
        self.expected = expected
        self.received = 0
        self.tail = b""

    def _account(self, data):
        self.received += len(data)
        self.tail = (self.tail + data[-_TAIL:])[-_TAIL:]
        return data

    def read(self, size=-1, /):
        """Read as a file does: ``size`` bytes (all the rest without a size), fewer only at the end of the
        body. A read that comes back short is continued; one that ends before ``expected`` raises."""
        want = self.expected - self.received if size is None or size < 0 else min(size, self.expected - self.received)
        pieces = []
        while want > 0:
            data = self._stream.read(want)
            if not data:
                raise UnreadablePostError(f"request body ended after {self.received} of {self.expected} bytes")
            pieces.append(self._account(data))
            want -= len(data)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def readline(self, size=-1, /):
        line = self._stream.readline(size)
        if not line and size != 0 and self.received < self.expected:
            raise UnreadablePostError(f"request body ended after {self.received} of {self.expected} bytes")
        return self._account(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def guard(request):
    """Put ``WholeBody`` in front of the request's body stream, before anything reads it; None without a body."""
    try:
        expected = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if expected <= 0 or not hasattr(request, "_stream"):
        return None
    request._stream = WholeBody(request._stream, expected)
    return request._stream


def check_multipart_end(request, body):
    """Raise UnreadablePostError unless the multipart body that was parsed ended with its closing boundary."""
    boundary = request.content_params.get("boundary", "").encode("ascii", "replace")
    if body is None or not boundary:
        return
    if body.received != body.expected or not body.tail.rstrip(b"\r\n").endswith(b"--" + boundary + b"--"):
        raise UnreadablePostError("multipart body without its closing boundary")
