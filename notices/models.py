"""The published content of a call: one subtree per year.

    NoticeIndexPage (通知公告)
    └── NoticePage                the call: the notice itself, its deadline and contacts
        ├── QuotaTablePage        附件1: units and their quota in this call
        ├── TopicGuidePage        附件2: the pilot categories
        ├── SummaryTablePage      附件3: the district summary table
        ├── ApplicationTemplatePage 附件4: the application form
        ├── OutlinePage           附件5: the work-plan outline
        └── (other apps' pages that name NoticePage among their parent_page_types, e.g. an online form)

This app knows nothing of the apps built on it: which pages go under a notice is said by each page type's
parent_page_types, and templates find other apps' pages through those apps' template tags.

Copying the NoticePage with its children makes next year's call: quotas and categories are child objects of
their pages, so they are copied with them.
"""

from django.db import models
from django.db.models import Sum
from django.utils import timezone
from django.utils.functional import cached_property
from modelcluster.fields import ParentalKey
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from portal.cjk_search import CJKSearchField

from .blocks import SectionBlock

CJK_TITLE = CJKSearchField("title", boost=2)


class NoticeIndexPage(Page):
    intro = models.TextField("导语", blank=True)

    subpage_types = ["notices.NoticePage"]
    parent_page_types = ["home.HomePage"]
    page_size = 10

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [CJK_TITLE, CJKSearchField("intro")]

    class Meta:
        verbose_name = "通知公告栏目"

    def notices(self):
        return NoticePage.objects.child_of(self).live().public().order_by("-date", "-pk")

    def get_context(self, request, *args, **kwargs):
        from portal.views import paginate

        context = super().get_context(request, *args, **kwargs)
        context["notices"] = paginate(request, self.notices(), self.page_size)
        return context


class NoticePageForm(WagtailAdminPageForm):
    """A notice may be saved as a draft without its dates (a call rolled over with its dates cleared), not
    published without them."""

    def clean(self):
        cleaned = super().clean()
        if "action-publish" in self.data:
            for name in ("date", "signature_date"):
                if not cleaned.get(name):
                    self.add_error(name, "发布前请填写此日期。")
        return cleaned


class NoticePage(Page):
    """A notice; with a deadline and annexes it is a call for applications."""

    base_form_class = NoticePageForm

    issuer = models.CharField("发文单位", max_length=100)
    document_number = models.CharField(
        "文号", max_length=100, blank=True, help_text="如“岳教体通〔2019〕00号”；留空则不显示。"
    )
    date = models.DateField("发文日期", null=True, blank=True, help_text="发布前必须填写。")
    recipients = models.TextField("主送单位", blank=True)
    preamble = models.TextField("导语", blank=True, help_text="正文前的说明段落。")
    body = StreamField([("section", SectionBlock())], verbose_name="正文", blank=True)
    contact_department = models.CharField("联系部门", max_length=100, blank=True)
    contact_names = models.CharField("联系人", max_length=100, blank=True, help_text="多人以空格分隔。")
    contact_phone = models.CharField("联系电话", max_length=50, blank=True)
    contact_email = models.EmailField("邮箱地址", blank=True)
    deadline = models.DateTimeField(
        "申报截止时间",
        null=True,
        blank=True,
        help_text="县市区向市局报送的截止时间，也是县市区推荐的截止时间（北京时间）。",
    )
    download_url = models.URLField("附件下载网址", blank=True, max_length=500)
    signature = models.CharField("落款", max_length=100)
    signature_date = models.DateField("落款日期", null=True, blank=True, help_text="发布前必须填写。")

    parent_page_types = ["notices.NoticeIndexPage"]
    # No subpage_types: the annexes (and pages of other apps) say they go under a notice (parent_page_types).

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("issuer"), FieldPanel("date")]),
                FieldPanel("document_number"),
                FieldPanel("recipients"),
            ],
            heading="发文信息",
        ),
        FieldPanel("preamble"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("contact_department"), FieldPanel("contact_names")]),
                FieldRowPanel([FieldPanel("contact_phone"), FieldPanel("contact_email")]),
            ],
            heading="联系方式",
        ),
        FieldPanel("deadline"),
        FieldPanel("download_url"),
        FieldRowPanel([FieldPanel("signature"), FieldPanel("signature_date")], heading="落款"),
    ]
    search_fields = Page.search_fields + [
        CJK_TITLE,
        CJKSearchField("issuer"),
        CJKSearchField("preamble"),
        CJKSearchField("body"),
        index.FilterField("date"),
    ]

    class Meta:
        verbose_name = "通知"

    def annexes(self):
        """The annex pages in the order 附件1, 附件2, …"""
        pages = [p.specific for p in self.get_children().live().public()]
        return sorted((p for p in pages if isinstance(p, AnnexPage)), key=lambda p: p.annex_number)

    @cached_property
    def quota_table(self):
        return QuotaTablePage.objects.child_of(self).live().first()

    @cached_property
    def topic_guide(self):
        return TopicGuidePage.objects.child_of(self).live().first()

    def deadline_passed(self, now=None):
        return self.deadline is not None and (now or timezone.now()) > self.deadline

    def contact_people(self):
        return self.contact_names.split()


