import uuid
from pathlib import PurePath

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models.functions import Lower
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import AbstractEmailForm, AbstractFormField

from notices.models import ApplicationTemplatePage, NoticePage, Unit
from portal.cjk_search import CJKSearchField
from portal.dates import cn_date, cn_datetime
from portal.pages import LINK_FIELDS, ServedPage, as_specific, own_column, public
from portal.text import project_title

from . import states
from .apply import direct, drafts, grants, roles, submission, throttle, uploads
from .apply.forms import TOO_FREQUENT, ApplicationFormBuilder, ApplicationFormPageAdminForm
from .apply.roles import FIELD_TYPE_CHOICES, Role
from .apply.storage import application_storage
from .querysets import ApplicationQuerySet
from .states import NOT_COUNTING, Status

WINDOW_MESSAGES = {
    "not_open": "本次申报尚未开始，开始时间为 {opens}。",
    "closed": "本次申报已于 {closes} 截止，不再接受提交。",
    "unscheduled": "本次申报的时间尚未公布。",
}

DEFAULT_PRIVACY_NOTICE = (
    "岳阳市教育体育局通过本表收集申报学校负责人、联系人的姓名和手机号码以及申报材料，"
    "仅用于本次教育信息化创新试点项目的申报、评审和联系，不作他用，不向第三方提供。"
    "申报材料只有本单位所属县市区教育行政部门和市教育体育局的评审人员可以查看。"
    "申报材料及其中的个人信息自申报截止之日起保存三年，期满后删除或作匿名化处理。"
    "如需查询、更正或删除个人信息，请联系市教科院（电话：8805708，邮箱：yysyj@126.com）。"
)


