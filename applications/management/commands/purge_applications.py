import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from applications.apply import direct
from applications.apply.submission import remove_stored
from applications.models import Application, ApplicationFile, Draft, Upload
from applications.review import audit
from notices.models import NoticePage


class Command(BaseCommand):
    help = "删除保存期满的申报及其文件（个人信息处理说明承诺：申报截止之日起保存三年），以及长期未修改的申报草稿及其文件。"

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=settings.PORTAL_RETENTION_YEARS, help="保存年限")
        parser.add_argument("--dry-run", action="store_true", help="只列出将被删除的申报，不删除")

    def handle(self, *args, years, dry_run, **options):
        self.purge_drafts(dry_run)
        cutoff = timezone.now() - datetime.timedelta(days=365 * years + years // 4)
        calls = NoticePage.objects.filter(deadline__lt=cutoff)
        for call in calls:
            applications = Application.objects.filter(call=call)
            count = applications.count()
            if not count:
                continue
            if dry_run:
                self.stdout.write(f"将删除：{call.title}（{count} 份申报）")
                continue
            keys = list(ApplicationFile.objects.filter(application__in=applications).values_list("key", flat=True))
            with transaction.atomic():
                applications.delete()
                audit.record(None, "purge", call=call, detail=f"保存期满，删除 {count} 份申报及其 {len(keys)} 个文件")
            remove_stored(keys)  # after the rows are gone: a file without its row is unreachable anyway
            self.stdout.write(self.style.SUCCESS(f"已删除：{call.title}（{count} 份申报，{len(keys)} 个文件）"))

    def purge_drafts(self, dry_run):
        """Drafts untouched for PORTAL_DRAFT_DAYS days, with the files uploaded for them."""
        cutoff = timezone.now() - datetime.timedelta(days=settings.PORTAL_DRAFT_DAYS)
        stale = Draft.objects.filter(updated_at__lt=cutoff)
        count = 0
        for draft in stale:
            count += 1
            if dry_run:
                continue
            for upload in Upload.objects.filter(token=draft.token):
                direct.remove(upload)
            draft.delete()
        verb = "将删除" if dry_run else "已删除"
        self.stdout.write(self.style.SUCCESS(f"{verb} {settings.PORTAL_DRAFT_DAYS} 天未修改的申报草稿 {count} 份。"))
