"""Storing an uploaded file while the request is still being read.

A school's files reach the server one after the other, in one request. Stored only once the whole request
had been read, they made the school wait twice: for its upload, then for the server's upload to the bucket.
Here each file is also handed, piece by piece as it arrives, to a background thread that stores it
(``storage.save`` reading from a ``Pipe``), so the bucket receives it at the same time as the server.

A stream is only a head start; nothing is decided here:

- The request's files still go to temporary files and are validated exactly as before.
- ``submission.store_uploads`` *claims* a stream when the application is saved. If the stream failed or
  stalled, the file is stored from its temporary file instead, as it would be without streaming.
- The upload middleware calls ``release`` when the request ends, whatever happened: streams nobody claimed
  (a refused form, a CSRF failure, a size limit, a dropped connection) are stopped and their objects removed.
- A worker killed mid-request can leave an object behind: ``manage.py sweep_orphans`` removes those, and an
  interrupted multipart upload stores nothing (a bucket lifecycle rule should abort incomplete ones; README).
"""

import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.core.files import File

logger = logging.getLogger(__name__)

# Threads that store streamed files, shared by the process's requests. Long-lived on purpose:
# django-storages keeps one S3 connection per thread, and building one costs more than a small upload.
THREADS = 4
# Received pieces (1 MB each: LimitedUploadHandler.chunk_size) that may wait for the storing thread. Bounds
# the memory a stream holds; when it is full, reading the request waits for the bucket (back-pressure).
DEPTH = 4
# The request reader gives up on a stream that has had no room for this long, and stores from the temporary
# file at the end instead (the pool may be busy with other requests' streams, or the bucket has stopped
# answering: then the request starts no further streams, see uploads.LimitedUploadHandler).
WRITE_STALL_SECONDS = 15
# The storing thread gives up on a request that has sent nothing for this long.
READ_STALL_SECONDS = 120

_executor = None
_executor_lock = threading.Lock()


def _pool():
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="upload-stream")
        return _executor


class Aborted(Exception):
    """The request's side stopped before the file was complete."""


class Pipe:
    """A read-only file for ``storage.save`` in the storing thread, fed piece by piece by the request's thread.

    ``read(n)`` returns exactly ``n`` bytes until the end: S3 multipart parts must be full-sized."""

    _END = object()
    _ABORT = object()
    closed = False

    def __init__(self, name):
        self.name = name
        self._queue = queue.Queue(maxsize=DEPTH)
        self._pieces = []
        self._held = 0
        self._ended = False
        self.reader_gone = threading.Event()  # the storing side has stopped reading (finished or failed)

    # The request's side.
    def put(self, item):
        """Queue a piece; False if the storing side has stopped reading or has had no room for too long."""
        deadline = time.monotonic() + WRITE_STALL_SECONDS
        while not self.reader_gone.is_set() and time.monotonic() < deadline:
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def end(self):
        return self.put(self._END)

    def abort(self):
        """Tell the storing side to give up, without waiting (a queued piece makes room for the news)."""
        while not self.reader_gone.is_set():
            try:
                self._queue.put_nowait(self._ABORT)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    pass

    # The storing side.
    def read(self, size=-1):
        want = None if size is None or size < 0 else size
        while not self._ended and (want is None or self._held < want):
            try:
                item = self._queue.get(timeout=READ_STALL_SECONDS)
            except queue.Empty:
                raise Aborted("the request stopped sending this file") from None
            if item is self._ABORT:
                raise Aborted("the request gave this file up")
            if item is self._END:
                self._ended = True
            else:
                self._pieces.append(item)
                self._held += len(item)
        if want is None or self._held <= want:
            taken, self._pieces, self._held = self._pieces, [], 0
        else:  # split the piece that crosses ``want``: only that piece is copied twice
            taken, count = [], 0
            while count < want:
                piece = self._pieces.pop(0)
                if count + len(piece) > want:
                    cut = want - count
                    self._pieces.insert(0, piece[cut:])
                    piece = piece[:cut]
                taken.append(piece)
                count += len(piece)
            self._held -= want
        return taken[0] if len(taken) == 1 else b"".join(taken)

    def readable(self):
        return True

    def seekable(self):
        return False

    def close(self):
        pass


class Stream:
    """One received file being stored under ``key`` while it arrives."""

    def __init__(self, storage, key):
        self.storage = storage
        self.pipe = Pipe(key)
        self.given_up = False  # by the request's side: the object, if any, must not be used
        self.ended = False
        self.claimed = False
        self.error = None  # why storing failed, once known
        self._future = _pool().submit(self._store, key)

    def _store(self, key):
        try:
            return self.storage.save(key, File(self.pipe, name=key))
        finally:
            self.pipe.reader_gone.set()

    def write(self, data):
        if not self.given_up and not self.pipe.put(data):
            self.give_up()

    def end(self):
        if not self.given_up:
            if self.pipe.end():
                self.ended = True
            else:
                self.give_up()

    def give_up(self):
        self.given_up = True
        self.pipe.abort()

    def _outcome(self):
        """The stored key, or None if nothing usable was stored (waits for the storing thread)."""
        try:
            key = self._future.result()
        except Aborted:
            return None
        except Exception as error:
            self.error = error
            logger.warning("Storing an upload while receiving it failed (%s)", type(error).__name__)
            return None
        return key  # only after the end: a stream given up on fails with Aborted

    def claim(self):
        """Take the stored object for an application: its key, or None if the file must be stored normally."""
        self.claimed = True
        if not self.ended:
            self.give_up()
        return self._outcome()

    def release(self):
        """Undo the stream unless it was claimed: stop it, and remove what it stored."""
        if self.claimed:
            return
        if not self.ended:
            self.give_up()
        key = self._outcome()
        if key is not None:
            self._delete(key)

    def _delete(self, key):
        try:
            self.storage.delete(key)
        except Exception:
            logger.exception("Could not remove an unclaimed streamed upload")


def release(streams):
    for stream in streams:
        stream.release()