class ApplicationFormPage(ServedPage, AbstractEmailForm):
    """The online application form of a call (a child of its NoticePage)."""

    intro = models.TextField("说明", blank=True)
    # opens_at is empty only in a draft (a call rolled over with its dates cleared): it cannot be published so.
    opens_at = models.DateTimeField("开始时间", null=True, blank=True, help_text="学校可以提交申报的开始时间（北京时间）。")
    closes_at = models.DateTimeField(
        "截止时间",
        null=True,
        blank=True,
        help_text="留空则与通知的申报截止时间相同（推荐：只在通知中填写一处）。"
        "如需学校早于县市区报送截止前提交，可在此填写更早的时间（北京时间）。",
    )
    privacy_notice = models.TextField("个人信息处理说明", default=DEFAULT_PRIVACY_NOTICE)
    thank_you_text = models.TextField("提交成功提示", blank=True, default="申报材料已提交。")

    parent_page_types = ["notices.NoticePage"]
    subpage_types = []
    base_form_class = ApplicationFormPageAdminForm
    form_builder = ApplicationFormBuilder

    content_panels = AbstractEmailForm.content_panels + [
        FieldPanel("intro"),
        FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")], heading="申报时间"),
        InlinePanel("form_fields", label="表单字段"),
        FieldPanel("privacy_notice"),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("from_address"), FieldPanel("to_address")]),
                FieldPanel("subject"),
            ],
            heading="通知邮件",
        ),
    ]
    search_fields = AbstractEmailForm.search_fields + [CJKSearchField("title", boost=2), CJKSearchField("intro")]

    class Meta:
        verbose_name = "在线申报表单"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A new form page (made in the admin: no positional args, no fields given) starts with Annex 4's fields.
        if not args and not self.pk and "form_fields" not in kwargs:
            self.form_fields = [ApplicationFormField(**field) for field in roles.default_fields()]

    @classmethod
    def listed_columns(cls):
        """What a notice reads of its online form in its one query of its children (NoticePage.public_children):
        the form's own opening and closing times, so that its 在线申报 button and state need no query."""
        return {"form_opens_at": own_column(cls, "opens_at"), "form_closes_at": own_column(cls, "closes_at")}

    @classmethod
    def public_form_of(cls, call):
        """The call's live public form (the first, as a notice lists them), or None: one small query of the fields a
        link to it and its open state need; the others are deferred."""
        forms = cls.objects.child_of(call).live().only(*LINK_FIELDS, "opens_at", "closes_at").order_by("path")
        form_page = public(forms).first()
        if form_page is not None:
            form_page.call = call
        return form_page

    @classmethod
    def from_listed_row(cls, row, call):
        """The form from its row among the call's children (see listed_columns); its other fields are deferred."""
        form_page = as_specific(row)
        form_page.opens_at, form_page.closes_at, form_page.call = row.form_opens_at, row.form_closes_at, call
        return form_page

    @cached_property
    def call(self):
        """The notice the form belongs to: one query (the parent's row joined to the notice's own), not two."""
        return NoticePage.objects.parent_of(self).first() or self.get_parent().specific

    @property
    def closing_time(self):
        """When schools stop submitting: the form's own time if an editor set one, else the call's deadline."""
        if self.closes_at or "call" in self.__dict__ or not self.path or hasattr(self, "_serving_request"):
            return self.closes_at or self.call.deadline
        return self._call_deadline

    @cached_property
    def _call_deadline(self):
        # The upload endpoints ask only whether the form is open: the deadline alone, not the whole notice page
        # (which serving the form loads anyway, for the choices of its fields).
        deadlines = NoticePage.objects.parent_of(self).values_list("deadline", flat=True)[:1]
        return deadlines[0] if deadlines else self.call.deadline

    def window_state(self, now=None):
        now = now or timezone.now()
        if self.opens_at is None or self.closing_time is None:
            return "unscheduled"
        if now < self.opens_at:
            return "not_open"
        if now > self.closing_time:
            return "closed"
        return "open"

    def is_open(self, now=None):
        return self.window_state(now) == "open"

    def window_message(self, now=None):
        """Why the form takes nothing now (not open yet, closed since when, no dates yet); "" while it is open."""
        return WINDOW_MESSAGES.get(self.window_state(now), "").format(
            opens=cn_datetime(self.opens_at), closes=cn_datetime(self.closing_time)
        )

    def configuration_problems(self):
        return roles.missing_roles(self.get_form_fields())

    def get_form_fields(self):
        # While a request is served, its form class, upload rules, roles, configuration check and labels all ask
        # for the fields: one query (serve() keeps them). Elsewhere (the editor's form, a preview being built) the
        # relation is read each time, as Wagtail does.
        served = getattr(self, "_served_form_fields", None)
        return served if served is not None else super().get_form_fields()

    def get_form_class(self):
        return self.form_builder(self.get_form_fields(), page=self).get_form_class()

    def upload_rules(self):
        """{file field's clean name: (its UploadRule, whether it takes several files)}."""
        return {
            f.clean_name: (f.upload_rule(), f.field_type == "files")
            for f in self.get_form_fields()
            if f.takes_files
        }

    def role_field_names(self):
        """{role: the form field's clean name}."""
        return {f.role: f.clean_name for f in self.get_form_fields() if f.role}

    # ---- Wagtail's form page hooks. FormMixin.serve drives the flow: get_form -> is_valid ->
    # process_form_submission -> render_landing_page; serve() only adds what comes before reading the form
    # (the window, the configuration, throttling, an upload stopped while reading) and the answer's headers.

    landing_page_template = "applications/receipt.html"
    preview_modes = [("form", "申报表单"), ("landing", "提交成功页")]

    def serve(self, request, *args, **kwargs):
        self._serving_request = request  # for get_form_parameters: the form throttles by client address
        self._served_form_fields = list(super().get_form_fields())
        reference = request.GET.get("draft") if request.method == "GET" else None
        if reference and drafts.granted_draft(request, self, reference) is None:
            if reference not in grants.live_grants(request):
                # A draft's link opened in another browser: ask for the leader's mobile number, never a bare 404.
                return redirect(drafts.lookup_url(reference, f"{self.url}?draft={reference}"))
            # Granted, but the draft is gone: submitted (its application has the reference), or deleted.
            if Application.objects.filter(reference=reference).exists():
                return redirect("applications:status", reference=reference)
            messages.info(request, f"草稿 {reference} 已不存在（超过 {settings.PORTAL_DRAFT_DAYS} 天未修改会被自动删除），请重新填写。")
            return redirect(self.url)
        self._form_state = drafts.form_state(request, self)
        if request.method == "POST" and request.POST.get("action") != "draft":
            # This form was sent already (a resend after a lost answer, the back button): its receipt, which asks
            # a browser that did not send it for the leader's mobile number.
            sent = Application.objects.filter(submission_token=self._form_state.token).values_list("reference", flat=True)
            if sent:
                return redirect("applications:receipt", reference=sent[0])
        response = self.refusal(request) if request.method == "POST" else None
        if response is None and request.method == "POST":
            self.remove_uploads(request)
            if request.POST.get("action") == "draft":
                response = self.save_draft(request)
        if response is None:
            try:
                response = super().serve(request, *args, **kwargs)
            except submission.NotSaved as failure:
                response = self.render_form(request, failure.form, failure.status)
            else:
                form = (getattr(response, "context_data", None) or {}).get("form")
                if getattr(form, "refusal_status", None):
                    response.status_code = form.refusal_status
        add_never_cache_headers(response)  # it shows back what the school typed, and carries a once-only token
        return response

    def refusal(self, request):
        """The answer to a POST refused before its form is read, or None. A form closed meanwhile (the deadline
        passed while the school was typing) or broken by an edit shows what was typed back, read-only, for the
        school to copy: nothing of it is saved, and no posted file is stored."""
        if not self.is_open():
            return self.render_form(request, None, 403, typed_back=self.typed_back(request))
        if self.configuration_problems():
            return self.render_form(request, None, 503, typed_back=self.typed_back(request))
        if throttle.throttled(request, "apply-posts", settings.PORTAL_POST_RATE):
            return self.render_form(request, self.retyped_form(request), 429, page_errors=[TOO_FREQUENT])
        upload_error = getattr(request, "upload_error", None)
        if upload_error:
            # Reading stopped part-way: show what was typed, with a fresh form (and token) around it.
            return self.render_form(
                request,
                self.retyped_form(request),
                413,
                page_errors=[upload_error],
                upload_error=upload_error,
                upload_error_field=getattr(request, "upload_error_field", None),
                files_need_reselecting=True,
            )
        return None

    def remove_uploads(self, request):
        """Files uploaded ahead that the school ticked for removal (the form's own way, without JavaScript)."""
        state = self._form_state
        chosen = set(request.POST.getlist("remove_upload"))
        for field_uploads in state.uploads.values():
            for upload in list(field_uploads):
                if str(upload.public_id) in chosen:
                    direct.remove(upload)
                    field_uploads.remove(upload)

    def save_draft(self, request):
        """暂存: keep what is typed and the files posted with it; the leader's mobile number is needed (it is
        how the draft is found again). Redirects to the draft, or shows what was refused."""
        state = self._form_state
        form = self.get_form(request.POST, request.FILES, page=self, user=request.user, drafting=True)
        form.is_valid()
        phone = self.role_field_names().get(Role.LEADER_PHONE)
        kept = {name: errors for name, errors in form.errors.items() if name in (phone, "resume_email")}
        form._errors = type(form.errors)(kept)
        if phone and not form.data.get(phone, "").strip():
            form.errors.pop(phone, None)
            form.add_error(phone, drafts.PHONE_NEEDED)
        if drafts.submitted(state.token):
            form.add_error(None, drafts.ALREADY_SUBMITTED)
        elif drafts.belongs_elsewhere(state.token, self):
            form.add_error(None, drafts.PAGE_EXPIRED)
            return self.render_form(request, form, 400, files_need_reselecting=bool(request.FILES))
        if form.errors:
            return self.render_form(request, form, 200, files_need_reselecting=bool(request.FILES))
        draft = drafts.save(self, form, state, request)
        if direct.keep_posted_files(self, form, state):
            # Some posted files were refused (their errors are on the form); the rest, and the text, are saved.
            return self.render_form(request, form, 200, draft_saved=draft, files_need_reselecting=True)
        messages.success(request, drafts.saved_message(draft))
        return redirect(f"{self.url}?draft={draft.reference}")

    def typed_back(self, request):
        """What a refused POST carried, for showing back (see ``shown_back``); its posted files are named only."""
        files = [
            PurePath(posted.name).name
            for field in self.get_form_fields()
            if field.takes_files
            for posted in request.FILES.getlist(field.clean_name)
        ]
        verb = "暂存" if request.POST.get("action") == "draft" else "提交"
        return self.shown_back(
            request.POST.getlist,
            heading=f"您填写的内容（未{verb}）",
            note=f"本次{verb}没有被接受，填写的内容和所选文件都没有保存。以下是您刚才填写的内容，请复制留存。",
            files=files,
        )

    def draft_shown_back(self, draft):
        """A draft opened while the form takes no submission: its text, read-only."""
        values = draft.form_data if isinstance(draft.form_data, dict) else {}
        return self.shown_back(
            lambda name: values.get(name) if isinstance(values.get(name), list) else [values.get(name) or ""],
            heading=f"草稿 {draft.reference} 的内容（未提交）",
            note="这份草稿没有提交，现在也不能提交。以下是草稿中填写的内容，请复制留存。",
        )

    def shown_back(self, values_of, heading, note, files=()):
        """{heading, note, fields: [(label, text)] in the form's order, files}; ``values_of(name)`` gives a
        field's values as typed."""
        fields = []
        for field in self.get_form_fields():
            if field.takes_files:
                continue
            values = [str(v) for v in values_of(field.clean_name) if str(v).strip()]
            if values:
                fields.append((field.label, "、".join(values)))
        return {"heading": heading, "note": note, "fields": fields, "files": list(files)}

    def retyped_form(self, request):
        typed = {k: request.POST.get(k) for k in request.POST if k not in ("csrfmiddlewaretoken", "submission_token")}
        return self.get_form(initial=typed, page=self, user=request.user)

    def render_form(self, request, form, status, **extra):
        context = self.get_context(request)
        context.update(extra, form=form)
        return TemplateResponse(request, self.get_template(request), context, status=status)

    def get_form_parameters(self):
        return {"request": getattr(self, "_serving_request", None), "state": getattr(self, "_form_state", None)}

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        state = self.window_state()
        context["window_state"] = state
        context["window_message"] = self.window_message()
        context["configuration_problems"] = self.configuration_problems()
        context["files_need_reselecting"] = request.method == "POST" and bool(request.FILES)
        state = getattr(self, "_form_state", None)
        context["form_state"] = state
        if context["window_state"] != "open" and state and state.draft:
            context["typed_back"] = self.draft_shown_back(state.draft)  # a refused POST shows its own text instead
        context["direct_to_bucket"] = direct.direct_to_bucket()
        context["draft_days"] = settings.PORTAL_DRAFT_DAYS
        return context

    def get_submission_class(self):
        return Application  # not a FormSubmission: one row with the core columns, its files and its review

    def process_form_submission(self, form):
        """The saved Application. Raises submission.NotSaved, the form saying why, when nothing was kept."""
        return submission.save_or_refuse(form, lambda: submission.create_application(self, form)[0])

    def render_landing_page(self, request, form_submission=None, *args, **kwargs):
        if form_submission is None:
            # The admin's preview of the landing page: the receipt a school sees, with sample content.
            context = self.get_context(request)
            context.update(preview=True, application=self.sample_application(), files=[])
            return TemplateResponse(request, self.get_landing_page_template(request), context)
        grants.grant(request, form_submission.reference)
        drafts.forget_token(request, self)
        return redirect("applications:receipt", reference=form_submission.reference)

    def sample_application(self):
        return Application(
            page=self,
            call=self.call,
            reference="（提交后生成）",
            unit=Unit(name="（申报单位）"),
            school="（申报学校名称）",
            category="（试点类别）",
            project_name="（试点项目名称）",
            submitted_at=timezone.now(),
        )

    def serve_submissions_list_view(self, request, *args, **kwargs):
        # Applications hold personal data: they are read in the review area, never in the generic form listing.
        raise PermissionDenied

    def application_template(self):
        """The call's 附件4 page (its boxes make the pre-filled application form)."""
        return ApplicationTemplatePage.objects.child_of(self.call).live().first()