class AnnexPage(Page):
    """Fields every annex shares: its number in the notice, a subtitle and the downloadable file."""

    annex_number = models.PositiveSmallIntegerField("附件序号")
    subtitle = models.CharField("副标题", max_length=100, blank=True, help_text="如“（县市区）”。")
    heading = models.CharField(
        "版面标题",
        max_length=200,
        blank=True,
        help_text="附件正文中的标题，可用“|”分行；留空则使用页面标题。",
    )
    # The download is generated from the page's content each time the page is published (GeneratedAnnexFile);
    # an editor may put an uploaded file in its place, and remove it to go back to the generated one.
    attachment = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name="替换下载文件（可选）",
        help_text="留空时，公众下载的是系统按本页内容自动生成的文件（每次发布时重新生成）。"
        "选择一个文档则以它替换自动生成的文件；清除后恢复自动生成。",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    parent_page_types = ["notices.NoticePage"]
    subpage_types = []
    annex_panels = [
        FieldRowPanel([FieldPanel("annex_number"), FieldPanel("subtitle")]),
        FieldPanel("heading"),
        FieldPanel("attachment"),
    ]
    search_fields = Page.search_fields + [CJK_TITLE, CJKSearchField("heading"), CJKSearchField("subtitle")]

    class Meta:
        abstract = True

    def heading_lines(self):
        return (self.heading or self.title).split("|")

    @cached_property
    def download(self):
        """The file the public downloads: the editor's replacement, else the one generated from the content."""
        if self.attachment_id:
            return self.attachment
        try:
            return self.generated_annex_file.document
        except GeneratedAnnexFile.DoesNotExist:
            return None

    @property
    def download_is_replaced(self):
        return bool(self.attachment_id)

    def build_download(self):
        """(file name, bytes) of the annex as a file generated from this page's content."""
        from . import annex_files

        return annex_files.build(self)


