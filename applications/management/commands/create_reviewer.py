from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from applications.review.groups import RoleError, create_reviewer


class Command(BaseCommand):
    help = "为县市区评审、市局评审、内容编辑或审核发布人员创建账号。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        role = parser.add_mutually_exclusive_group(required=True)
        role.add_argument("--unit", help="县市区名称，如“平江县”")
        role.add_argument("--city", action="store_true", help="市局评审（可查看全部申报并审定）")
        role.add_argument("--editor", action="store_true", help="内容编辑（编辑网站内容并提交审核，看不到申报）")
        role.add_argument("--publisher", action="store_true", help="审核发布（审核内容编辑提交的修改并发布）")

    def handle(self, *args, username, password, unit, city, editor, publisher, **options):
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError("密码不符合要求：" + "；".join(error.messages)) from error
        try:
            user = create_reviewer(
                username, password, unit_name=unit, city=city, editor=editor, publisher=publisher
            )
        except RoleError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"已创建账号 {user.username}（{', '.join(g.name for g in user.groups.all())}）"))