class ApplicationFormField(AbstractFormField):
    page = ParentalKey(ApplicationFormPage, on_delete=models.CASCADE, related_name="form_fields")
    field_type = models.CharField("字段类型", max_length=16, choices=FIELD_TYPE_CHOICES)
    field_type.required_on_save = True
    role = models.CharField(
        "核心角色",
        max_length=20,
        choices=roles.Role.choices,
        blank=True,
        help_text="评审、名额和导出依赖的字段；标签可改，角色不可缺。自定义字段留空。",
    )
    allowed_extensions = models.CharField(
        "允许的文件格式",
        max_length=100,
        blank=True,
        help_text="仅用于文件字段，以逗号分隔，如 pdf,doc,docx。",
    )
    max_file_mb = models.PositiveSmallIntegerField(
        "单个文件大小上限（MB）", null=True, blank=True, help_text="仅用于文件字段；留空使用系统默认值。"
    )

    panels = [
        FieldPanel("label"),
        FieldPanel("help_text"),
        FieldPanel("required"),
        FieldPanel("field_type", classname="formbuilder-type", required_on_save=True),
        FieldPanel("role"),
        # Wagtail's own help texts of these two are not translated (Wagtail 8.0's zh_Hans).
        FieldPanel("choices", classname="formbuilder-choices",
                   help_text="以逗号或换行分隔的选项，仅用于复选框、单选和下拉选择字段。"),
        FieldPanel("default_value", classname="formbuilder-default",
                   help_text="默认值；复选框字段可填多个，以逗号或换行分隔。"),
        FieldRowPanel([FieldPanel("allowed_extensions"), FieldPanel("max_file_mb")]),
    ]

    class Meta(AbstractFormField.Meta):
        verbose_name = "表单字段"

    def get_field_clean_name(self):
        # Core fields are named by their role ("school", "leader_phone"…): stable keys in form_data whatever
        # the label says; editors' own fields get Wagtail's name from their label.
        return self.role or super().get_field_clean_name()

    @property
    def takes_files(self):
        return self.field_type in ("file", "files")

    def upload_rule(self):
        extensions = uploads.parse_extensions(self.allowed_extensions) or uploads.DOCUMENT_EXTENSIONS
        limit = uploads.max_file_bytes()
        if self.max_file_mb:
            limit = min(limit, self.max_file_mb * uploads.MB)
        return uploads.UploadRule(extensions, limit)


