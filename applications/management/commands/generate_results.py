from django.core.management.base import BaseCommand, CommandError

from applications.review import audit, calls, results


class Command(BaseCommand):
    help = (
        "按市局立项决定生成立项名单公示（未发布的草稿，放在通知下）；已有立项名单时重新生成其项目（新的草稿版本）。"
        "有申报尚待市局决定时不生成。"
    )

    def add_arguments(self, parser):
        parser.add_argument("call", metavar="CALL_SLUG", help="申报通知页面的 slug，如 2019-pilot-projects")

    def handle(self, *args, call, **options):
        try:
            call = calls.find_call(call)
            page, created = results.generate(call)
        except (LookupError, results.ResultsError) as error:
            raise CommandError(str(error)) from error
        audit.record(None, "results", call=call, detail=f"{'生成' if created else '重新生成'}立项名单：{page.title}（命令行）")
        done = "已生成立项名单草稿" if created else "已重新生成立项名单（新的草稿版本）"
        self.stdout.write(f"{done}：{page.title}，共 {len(page.rows.all())} 个项目。请在后台检查公示日期后发布。")
