from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notices.seed import CALL_2019, Loader, read_content


class Command(BaseCommand):
    help = "建立站点并载入2019年通知及其附件（可重复运行，已有内容不会改动）。"

    def add_arguments(self, parser):
        parser.add_argument("--content", default=str(CALL_2019), help="结构化内容文件（JSON）")
        parser.add_argument("--demo", action="store_true", help="另建一个标有【演示】、未来30天开放申报的演示通知（仅开发环境）")

    def handle(self, *args, **options):
        if options["demo"] and not getattr(settings, "PORTAL_LOAD_DEMO", False):
            raise CommandError("演示数据只能在开发环境载入（PORTAL_LOAD_DEMO 未开启）。")
        loader = Loader(read_content(options["content"]), log=self.stdout.write)
        loader.run()
        if options["demo"]:
            loader.load_demo(timezone.now())
        self.stdout.write(self.style.SUCCESS("初始内容已就绪。"))