class Application(models.Model):
    """One school's application: the core fields as columns, everything it submitted in ``form_data``."""

    page = models.ForeignKey(ApplicationFormPage, on_delete=models.PROTECT, related_name="applications")
    call = models.ForeignKey(NoticePage, on_delete=models.PROTECT, related_name="applications", verbose_name="申报通知")
    reference = models.CharField("申报编号", max_length=20, unique=True)
    submission_token = models.UUIDField(unique=True, editable=False)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.AWAITING_SCAN)

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="applications", verbose_name="申报单位")
    school = models.CharField("申报学校", max_length=255)
    category = models.CharField("试点类别", max_length=100)
    project_name = models.CharField("试点项目名称", max_length=255)
    subtitle = models.CharField("副标题", max_length=255, blank=True)
    is_furong = models.BooleanField("芙蓉学校", default=False)
    leader = models.CharField("负责人", max_length=100)
    leader_phone = models.CharField("负责人手机号码", max_length=20)
    contact = models.CharField("联系人", max_length=100)
    contact_phone = models.CharField("联系人手机号码", max_length=20)
    summary = models.TextField("试点实施方案要点")
    form_data = models.JSONField("提交的全部内容", default=dict)

    # The review's opinions, as they fill the boxes of 附件4 (the history is in ApplicationEvent).
    district_opinion = models.TextField("县（市区）教育局意见", blank=True)
    district_decided_at = models.DateTimeField("县市区审核时间", null=True, blank=True)
    city_opinion = models.TextField("市（州）教育局意见", blank=True)
    city_decided_at = models.DateTimeField("市局审核时间", null=True, blank=True)

    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces", verbose_name="替代它的申报"
    )
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "申报"
        verbose_name_plural = "申报"
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["call", "unit", "status"])]
        constraints = [
            # The rule against applying twice, held by the database: simultaneous submissions cannot both land.
            models.UniqueConstraint(
                "call",
                Lower("school"),
                Lower("project_name"),
                condition=~models.Q(status__in=NOT_COUNTING),
                name="one_counting_application_per_project",
            )
        ]
        permissions = [
            ("review_district", "县市区审核本单位的申报"),
            ("review_city", "市局审核全部申报"),
        ]

    def __str__(self):
        return f"{self.reference} {self.school}"

    @property
    def project_title(self):
        return project_title(self.project_name, self.subtitle)

    def core_rows(self):
        """[(heading, text)] of the core columns, as the review shows them (one table: roles.COLUMNS)."""
        return roles.display_rows(self)

    # Named states for templates, which should not compare raw status strings.
    @property
    def is_awaiting_scan(self):
        return self.status == Status.AWAITING_SCAN

    @property
    def is_returned(self):
        return self.status == Status.RETURNED

    @property
    def is_superseded(self):
        return self.status == Status.SUPERSEDED

    @property
    def route(self):
        """The unit's path through review (states.VIA_DISTRICT or states.CITY_LEVEL)."""
        return states.route_of(self.unit)

    def return_reason(self):
        """The reviewer's reason for the latest return, shown to the school on its status page."""
        entry = self.audit_entries.filter(action="return").order_by("-created_at", "-pk").first()
        return entry.opinion if entry else ""

    def annex4_values(self):
        """Values for the pre-filled 附件4."""
        return {
            "reference": self.reference,
            **roles.annex4_boxes(self),
            "district_opinion": self.district_opinion,
            "district_date": cn_date(self.district_decided_at),
            "city_opinion": self.city_opinion,
            "city_date": cn_date(self.city_decided_at),
        }


