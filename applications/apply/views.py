"""The school's side: the form, the receipt, the status page with the stamped-scan upload.

A school reaches its own application only through this browser session: submitting grants it, and so does
the status look-up with the reference number and the leader's mobile number. No URL works without that.
"""

import logging
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from notices import annex_files

from ..models import Application, ApplicationFile, Draft
from ..review.results import results_page
from ..review.workflow import TransitionError
from ..states import SCAN_UPLOADABLE, Status
from . import drafts, references
from .forms import ScanUploadForm, StatusLookupForm, normalise_mobile
from .grants import grant, live_grants
from .submission import record_file, remove_stored, save_or_explain, store_uploads
from .throttle import limit_reached, throttled

logger = logging.getLogger(__name__)
PENDING_RESULT = "评审结果待公布"

# The application form itself is the Wagtail page ApplicationFormPage (models.py), served on Wagtail's hooks.


class NotGranted(Exception):
    """This browser may not see the application (or it does not exist: the answer is the same)."""


def granted_application(request, reference):
    """The application, if this session may see it; NotGranted otherwise."""
    if reference not in live_grants(request):
        raise NotGranted
    try:
        return Application.objects.select_related("unit", "call", "page").get(reference=reference)
    except Application.DoesNotExist:
        raise NotGranted from None


def asks_for_mobile(view):
    """A school's link opened in a browser that has not been granted it (another computer, an expired session)
    asks for the leader's mobile number, the reference filled in, and then comes back here: never a bare 404.
    Whether the reference exists is not told."""

    @wraps(view)
    def wrapped(request, reference, *args, **kwargs):
        try:
            return view(request, reference, *args, **kwargs)
        except NotGranted:
            return redirect(drafts.lookup_url(reference, request.get_full_path()))

    return wrapped


@never_cache
@asks_for_mobile
def receipt(request, reference):
    application = granted_application(request, reference)
    return TemplateResponse(
        request,
        "applications/receipt.html",
        {"application": application, "files": application.files.all(), "page": application.page},
    )


@never_cache
@asks_for_mobile
def annex4(request, reference):
    """The pre-filled 附件4 for the school to print, sign and stamp."""
    application = granted_application(request, reference)
    template = application.page.application_template()
    if template is None:
        raise Http404
    data = annex_files.application_document(template, application.annex4_values())
    response = HttpResponse(data, content_type=annex_files.DOCX)
    response["Content-Disposition"] = content_disposition_header(True, f"申请表-{application.reference}.docx")
    return response




@never_cache
@require_http_methods(["GET", "POST"])
def status_lookup(request):
    """Reference + the leader's mobile number open an application's status page, or a draft to go on with."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    form = StatusLookupForm(request.POST or None, initial={"reference": request.GET.get("reference", "")[:40]})
    status = 200
    if request.method == "POST":
        # Failed look-ups are what a guesser makes: only they count towards the limit.
        if limit_reached(request, "status-failures", settings.PORTAL_STATUS_RATE):
            form.is_valid()
            form.add_error(None, "查询失败次数过多，请稍后再试。")
            status = 429
        elif form.is_valid():
            found = matching(form.cleaned_data["reference"], form.cleaned_data["mobile"])
            if found is not None:
                grant(request, found.reference)
                if next_url:
                    return redirect(next_url)
                if isinstance(found, Draft):
                    return redirect(f"{found.page.url}?draft={found.reference}")
                return redirect("applications:status", reference=found.reference)
            throttled(request, "status-failures", settings.PORTAL_STATUS_RATE)
            form.add_error(None, "申报编号或负责人手机号码不正确，请核对后重试。")
            status = 400
    context = {"form": form, "next": next_url}
    return TemplateResponse(request, "applications/status_lookup.html", context, status=status)


def matching(reference_text, mobile_text):
    """The application or draft with this reference whose leader's mobile number is this one, or None."""
    reference = references.normalise(reference_text)
    try:
        mobile = normalise_mobile(mobile_text)
    except Exception:
        return None
    if not reference or not mobile:
        return None
    found = Application.objects.filter(reference=reference).first()
    found = found or Draft.objects.select_related("page").filter(reference=reference).first()
    return found if found is not None and found.leader_phone == mobile else None


