import re

from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Page

from notices.models import NoticePage
from portal import site_lookup
from portal.cjk_search import CJKSearchField
from portal.pages import ServedPage, SiteRootRouting, public


class HomePage(SiteRootRouting, ServedPage, Page):
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
        """The public notices, newest first, with what the home page shows of them (the rest deferred)."""
        notices = NoticePage.objects.descendant_of(self).live().only(*NoticePage.LISTED_FIELDS)
        return public(notices).order_by("-date", "-pk")

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


BUREAU_NAME = "岳阳市教育体育局"  # as in notices/content/call-2019.json ("home" → "bureau_name")
MIIT_BEIAN_URL = "https://beian.miit.gov.cn/"
MPS_BEIAN_URL = "http://www.beian.gov.cn/portal/registerSystemInfo?recordcode={digits}"


@register_setting(icon="site")
class PortalSettings(BaseSiteSetting):
    """What every public page says about who runs the site: the header, the footer and the notice meta line.
    A blank item is not shown."""

    bureau_name = models.CharField("机构名称", max_length=100, default=BUREAU_NAME, help_text="显示在页头。")
    portal_name = models.CharField(
        "门户名称", max_length=100, default="教育信息化创新试点项目申报门户", help_text="显示在页头机构名称下方。"
    )
    host = models.CharField("主办单位", max_length=100, blank=True, default=BUREAU_NAME)
    technical_support = models.CharField("技术支持", max_length=100, blank=True, default="岳阳市教育科学技术研究院")
    contact = models.CharField("联系方式", max_length=200, blank=True, help_text="如“电话：0730-0000000”。")
    site_code = models.CharField("网站标识码", max_length=50, blank=True)
    icp_number = models.CharField(
        "ICP备案号", max_length=50, blank=True, help_text="如“湘ICP备00000000号-1”，链接到工业和信息化部备案系统。"
    )
    police_number = models.CharField(
        "公安机关备案号", max_length=50, blank=True, help_text="如“湘公网安备 43060000000000号”，链接到全国互联网安全管理平台。"
    )
    footer_note = models.CharField(
        "页脚说明", max_length=200, blank=True, default="本站仅用于教育信息化创新试点项目的发布与申报。"
    )
    notice_publisher = models.CharField(
        "发布机构", max_length=100, blank=True, default=BUREAU_NAME, help_text="通知页标题下信息栏中的发布机构。"
    )
    show_signature_date = models.BooleanField(
        "显示成文日期", default=True, help_text="在通知页的信息栏中显示成文日期（通知的落款日期）。"
    )

    @classmethod
    def for_site(cls, site):
        if site is None:
            return super().for_site(site)  # Wagtail's DoesNotExist
        return site_lookup.settings_for_site(cls, site, super().for_site)

    panels = [
        MultiFieldPanel([FieldPanel("bureau_name"), FieldPanel("portal_name")], heading="页头"),
        MultiFieldPanel(
            [
                FieldPanel("host"),
                FieldPanel("technical_support"),
                FieldPanel("contact"),
                FieldPanel("site_code"),
                FieldPanel("icp_number"),
                FieldPanel("police_number"),
                FieldPanel("footer_note"),
            ],
            heading="页脚",
        ),
        MultiFieldPanel([FieldPanel("notice_publisher"), FieldPanel("show_signature_date")], heading="通知信息栏"),
    ]

    class Meta:
        verbose_name = "门户设置"

    @property
    def icp_url(self):
        return MIIT_BEIAN_URL if self.icp_number else ""

    @property
    def police_url(self):
        """The record's page on the public security record system, from the digits of its number."""
        digits = "".join(re.findall(r"\d+", self.police_number))
        return MPS_BEIAN_URL.format(digits=digits) if digits else ""
