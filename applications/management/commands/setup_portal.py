import re
import secrets

import environ
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from applications.review.groups import create_reviewer, ensure_groups

env = environ.Env()

DEMO_ACCOUNTS = [
    ("city", "市局评审", {"city": True}),
    ("pingjiang", "县市区评审（平江县）", {"unit_name": "平江县"}),
    ("yueyanglou", "县市区评审（岳阳楼区）", {"unit_name": "岳阳楼区"}),
    ("editor", "内容编辑", {"editor": True}),
    ("publisher", "审核发布", {"publisher": True}),
]


class Command(BaseCommand):
    help = "创建管理员账号（用户名、密码取自环境变量 PORTAL_ADMIN_USERNAME / PORTAL_ADMIN_PASSWORD，否则自动生成并打印）。"

    def add_arguments(self, parser):
        parser.add_argument("--demo-accounts", action="store_true", help="创建各角色的演示账号（仅开发环境）")

    def handle(self, *args, demo_accounts=False, **options):
        ensure_groups()
        self.ensure_admin()
        if demo_accounts:
            if not getattr(settings, "PORTAL_LOAD_DEMO", False):
                raise CommandError("演示账号只能在开发环境创建（PORTAL_LOAD_DEMO 未开启）。")
            self.ensure_demo_accounts()

    def ensure_demo_accounts(self):
        """One account per role. An installation made before a role existed gets the missing accounts added to
        demo-accounts.txt; the others keep their line and password."""
        accounts_file = settings.VAR_DIR / "demo-accounts.txt"
        old_lines = accounts_file.read_text(encoding="utf-8").splitlines() if accounts_file.exists() else []
        User = get_user_model()
        lines, new_lines = [], []
        for username, role, kwargs in DEMO_ACCOUNTS:
            line = next((line for line in old_lines if re.search(rf"用户名 {re.escape(username)}(\s|$)", line)), None)
            if User.objects.filter(username=username).exists():
                if line:
                    lines.append(line)
                continue
            password = secrets.token_urlsafe(9)
            create_reviewer(username, password, **kwargs)
            line = f"{role}：用户名 {username}  密码 {password}"
            lines.append(line)
            new_lines.append(line)
        if not new_lines:
            self.stdout.write("演示账号（见 " + str(accounts_file) + "）：")
            self.stdout.write("\n".join(lines))
            return
        accounts_file.parent.mkdir(parents=True, exist_ok=True)
        accounts_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        accounts_file.chmod(0o600)
        self.stdout.write(self.style.SUCCESS("演示账号：\n" + "\n".join(lines)))

    def ensure_admin(self):
        User = get_user_model()
        username = env("PORTAL_ADMIN_USERNAME", default="admin")
        password = env("PORTAL_ADMIN_PASSWORD", default="")
        given = bool(password)
        password_file = settings.VAR_DIR / "admin-password.txt"
        if User.objects.filter(username=username).exists():
            hint = f"（初始密码见 {password_file}）" if password_file.exists() and not password else ""
            self.stdout.write(f"管理员账号已存在：{username}{hint}")
            return
        if not password:
            password = secrets.token_urlsafe(12)
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(f"{username}\n{password}\n", encoding="utf-8")
            password_file.chmod(0o600)
        User.objects.create_superuser(username=username, email="", password=password)
        shown = "（取自 PORTAL_ADMIN_PASSWORD）" if given else password
        self.stdout.write(self.style.SUCCESS(f"管理员账号：{username}  密码：{shown}"))
