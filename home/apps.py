from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "首页"

    def ready(self):
        from django.core import checks

        from portal import front_cache, page_cache

        front_cache.connect()
        checks.register(page_cache.check_own_database, checks.Tags.caches)
