from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page

from notices.models import NoticePage
from portal.cjk_search import CJKSearchField


class HomePage(Page):
    bureau_name = models.CharField("主办单位", max_length=100, default="岳阳市教育体育局")
    intro = models.TextField("简介", blank=True)
    latest_count = models.PositiveSmallIntegerField("首页显示通知条数", default=5)

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["notices.NoticeIndexPage"]
    max_count = 1

    content_panels = Page.content_panels + [FieldPanel("bureau_name"), FieldPanel("intro"), FieldPanel("latest_count")]
    search_fields = Page.search_fields + [CJKSearchField("title", boost=2), CJKSearchField("intro")]

    class Meta:
        verbose_name = "首页"

    def published_notices(self):
        return NoticePage.objects.descendant_of(self).live().public().order_by("-date", "-pk")

    def current_call(self):
        """The newest published notice that is a call (has a deadline)."""
        return self.published_notices().filter(deadline__isnull=False).order_by("-deadline").first()

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        call = self.current_call()
        context["call"] = call
        if call is not None:
            context["time_left"] = call.deadline - timezone.now()
        context["latest_notices"] = self.published_notices()[: self.latest_count]
        return context
