from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from applications.apply.references import normalise
from applications.exports.docx import application_docx
from applications.models import Application


class Command(BaseCommand):
    help = "按申报编号导出一份填好的附件4 申请表（.docx）。"

    def add_arguments(self, parser):
        parser.add_argument("reference", metavar="REFERENCE", help="申报编号")
        parser.add_argument("-o", "--output", required=True, metavar="FILE.docx", help="输出文件")

    def handle(self, *args, reference=None, output=None, **options):
        # People type references in any case and spacing: read it back the way the receipt prints it.
        wanted = normalise(reference) or reference.strip()
        application = Application.objects.select_related("call").filter(reference=wanted).first()
        if application is None:
            raise CommandError(f"找不到申报编号为“{reference}”的申报。")
        try:
            data = application_docx(application)
        except LookupError as error:
            raise CommandError(str(error)) from error
        Path(output).write_bytes(data)
        self.stdout.write(f"已导出 {application.reference} {application.school}：{output}")
