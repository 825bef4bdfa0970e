from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "首页"

    def ready(self):
        from portal import front_cache

        front_cache.connect()