class ApplicationFile(models.Model):
    STAMPED_SCAN = "stamped_scan"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="files")
    field_name = models.CharField("字段", max_length=255)
    field_label = models.CharField("字段名称", max_length=255)
    original_name = models.CharField("原文件名", max_length=255)
    key = models.CharField("存储键", max_length=300, unique=True)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    content_type = models.CharField("检测到的类型", max_length=120)
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "申报文件"
        ordering = ["pk"]

    def __str__(self):
        return self.original_name

    def open(self):
        return application_storage().open(self.key, "rb")



class Draft(models.Model):
    """A school's 暂存: what it has typed so far, and (through its token) the files it has uploaded. Not an
    application: the review never reads this table, and it counts for no quota or duplicate. Submitting it
    makes the Application (same reference, same token) and deletes it; untouched for PORTAL_DRAFT_DAYS days it
    is deleted with its files (manage.py purge_applications)."""

    page = models.ForeignKey(ApplicationFormPage, on_delete=models.CASCADE, related_name="drafts")
    reference = models.CharField("申报编号", max_length=20, unique=True)
    # The form's submission token: the draft's uploads belong to it, and the application will carry it.
    token = models.UUIDField(unique=True, editable=False)
    leader_phone = models.CharField("负责人手机号码", max_length=20)
    email = models.EmailField("接收继续填写链接的邮箱", blank=True)
    form_data = models.JSONField("已填写的内容", default=dict)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "申报草稿"
        verbose_name_plural = "申报草稿"

    def __str__(self):
        return self.reference


