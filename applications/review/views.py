"""The review area in the Wagtail admin. Every view starts from ``Application.objects.visible_to(user)``."""

import functools
import logging

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from notices.models import NoticePage, Unit
from portal.views import paginate

from .. import permissions, states
from ..apply.storage import Presence, application_storage, presence
from ..exports import docx as docx_export
from ..exports import dossier as dossier_export
from ..exports import listing as listing_export
from ..exports import xlsx as xlsx_export
from ..models import Application, ApplicationFile, AuditEntry
from ..states import Status
from . import audit, calls, workflow
from .workflow import TransitionError

logger = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SIGNED_URL_SECONDS = 300


def requires(check):
    """A view decorator: PermissionDenied (Wagtail's redirect with 没有权限) unless ``check(user)``."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


require_reviewer = requires(permissions.can_review)


ORDERINGS = [
    ("submitted", "提交时间（旧→新）"),
    ("school", "学校名称"),
    ("unit", "申报单位"),
    ("status", "状态"),
]
ORDER_BY = {
    "submitted": ("submitted_at", "pk"),
    "school": ("school", "pk"),
    "unit": ("unit__sort_order", "-submitted_at"),
    "status": ("status", "-submitted_at"),
}


class ApplicationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search", widget=forms.TextInput(attrs={"placeholder": "学校、项目或编号"}))
    call = django_filters.ModelChoiceFilter(label="申报通知", queryset=NoticePage.objects.none(), empty_label="全部通知")
    unit = django_filters.ModelChoiceFilter(label="申报单位", queryset=Unit.objects.none(), empty_label="全部单位")
    category = django_filters.ChoiceFilter(label="试点类别", choices=[], empty_label="全部类别")
    status = django_filters.ChoiceFilter(label="状态", choices=Status.choices, empty_label="全部状态")
    is_furong = django_filters.BooleanFilter(
        label="芙蓉学校", widget=forms.Select(choices=[("", "全部"), ("true", "是"), ("false", "否")])
    )
    ordering = django_filters.ChoiceFilter(label="排序", choices=ORDERINGS, empty_label="提交时间（新→旧）", method="order")

    class Meta:
        model = Application
        fields = ["q", "call", "unit", "category", "status", "is_furong"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["unit"].queryset = permissions.reviewed_units(user)
        self.filters["call"].queryset = calls.calls()
        titles = self.queryset.order_by().values_list("category", flat=True).distinct()
        self.filters["category"].extra["choices"] = [(t, t) for t in sorted(titles)]

    def order(self, queryset, name, value):
        return queryset.order_by(*ORDER_BY.get(value, ("-submitted_at", "-pk")))

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(school__icontains=value) | Q(project_name__icontains=value) | Q(reference__icontains=value.upper())
        )


def filtered(request):
    base = Application.objects.visible_to(request.user).select_related("unit", "call")
    return ApplicationFilter(request.GET or None, queryset=base, user=request.user)


@require_reviewer
def index(request):
    filterset = filtered(request)
    applications = filterset.qs
    page, query = paginated(request, applications, 50)
    counts = dict(applications.order_by().values_list("status").annotate(n=Count("pk")))
    return TemplateResponse(
        request,
        "applications/admin/index.html",
        {
            "page_title": "申报评审",
            "header_icon": "form",
            "filter": filterset,
            "applications": page,
            "total": page.paginator.count,
            "status_counts": [(label, counts.get(value, 0)) for value, label in Status.choices],
            "query": query,
            "calls": calls.calls(),
            "units": filterset.filters["unit"].queryset,
            "is_city": permissions.is_city_office(request.user),
        },
    )


@require_reviewer
def detail(request, pk):
    application = get_object_or_404(Application.objects.visible_to(request.user).select_related("unit", "call", "page"), pk=pk)
    return TemplateResponse(
        request,
        "applications/admin/detail.html",
        {
            "page_title": f"申报 {application.reference}",
            "header_icon": "form",
            "application": application,
            "files": application.files.all(),
            "history": application.audit_entries.select_related("actor").order_by("created_at", "pk"),
            "transitions": workflow.available_transitions(request.user, application),
            "extra_fields": _extra_fields(application),
            "quota": calls.quota(application.call, application.unit),
            "used": workflow.places_used(application.call, application.unit),
            "action_labels": audit.ACTION_LABELS,
        },
    )


def _extra_fields(application):
    """Fields an editor added to the form (not core columns), as (label, value)."""
    fields = application.page.get_form_fields()
    return [
        (f.label, application.form_data.get(f.clean_name))
        for f in fields
        if not f.role and f.clean_name in application.form_data
    ]


@require_POST
@require_reviewer
def transition(request, pk, name):
    try:
        workflow.perform(request.user, pk, name, request.POST.get("opinion", ""))
    except TransitionError as error:
        messages.error(request, str(error))
    except DatabaseError:
        logger.exception("Review transition failed: database error")
        messages.error(request, "系统繁忙，操作没有完成，请重试。")
    else:
        messages.success(request, f"已{states.ACTION_LABELS[name]}。")
    return redirect("applications_admin:detail", pk=pk)


@require_reviewer
def download_file(request, pk, file_pk):
    """A stored file, to a reviewer whose scope covers its application: a signed URL valid five minutes
    where the storage has them (S3), otherwise streamed from the private folder."""
    application = get_object_or_404(Application.objects.visible_to(request.user), pk=pk)
    stored = get_object_or_404(ApplicationFile, pk=file_pk, application=application)
    storage = application_storage()
    found = presence(stored.key)
    if found == Presence.UNREACHABLE:
        messages.error(request, f"存储服务暂时无法访问，文件“{stored.original_name}”现在无法下载，请稍后再试。")
        return redirect("applications_admin:detail", pk=application.pk)
    if found == Presence.MISSING:
        logger.error("Download: the stored file %s of %s is missing", stored.key, application.reference)
        messages.error(request, f"文件“{stored.original_name}”在存储中找不到，无法下载。已记录此错误，请联系系统管理员。")
        return redirect("applications_admin:detail", pk=application.pk)
    audit.record(request.user, "download", application=application, detail=f"{stored.field_label}：{stored.original_name}")
    disposition = content_disposition_header(True, stored.original_name)
    if hasattr(storage, "bucket_name"):
        url = storage.url(
            stored.key,
            parameters={"ResponseContentDisposition": disposition, "ResponseContentType": stored.content_type},
            expire=SIGNED_URL_SECONDS,
        )
        return HttpResponseRedirect(url)
    response = FileResponse(stored.open(), content_type=stored.content_type)
    response["Content-Disposition"] = disposition
    return response


@require_reviewer
def annex4(request, pk):
    application = get_object_or_404(Application.objects.visible_to(request.user).select_related("unit", "call"), pk=pk)
    audit.record(request.user, "export", application=application, detail="申请表（附件4）")
    return _download(docx_export.application_docx(application), DOCX, f"申请表-{application.reference}.docx")


def _download(data, content_type, filename):
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _int_param(request, name):
    """A numeric query parameter, or 404 for anything else (a hand-edited URL is not a server error)."""
    value = request.GET.get(name, "")
    if value and not value.isdigit():
        raise Http404
    return int(value) if value else None


def _export_scope(request):
    """(call, unit or None, scoped applications) for the summary and dossier exports: the recommended ones, as
    ``manage.py export_summary`` (``all=1``: every status)."""
    call = get_object_or_404(calls.calls(), pk=_int_param(request, "call") or getattr(calls.latest_call(), "pk", None))
    applications = Application.objects.visible_to(request.user).for_call(call)
    if request.GET.get("all") != "1":
        applications = applications.recommended()
    unit = None
    if request.GET.get("unit"):
        unit = get_object_or_404(Unit, pk=_int_param(request, "unit"))
        if not permissions.reviews_unit(request.user, unit):
            raise PermissionDenied
        applications = applications.filter(unit=unit)
    elif not permissions.is_city_office(request.user):
        units = list(permissions.reviewed_units(request.user)[:2])
        if len(units) == 1:
            unit = units[0]  # a district's export is headed by its own name
    return call, unit, applications


@require_reviewer
def export_summary(request):
    """附件3: the applications a unit recommends (or, for the city, all recommended and decided ones)."""
    call, unit, applications = _export_scope(request)
    audit.record(request.user, "export", call=call, detail=f"申报汇总表（附件3）{unit.name if unit else '全市'}")
    name = f"申报汇总表-{unit.name if unit else '全市'}-{timezone.localdate():%Y%m%d}.xlsx"
    return _download(xlsx_export.summary_xlsx(call, applications, unit=unit), XLSX, name)


@require_reviewer
def export_dossier(request):
    call, unit, applications = _export_scope(request)
    audit.record(request.user, "export", call=call, detail=f"申报材料包（ZIP）{unit.name if unit else '全市'}")
    name = f"申报材料-{unit.name if unit else '全市'}-{timezone.localdate():%Y%m%d}.zip"
    return dossier_export.dossier_response(call, applications, name)


@require_reviewer
def export_list(request, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    applications = filtered(request).qs
    audit.record(request.user, "export", detail=f"申报列表（{fmt.upper()}）")
    name = f"申报列表-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        return _download(listing_export.listing_csv(applications), "text/csv; charset=utf-8", name)
    return _download(listing_export.listing_xlsx(applications), XLSX, name)


class AuditFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(label="操作", choices=list(audit.ACTION_LABELS.items()), empty_label="全部操作")
    actor = django_filters.ModelChoiceFilter(
        label="操作人", queryset=get_user_model().objects.none(), empty_label="全部操作人", null_label="学校"
    )
    since = django_filters.DateFilter(
        label="开始日期", field_name="created_at", lookup_expr="date__gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        label="结束日期", field_name="created_at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEntry
        fields = ["action", "actor", "since", "until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only people who appear in the entries this reviewer may read.
        actors = self.queryset.order_by().exclude(actor=None).values("actor").distinct()
        self.filters["actor"].queryset = get_user_model().objects.filter(pk__in=actors).order_by("username")
        for name in ("since", "until"):
            self.filters[name].field.error_messages["invalid"] = "请填写有效的日期，如 2019-06-30。"


AUDIT_PAGE_SIZE = 50


@require_reviewer
def audit_log(request):
    entries = AuditEntry.objects.select_related("actor", "application", "call")
    if not permissions.is_city_office(request.user):
        # Entries about the applications they see, and their own (exports name no application).
        entries = entries.filter(Q(application__in=Application.objects.visible_to(request.user)) | Q(actor=request.user))
    filterset = AuditFilter(request.GET or None, queryset=entries)
    page, query = paginated(request, filterset.qs, AUDIT_PAGE_SIZE)
    return TemplateResponse(
        request,
        "applications/admin/audit_log.html",
        {
            "page_title": "审计日志",
            "header_icon": "history",
            "filter": filterset,
            "entries": page,
            "total": page.paginator.count,
            "filtered": any(request.GET.get(name) for name in filterset.filters),
            "query": query,
            "action_labels": audit.ACTION_LABELS,
        },
    )


def paginated(request, items, per_page):
    """The requested page of ``items`` (parameter ``p``) and the other parameters, for the pages' links."""
    query = request.GET.copy()
    query.pop("p", None)
    return paginate(request, items, per_page, param="p"), query.urlencode()


def admin_urls():
    from django.urls import path

    from . import results_views

    return [
        path("", index, name="index"),
        path("<int:pk>/", detail, name="detail"),
        path("<int:pk>/do/<str:name>/", transition, name="transition"),
        path("<int:pk>/files/<int:file_pk>/", download_file, name="file"),
        path("<int:pk>/annex4.docx", annex4, name="annex4"),
        path("export/summary.xlsx", export_summary, name="export_summary"),
        path("export/dossier.zip", export_dossier, name="export_dossier"),
        path("export/list.<str:fmt>", export_list, name="export_list"),
        path("audit/", audit_log, name="audit"),
        *results_views.admin_urls(),
    ]