@never_cache
def resume_draft(request, signed):
    """The link emailed when a draft is saved: opens the draft in any browser, for the drafts' lifetime."""
    reference = drafts.link_reference(signed)
    draft = Draft.objects.select_related("page").filter(reference=reference).first() if reference else None
    if draft is None:
        messages.error(request, "继续填写链接无效或已过期（草稿可能已提交或已删除）。请输入申报编号和负责人手机号码查询。")
        return redirect("applications:status_lookup")
    grant(request, draft.reference)
    return redirect(f"{draft.page.url}?draft={draft.reference}")


@never_cache
@require_http_methods(["GET", "POST"])
@asks_for_mobile
def status_page(request, reference):
    application = granted_application(request, reference)
    page = application.page
    can_upload = application.status in SCAN_UPLOADABLE and page.is_open()
    form = ScanUploadForm()
    status = 200
    if request.method == "POST":
        form = ScanUploadForm(request.POST, request.FILES)
        if not can_upload:
            form.is_valid()
            form.add_error(None, closed_message(application))
            status = 403
        elif getattr(request, "upload_error", None):
            form = ScanUploadForm()
            upload_error = request.upload_error
            status = 413
        elif form.is_valid():
            replacing = application.files.filter(field_name=ApplicationFile.STAMPED_SCAN).exists()
            saved, status = save_or_explain(form, lambda: replace_scan(application, form.cleaned_data["scan"]))
            if saved is not None:
                done = "已重新上传" if replacing else "已上传"
                name = form.cleaned_data["scan"].name
                messages.success(request, f"盖章扫描件“{name}”{done}，申报已进入评审，请留意评审结果。")
                return redirect("applications:status", reference=application.reference)
    scans = application.files.filter(field_name=ApplicationFile.STAMPED_SCAN)
    context = {"application": application, "form": form, "can_upload": can_upload, "scans": scans, "page": page,
               **result_context(application)}
    if status == 413:
        context.update(page_errors=[upload_error], upload_error=upload_error, upload_error_field="scan")
    return TemplateResponse(request, "applications/status.html", context, status=status)


def result_context(application):
    """The city's decision is told to the school once the call's 立项名单 is published (the 公示 makes it
    public); until then a decided application reads 评审结果待公布."""
    decided = application.status in (Status.APPROVED, Status.DECLINED)
    published = results_page(application.call, live_only=True) if decided else None
    label = application.get_status_display() if published or not decided else PENDING_RESULT
    return {"results_page": published, "status_label": label, "approved": application.status == Status.APPROVED}


def replace_scan(application, uploaded):
    """Store the stamped scan (replacing an earlier one) and move the application on to review. The file is
    stored first (no network I/O under a lock); then, with the application's row locked, its status is checked
    again: a reviewer's decision or a replacing application that came meanwhile closes it (TransitionError)."""
    from ..review.workflow import school_uploaded_scan

    key = store_uploads([uploaded])[0]
    try:
        with transaction.atomic():
            locked = Application.objects.select_for_update(of=("self",)).select_related("unit", "call").get(pk=application.pk)
            if locked.status not in SCAN_UPLOADABLE:
                raise TransitionError(closed_message(locked))
            old = list(locked.files.filter(field_name=ApplicationFile.STAMPED_SCAN))
            record_file(locked, uploaded, key, ApplicationFile.STAMPED_SCAN, "申请表盖章扫描件")
            ApplicationFile.objects.filter(pk__in=[f.pk for f in old]).delete()
            school_uploaded_scan(locked)
    except IntegrityError:
        remove_stored([key])
        raise TransitionError(closed_message(application, duplicate=True)) from None
    except BaseException:
        remove_stored([key])
        raise
    transaction.on_commit(lambda: remove_stored([f.key for f in old]))
    return locked


def closed_message(application, duplicate=False):
    if application.status == Status.SUPERSEDED or duplicate:
        newer = application.replaced_by.reference if application.replaced_by_id else None
        where = f"（编号 {newer}）" if newer else ""
        return f"该申报已由学校重新提交的申报{where}替代，不能再上传。请在新申报的状态页上传盖章件。"
    return "当前不能上传：申报已截止或已进入评审。"
