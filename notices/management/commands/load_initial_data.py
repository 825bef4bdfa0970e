from django.core.management.base import BaseCommand

from notices.seed import CALL_2019, Loader, read_content


class Command(BaseCommand):
    help = "建立站点并载入2019年通知及其附件（可重复运行，已有内容不会改动）。"

    def add_arguments(self, parser):
        parser.add_argument("--content", default=str(CALL_2019), help="结构化内容文件（JSON）")

    def handle(self, *args, **options):
        Loader(read_content(options["content"]), log=self.stdout.write).run()
        self.stdout.write(self.style.SUCCESS("初始内容已就绪。"))
