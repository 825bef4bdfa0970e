from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from applications.exports.xlsx import summary_xlsx
from applications.models import Application
from applications.review import calls
from applications.states import Status
from notices.models import Unit


def find_unit(name):
    unit = Unit.objects.filter(name=name).first()
    if unit is None:
        names = "、".join(Unit.objects.values_list("name", flat=True))
        raise CommandError(f"找不到申报单位“{name}”。可选的单位：{names}")
    return unit


class Command(BaseCommand):
    help = "导出附件3 申报汇总表（.xlsx）：默认最新一期通知、全市、县市区已推荐的申报；--unit 只导出一个县市区。"

    def add_arguments(self, parser):
        parser.add_argument("--call", metavar="SLUG", help="通知页面的 slug，默认最新一期")
        parser.add_argument("--unit", metavar="NAME", help="申报单位名称，如“岳阳楼区”；默认全市")
        parser.add_argument(
            "--status",
            action="append",
            choices=Status.values,
            help="只导出这些状态的申报（可重复）；默认与后台导出相同：县市区已推荐的（含已立项、未立项）",
        )
        parser.add_argument("--all", action="store_true", help="导出全部状态的申报（含待审核、已退回）")
        parser.add_argument("-o", "--output", required=True, metavar="FILE.xlsx", help="输出文件")

    def handle(self, *args, call=None, unit=None, status=None, output=None, **options):
        try:
            call = calls.find_call(call)
        except LookupError as error:
            raise CommandError(str(error)) from error
        unit = find_unit(unit) if unit else None
        applications = Application.objects.for_call(call)
        if status:
            applications = applications.filter(status__in=status)
        elif not options["all"]:
            applications = applications.recommended()  # the admin's default, so both give the same table
        try:
            data = summary_xlsx(call, applications, unit=unit)
        except LookupError as error:
            raise CommandError(str(error)) from error
        Path(output).write_bytes(data)
        count = applications.filter(unit=unit).count() if unit else applications.count()
        self.stdout.write(f"已导出 {unit.name if unit else '全市'} {count} 条申报：{output}")
