"""Private storage for application files: STORAGES["applications"], separate from public media.

Files are addressed by generated keys (never the user's file name). The local default has no URL at all;
on S3 the only URLs are short-lived signed ones, handed out by the permission-checked download view.
"""

import logging
import re
import uuid

from django.core.files.storage import FileSystemStorage, storages
from django.utils import timezone

logger = logging.getLogger(__name__)

ALIAS = "applications"
SAFE_EXTENSION = re.compile(r"[a-z0-9]{1,10}")


def application_storage():
    return storages[ALIAS]


def new_key(extension):
    """A key for a new file: the day it came (so that old objects can be listed by prefix) and a random name.
    Keys do not name the application: a file is stored before the application exists (uploaded ahead, one by
    one: direct.py); ApplicationFile rows link the two."""
    if not SAFE_EXTENSION.fullmatch(extension or ""):
        extension = "bin"
    return f"{timezone.localdate():%Y/%m/%d}/{uuid.uuid4().hex}.{extension}"


def pieces_of(key, size):
    """The stored file's bytes, ``size`` at a time, read once from start to end (PrivateS3Storage.pieces)."""
    storage = application_storage()
    if hasattr(storage, "pieces"):
        yield from storage.pieces(key, size)
        return
    with storage.open(key, "rb") as stored:
        yield from iter(lambda: stored.read(size), b"")


class PrivateFileSystemStorage(FileSystemStorage):
    """A local folder that no URL serves."""

    def url(self, name):
        raise ValueError("Private application files have no public URL; use the download view.")


def transfer_config():
    """8 MB parts (boto3's default), three at a time. A file on disk is read part by part as it is sent
    (s3.PrivateS3Storage); from a file object at most two parts are held in memory (boto3's default keeps ten),
    so a worker's memory does not grow with the size of what schools upload. Three, not boto3's ten: each part
    in flight holds buffers of its own, so with ten a worker's memory grew with the file up to 80 MB (a 20 MB
    file has three parts); measured with bench/upload.py, three sent as fast to the S3 server here."""
    from boto3.s3.transfer import TransferConfig

    part = 8 * 1024 * 1024
    config = TransferConfig(multipart_threshold=part, multipart_chunksize=part, max_concurrency=3)
    config.max_in_memory_upload_chunks = 2
    return config


def client_config(env):
    """Every call to the bucket is bounded: a bucket that stops answering (a hung endpoint, not a refused
    connection) costs a request at most attempts × (connect + read timeout), well inside gunicorn's timeout,
    instead of holding the school until the worker is killed."""
    from botocore.config import Config

    return Config(
        s3={"addressing_style": env("AWS_S3_ADDRESSING_STYLE", default=None)},
        signature_version="s3v4",
        connect_timeout=float(env("AWS_S3_CONNECT_TIMEOUT", default=3)),
        read_timeout=float(env("AWS_S3_READ_TIMEOUT", default=10)),
        retries={"max_attempts": int(env("AWS_S3_MAX_ATTEMPTS", default=2)), "mode": "standard"},
    )


def storage_budget_seconds(storage):
    """The longest one storage call may take before it fails (see client_config); None for a local folder."""
    config = getattr(storage, "client_config", None)
    if config is None or config.connect_timeout is None:
        return None
    return config.retries["max_attempts"] * (config.connect_timeout + config.read_timeout)


def unreachable(error):
    """Whether ``error`` (or what caused it) says the bucket could not be reached or did not answer in time:
    then storing again, or removing what was stored, cannot succeed now (sweep_orphans tidies up later)."""
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import HTTPClientError

    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, (BotoConnectionError, HTTPClientError, TimeoutError)):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


class Presence:
    PRESENT, MISSING, UNREACHABLE = "present", "missing", "unreachable"


def presence(key):
    """Whether the stored file ``key`` is there: PRESENT, MISSING (logged as an error by the caller, who names the
    file), or UNREACHABLE: the storage did not answer (logged here as a warning, without the key's owner)."""
    try:
        return Presence.PRESENT if application_storage().exists(key) else Presence.MISSING
    except Exception as error:  # botocore's errors and timeouts, OSError
        logger.warning("The storage did not answer whether %s exists (%s)", key, type(error).__name__, exc_info=True)
        return Presence.UNREACHABLE


def s3_storage(env):
    """STORAGES["applications"] for any S3-compatible endpoint (AWS, MinIO, Aliyun OSS, Tencent COS). ``env``
    reads a setting: ``env(name, default=…)`` (django-environ's Env in settings, a plain function in tests)."""
    return {"BACKEND": "applications.apply.s3.PrivateS3Storage", "OPTIONS": s3_options(env)}


def s3_options(env):
    return {
        "client_config": client_config(env),
        "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
        "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
        "access_key": env("AWS_ACCESS_KEY_ID", default=None),
        "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
        "region_name": env("AWS_S3_REGION_NAME", default=None),
        "location": env("AWS_LOCATION", default=""),
        "default_acl": "private",
        "file_overwrite": True,  # keys are random (new_key): no HEAD before each write
        "querystring_auth": True,
        "querystring_expire": 300,
        "transfer_config": transfer_config(),
    }
