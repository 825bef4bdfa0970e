import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from portal.settings.base import env


class Command(BaseCommand):
    help = "创建管理员账号（用户名、密码取自环境变量 PORTAL_ADMIN_USERNAME / PORTAL_ADMIN_PASSWORD，否则自动生成并打印）。"

    def handle(self, *args, **options):
        self.ensure_admin()

    def ensure_admin(self):
        User = get_user_model()
        username = env("PORTAL_ADMIN_USERNAME", default="admin")
        password = env("PORTAL_ADMIN_PASSWORD", default="")
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
        self.stdout.write(self.style.SUCCESS(f"管理员账号：{username}  密码：{password}"))
