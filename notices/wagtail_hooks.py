from django.urls import path
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem

from . import admin_views
from .models import NoticePage


@hooks.register("register_admin_urls")
def register_notice_urls():
    return [
        path("notices/<int:page_id>/rollover/", admin_views.rollover_view, name="notices_rollover"),
        path("notices/<int:page_id>/submit-all/", admin_views.submit_call_view, name="notices_submit_all"),
        path("notices/<int:page_id>/approve-all/", admin_views.approve_call_view, name="notices_approve_all"),
    ]


class RolloverButton(PageMenuItem):
    """“生成下一年度” on a notice, beside Wagtail's own copy action (rollover.py uses Page.copy)."""

    label = "生成下一年度"
    icon_name = "copy"
    url_name = "notices_rollover"
    priority = 25

    def is_shown(self, user):
        # A published call is rolled over; a draft (a call just rolled over, say) is edited instead.
        return (
            self.page.specific_class is NoticePage
            and self.page.live
            and self.page.get_parent().permissions_for_user(user).can_add_subpage()
        )


class SubmitCallButton(PageMenuItem):
    """“整套提交审核”: the notice, its annexes and its form submitted for moderation at once (a POST form)."""

    label = "整套提交审核"
    icon_name = "resubmit"
    url_name = "notices_submit_all"
    priority = 26

    def is_shown(self, user):
        # One permission check per row: what is left to submit is worked out on the confirmation page.
        return self.page.specific_class is NoticePage and self.page.permissions_for_user(user).can_submit_for_moderation()


class ApproveCallButton(PageMenuItem):
    """“整套批准发布”: the publisher approves every page of the call waiting for them at once."""

    label = "整套批准发布"
    icon_name = "check"
    url_name = "notices_approve_all"
    priority = 27

    def is_shown(self, user):
        return self.page.specific_class is NoticePage and self.page.permissions_for_user(user).can_publish()


@hooks.register("register_page_header_buttons")
def notice_header_buttons(page, user, view_name=None, next_url=None):
    yield RolloverButton(page=page)
    yield SubmitCallButton(page=page)
    yield ApproveCallButton(page=page)


@hooks.register("register_page_listing_more_buttons")
def notice_listing_buttons(page, user, next_url=None):
    yield RolloverButton(page=page)
    yield SubmitCallButton(page=page)
    yield ApproveCallButton(page=page)
