"""The bucket that holds application files (STORAGES["applications"] when S3 is configured)."""

import contextlib
import os

from storages.backends.s3 import S3Storage
from storages.utils import clean_name


def path_of(content):
    """A path that opens the file's bytes anew, if it has one: a Django temporary upload's own path, or, for a
    received file without a name (uploads.ReceivedFile: O_TMPFILE or unlinked), its descriptor's entry in
    /proc (Linux). None otherwise (a file in memory, a stream)."""
    path = getattr(content, "temporary_file_path", None)
    if path is not None:
        return path()
    try:
        descriptor = (getattr(content, "file", None) or content).fileno()
    except (AttributeError, OSError, ValueError):
        return None
    proc = f"/proc/self/fd/{descriptor}"
    return proc if os.path.exists(proc) else None


class PrivateS3Storage(S3Storage):
    """django-storages' S3 backend, with two things it cannot know about this bucket:

    - keys are random (storage.new_key), so none is looked up before writing (``file_overwrite``);
    - a file received to disk (a no-JavaScript upload) goes up from a path: boto3 then opens the file once per
      part and reads each part while sending it, all parts at once, where ``upload_fileobj`` holds every part in
      memory and so has to send them a few at a time (``max_in_memory_upload_chunks``).
    """

    def _save(self, name, content):
        path = path_of(content)
        if path is None:
            return super()._save(name, content)
        cleaned = clean_name(name)
        key = self._normalize_name(cleaned)
        self.bucket.Object(key).upload_file(
            path, ExtraArgs=self._get_write_parameters(key, content), Config=self.transfer_config
        )
        return cleaned

    def pieces(self, name, size):
        """The object's bytes, ``size`` at a time, from one GetObject streamed. Opening it as a File (S3File)
        asks HEAD first and then downloads the whole object through a pool of threads, for every file checked."""
        body = self.bucket.Object(self._normalize_name(clean_name(name))).get()["Body"]
        with contextlib.closing(body):
            yield from body.iter_chunks(size)
