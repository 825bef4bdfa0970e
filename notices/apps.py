from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = "通知公告"

    def ready(self):
        from wagtail.signals import page_published

        page_published.connect(_refresh_annex_downloads, dispatch_uid="notices-refresh-annex-downloads")


def _refresh_annex_downloads(sender, instance, **kwargs):
    from .annex_downloads import refresh_for

    refresh_for(instance)