class Upload(models.Model):
    """A file uploaded ahead of submission, one by one and resumable (apply/direct.py), owned by a form's
    token. It becomes an ApplicationFile (same key) when the form is submitted."""

    class State(models.TextChoices):
        UPLOADING = "uploading", "上传中"
        CHECKING = "checking", "检查中"
        ACCEPTED = "accepted", "已上传"
        REFUSED = "refused", "未通过检查"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token = models.UUIDField(db_index=True, editable=False)
    page = models.ForeignKey(ApplicationFormPage, on_delete=models.CASCADE, related_name="uploads")
    field_name = models.CharField("字段", max_length=255)
    original_name = models.CharField("原文件名", max_length=255)
    size = models.PositiveBigIntegerField("大小（字节）")
    # The browser's lastModified of the file: with name and size, how a re-selected file is recognised.
    modified = models.BigIntegerField(null=True, blank=True)
    key = models.CharField("存储键", max_length=300, unique=True)
    multipart_id = models.CharField(max_length=1024, blank=True)
    part_size = models.PositiveIntegerField()
    # Until when the part URLs handed out for it are valid: a part written later is refused.
    signed_until = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.UPLOADING)
    problem = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    # When its parts became the object (direct.check_whole); until then a CHECKING upload still has to be assembled.
    stored_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = "预先上传的文件"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.original_name

    @property
    def parts(self):
        return max(1, -(-self.size // self.part_size))

    def part_length(self, number):
        """The byte length part ``number`` (1-based) must have."""
        return min(self.part_size, self.size - (number - 1) * self.part_size)


class AuditEntry(models.Model):
    """The audit trail: review transitions, exports and file downloads (who, when, what, with which opinion)."""

    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_entries", verbose_name="申报"
    )
    call = models.ForeignKey(
        NoticePage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="申报通知"
    )
    action = models.CharField("操作", max_length=30)
    from_status = models.CharField("原状态", max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=20, choices=Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="操作人"
    )
    opinion = models.TextField("意见", blank=True)
    detail = models.CharField("说明", max_length=500, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-created_at", "-pk"]


class ReviewerGroup(models.Model):
    """Links a district reviewers' group to its unit: members review that unit's applications only."""

    group = models.OneToOneField("auth.Group", on_delete=models.CASCADE, related_name="review_unit")
    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="reviewer_group")

    class Meta:
        verbose_name = "县市区评审组"

    def __str__(self):
        return f"{self.group.name} → {self.unit.name}"
