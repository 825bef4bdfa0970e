from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "首页"

    def ready(self):
        from django.core import checks

        from portal import front_cache, page_cache, site_lookup

        front_cache.connect()
        site_lookup.connect()
        checks.register(page_cache.check_own_database, checks.Tags.caches)