class GeneratedAnnexFile(models.Model):
    """The download generated from an annex page's published content. Kept beside the page, not in its
    revisions: publishing an older revision cannot bring back an older file, and each page has one generated
    document whose file is replaced in place (see annex_downloads.refresh)."""

    page = models.OneToOneField("wagtailcore.Page", on_delete=models.CASCADE, related_name="generated_annex_file")
    document = models.ForeignKey("wagtaildocs.Document", on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField("生成时间", auto_now=True)

    class Meta:
        verbose_name = "自动生成的附件文件"


@register_snippet
class Unit(models.Model):
    """A reporting unit (县市区 or 市本级). Units outlive calls; their quotas belong to each call."""

    class Kind(models.TextChoices):
        COUNTY = "county", "县（市）"
        DISTRICT = "district", "区"
        MANAGEMENT_AREA = "management_area", "管理区/开发区"
        CITY = "city", "市本级"

    name = models.CharField("单位名称", max_length=50, unique=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    panels = [FieldPanel("name"), FieldPanel("kind"), FieldPanel("sort_order")]

    class Meta:
        verbose_name = "申报单位"
        verbose_name_plural = "申报单位"
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name

    @property
    def is_city_level(self):
        return self.kind == self.Kind.CITY


class QuotaTablePage(AnnexPage):
    unit_column = models.CharField("单位列标题", max_length=50, default="单位名称")
    quota_column = models.CharField("名额列标题", max_length=50, default="市级教育信息化试点分配名额")
    total_label = models.CharField("合计行名称", max_length=20, default="全市")

    content_panels = Page.content_panels + AnnexPage.annex_panels + [
        FieldRowPanel([FieldPanel("unit_column"), FieldPanel("quota_column"), FieldPanel("total_label")]),
        InlinePanel("quotas", label="名额分配", min_num=1),
    ]
    search_fields = AnnexPage.search_fields + [CJKSearchField("quota_text")]

    class Meta:
        verbose_name = "附件：名额分配表"

    def rows(self):
        return self.quotas.select_related("unit").order_by("sort_order", "pk")

    def total(self):
        return self.quotas.aggregate(total=Sum("quota"))["total"] or 0

    def quota_text(self):
        return " ".join(f"{row.unit.name} {row.quota}" for row in self.rows())


class QuotaAllocation(Orderable):
    page = ParentalKey(QuotaTablePage, on_delete=models.CASCADE, related_name="quotas")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    quota = models.PositiveSmallIntegerField("分配名额")

    panels = [FieldRowPanel([FieldPanel("unit"), FieldPanel("quota")])]

    class Meta(Orderable.Meta):
        verbose_name = "名额"
        constraints = [models.UniqueConstraint(fields=["page", "unit"], name="one_quota_per_unit_per_call")]

    def __str__(self):
        return f"{self.unit}: {self.quota}"


class TopicGuidePage(AnnexPage):
    applicants = models.CharField("申报对象", max_length=100, blank=True, default="学校")

    content_panels = Page.content_panels + AnnexPage.annex_panels + [
        InlinePanel("categories", label="试点类别", min_num=1),
        FieldPanel("applicants"),
    ]
    search_fields = AnnexPage.search_fields + [CJKSearchField("category_text"), CJKSearchField("applicants")]

    class Meta:
        verbose_name = "附件：选题指南"

    def category_text(self):
        return " ".join(f"{c.title} {c.conditions} {c.directions}" for c in self.categories.all())


class PilotCategory(Orderable):
    """A pilot category of the topic guide; the application form offers these titles as its choices."""

    page = ParentalKey(TopicGuidePage, on_delete=models.CASCADE, related_name="categories")
    title = models.CharField("类别名称", max_length=100, help_text="不含“一、”等序号。")
    conditions = models.TextField("试点条件")
    directions = models.TextField("试点方向")

    panels = [FieldPanel("title"), FieldPanel("conditions"), FieldPanel("directions")]

    class Meta(Orderable.Meta):
        verbose_name = "试点类别"

    def __str__(self):
        return self.title


class SummaryTablePage(AnnexPage):
    """附件3: filled by each district bureau; the portal exports it filled from the applications."""

    bureau_label = models.CharField("单位栏", max_length=100, default="县市区教育局名称（盖章）：")
    leader_label = models.CharField("负责人栏", max_length=50, default="县市区申报负责人")
    phone_label = models.CharField("电话栏", max_length=50, default="手机号码")
    unit_column = models.CharField("第1列", max_length=50, default="单位名称")
    category_column = models.CharField("第2列", max_length=50, default="试点类别")
    project_column = models.CharField("第3列", max_length=50, default="申报试点项目名称")
    remark_column = models.CharField("第4列", max_length=50, default="备注（是否芙蓉学校）")
    blank_rows = models.PositiveSmallIntegerField("空白行数", default=7)

    content_panels = Page.content_panels + AnnexPage.annex_panels + [
        FieldPanel("bureau_label"),
        FieldRowPanel([FieldPanel("leader_label"), FieldPanel("phone_label")]),
        FieldRowPanel(
            [
                FieldPanel("unit_column"),
                FieldPanel("category_column"),
                FieldPanel("project_column"),
                FieldPanel("remark_column"),
            ]
        ),
        FieldPanel("blank_rows"),
    ]
    search_fields = AnnexPage.search_fields + [CJKSearchField("table_text")]

    class Meta:
        verbose_name = "附件：申报汇总表"

    def columns(self):
        return [self.unit_column, self.category_column, self.project_column, self.remark_column]

    def table_text(self):
        """The table's labels and column headers, as the page shows them (searched like body text)."""
        return " ".join([self.bureau_label, self.leader_label, self.phone_label, *self.columns()])

    def blank_row_range(self):
        return range(self.blank_rows)


class ApplicationTemplatePage(AnnexPage):
    """附件4: the application form. Its boxes are fixed by the paper form (see notices.annex4)."""

    footnote = models.TextField("注", blank=True)

    content_panels = Page.content_panels + AnnexPage.annex_panels + [FieldPanel("footnote")]
    search_fields = AnnexPage.search_fields + [CJKSearchField("footnote")]

    class Meta:
        verbose_name = "附件：申请表"

    def layout(self):
        from . import annex4

        return annex4.LAYOUT


class OutlinePage(AnnexPage):
    """附件5: the work-plan outline, as issued (including its irregular numbering)."""

    body = StreamField([("section", SectionBlock())], verbose_name="提纲", blank=True)

    content_panels = Page.content_panels + AnnexPage.annex_panels + [FieldPanel("body")]
    search_fields = AnnexPage.search_fields + [CJKSearchField("body")]

    class Meta:
        verbose_name = "附件：工作方案提纲"

