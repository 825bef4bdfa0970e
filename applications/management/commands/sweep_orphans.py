import datetime
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from applications.apply import direct
from applications.apply.storage import application_storage
from applications.models import ApplicationFile, Draft, Upload


def stored_keys(storage, path=""):
    """Every object key under ``path`` in the private storage (folders walked recursively)."""
    folders, files = storage.listdir(path)
    for name in files:
        yield f"{path}/{name}" if path else name
    for folder in folders:
        yield from stored_keys(storage, f"{path}/{folder}" if path else folder)


def stale_multipart_uploads(storage, cutoff):
    """Multipart uploads to the bucket begun before ``cutoff`` and never completed nor aborted (a worker killed
    mid-upload, a bucket that stopped answering): invisible as objects, billed as parts. None on a local folder."""
    bucket = getattr(storage, "bucket", None)
    if bucket is None:
        return
    client = bucket.meta.client
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket.name, Prefix=storage.location):
        for upload in page.get("Uploads", []):
            if upload["Initiated"] < cutoff:
                yield client, bucket.name, upload


def stray_part_folders(cutoff):
    """Folders of parts sent to the portal (local storage) that belong to no upload any more and are older than
    ``cutoff``: a worker killed between making the folder and saving its row, or an upload removed meanwhile."""
    root = Path(settings.PORTAL_UPLOAD_PARTS_DIR)
    if not root.is_dir():
        return []
    live = {public_id.hex for public_id in Upload.objects.values_list("public_id", flat=True)}
    return [
        folder
        for folder in root.iterdir()
        if folder.is_dir() and folder.name not in live
        and datetime.datetime.fromtimestamp(folder.stat().st_mtime, tz=datetime.UTC) < cutoff
    ]


class Command(BaseCommand):
    help = "删除私有存储中没有对应申报记录的文件（如保存过程中断留下的文件），并中止未完成的分片上传。"

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24, help="只删除早于这么多小时的文件（正在提交的不动）")
        parser.add_argument("--dry-run", action="store_true", help="只列出，不删除")

    def handle(self, *args, hours, dry_run, **options):
        storage = application_storage()
        cutoff = timezone.now() - datetime.timedelta(hours=hours)
        # Files uploaded ahead for a form that was neither submitted nor saved as a draft (drafts keep theirs
        # until purge_applications deletes the draft).
        abandoned = Upload.objects.filter(updated_at__lt=cutoff).exclude(token__in=Draft.objects.values("token"))
        count = 0
        for upload in abandoned:
            if not dry_run:
                direct.remove(upload)
            count += 1
        self.stdout.write(self.style.SUCCESS(f"放弃的预先上传 {count} 个{'（未删除）' if dry_run else '已删除'}。"))
        stray = stray_part_folders(cutoff)
        for folder in stray:
            if not dry_run:
                shutil.rmtree(folder, ignore_errors=True)
        self.stdout.write(self.style.SUCCESS(f"无主的分片目录 {len(stray)} 个{'（未删除）' if dry_run else '已删除'}。"))
        known = set(ApplicationFile.objects.values_list("key", flat=True)) | set(Upload.objects.values_list("key", flat=True))
        removed = 0
        for key in stored_keys(storage):
            if key in known or storage.get_modified_time(key) > cutoff:
                continue
            if not dry_run:
                storage.delete(key)
            removed += 1
            self.stdout.write(("将删除：" if dry_run else "已删除：") + key)
        self.stdout.write(self.style.SUCCESS(f"无主文件 {removed} 个{'（未删除）' if dry_run else '已删除'}。"))
        aborted = 0
        object_key = getattr(storage, "_normalize_name", lambda key: key)  # the bucket's key, with AWS_LOCATION
        live_multipart = {object_key(key) for key in Upload.objects.values_list("key", flat=True)}
        for client, bucket, upload in stale_multipart_uploads(storage, cutoff):
            if upload["Key"] in live_multipart:
                continue  # a draft's file, still to be resumed
            if not dry_run:
                client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
            aborted += 1
            self.stdout.write(("将中止分片上传：" if dry_run else "已中止分片上传：") + upload["Key"])
        self.stdout.write(self.style.SUCCESS(f"未完成的分片上传 {aborted} 个{'（未中止）' if dry_run else '已中止'}。"))
