from django.urls import path
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem

from . import admin_views
from .models import NoticePage


@hooks.register("register_admin_urls")
def register_rollover_url():
    return [path("notices/<int:page_id>/rollover/", admin_views.rollover_view, name="notices_rollover")]


class RolloverButton(PageMenuItem):
    """“生成下一年度” on a notice, beside Wagtail's own copy action (rollover.py uses Page.copy)."""

    label = "生成下一年度"
    icon_name = "copy"
    url_name = "notices_rollover"
    priority = 25

    def is_shown(self, user):
        return self.page.specific_class is NoticePage and self.page.get_parent().permissions_for_user(user).can_add_subpage()


@hooks.register("register_page_header_buttons")
def rollover_header_button(page, user, view_name=None, next_url=None):
    yield RolloverButton(page=page)


@hooks.register("register_page_listing_more_buttons")
def rollover_listing_button(page, user, next_url=None):
    yield RolloverButton(page=page)
