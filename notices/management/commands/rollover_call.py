from django.core.management.base import BaseCommand, CommandError

from notices.models import NoticePage
from notices.rollover import CLEAR, SHIFT, RolloverError, rollover


class Command(BaseCommand):
    help = "由某年的申报通知生成下一年度的申报通知草稿（含附件页、选题指南、名额表和在线申报表单）。"

    def add_arguments(self, parser):
        parser.add_argument("source_slug", help="原通知的 slug，如 2019-pilot-projects")
        parser.add_argument("--year", type=int, required=True, help="新年度，如 2020")
        parser.add_argument(
            "--clear-dates", action="store_true", help="清空各项日期（发布前须重新填写）；默认各项日期顺延一年"
        )

    def handle(self, *args, source_slug, year, clear_dates, **options):
        source = NoticePage.objects.filter(slug=source_slug).first()
        if source is None:
            raise CommandError(f"找不到 slug 为“{source_slug}”的通知。")
        try:
            copy = rollover(source, year, CLEAR if clear_dates else SHIFT)
        except RolloverError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"已生成草稿：《{copy.title}》（slug {copy.slug}），共 {copy.get_descendants().count() + 1} 个页面，尚未发布。"))
