from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "项目申报"

    def ready(self):
        from .apply import seed  # noqa: F401  (connects the call's online form to notices.seed's loader)
