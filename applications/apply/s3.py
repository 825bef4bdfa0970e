"""The bucket that holds application files (STORAGES["applications"] when S3 is configured)."""

from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class PrivateS3Storage(S3Storage):
    """django-storages' S3 backend, with two things it cannot know about this bucket:

    - keys are random (storage.new_key), so none is looked up before writing (``file_overwrite``);
    - a file received to disk (a no-JavaScript upload) goes up from its path: boto3 then reads each part from
      the file while sending it, all parts at once, where ``upload_fileobj`` holds every part in memory and so
      has to send them a few at a time (``max_in_memory_upload_chunks``).
    """

    def _save(self, name, content):
        path = getattr(content, "temporary_file_path", None)
        if path is None:
            return super()._save(name, content)
        cleaned = clean_name(name)
        key = self._normalize_name(cleaned)
        self.bucket.Object(key).upload_file(
            path(), ExtraArgs=self._get_write_parameters(key, content), Config=self.transfer_config
        )
        return cleaned
