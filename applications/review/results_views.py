"""The city office's 立项名单 page in the review area: generate the call's results page from the decisions, and
download the 立项通知书 once its 公示 has ended. Only the city office opens these views (others are sent to the
admin home, as for every review page they may not use)."""

import datetime

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.dates import cn_date

from .. import permissions
from ..exports import letters
from ..models import Application
from ..states import Status
from . import audit, calls, results
from .results import ResultsError
from .views import DOCX, _download, requires

require_city_office = requires(permissions.is_city_office)


class CallResults:
    """One call's line on the page: its decisions and its results page."""

    def __init__(self, call, user):
        self.call = call
        counts = Application.objects.visible_to(user).for_call(call).aggregate(
            approved=Count("pk", filter=Q(status=Status.APPROVED)),
            declined=Count("pk", filter=Q(status=Status.DECLINED)),
        )
        self.approved = counts["approved"]
        self.declined = counts["declined"]
        self.waiting = results.undecided(call).count()
        self.page = results.results_page(call)

    @property
    def letters_ready(self):
        return self.page is not None and self.page.live and self.page.publicity_ended()


def letters_refusal(call):
    """Why the 立项通知书 of this call cannot be downloaded yet (for the city office), or None."""
    page = results.results_page(call)
    if page is None:
        return "本次申报尚未生成立项名单，请先生成并发布立项名单公示。"
    if not page.live:
        return "立项名单尚未发布。请发布立项名单公示，公示结束后再下载立项通知书。"
    if not page.publicity_ended():
        end = page.publicity_end
        when = f"公示截止日期为{cn_date(end)}，{cn_date(end + datetime.timedelta(days=1))}起" if end else "公示结束后"
        return f"立项名单正在公示，{when}方可下载立项通知书。"
    return None


@require_city_office
def index(request):
    return TemplateResponse(
        request,
        "applications/admin/results.html",
        {
            "page_title": "立项名单与立项通知书",
            "header_icon": "list-ol",
            "lines": [CallResults(call, request.user) for call in calls.calls()],
        },
    )


@require_POST
@require_city_office
def generate(request, call_pk):
    call = get_object_or_404(calls.calls(), pk=call_pk)
    try:
        page, created = results.generate(call, user=request.user)
    except ResultsError as error:
        messages.error(request, str(error))
    else:
        audit.record(request.user, "results", call=call, detail=f"{'生成' if created else '重新生成'}立项名单：{page.title}")
        done = "已生成立项名单草稿" if created else "已重新生成立项名单（新的草稿版本）"
        messages.success(request, f"{done}，共 {len(page.rows.all())} 个项目。请内容编辑检查公示日期，在通知的“⋯”菜单中“整套提交审核”，审核发布人员批准后公开。")
    return redirect("applications_admin:results")


def _approved(request, call):
    return letters.ordered(Application.objects.visible_to(request.user).for_call(call).filter(status=Status.APPROVED))


@require_city_office
def download_letters(request, call_pk):
    call = get_object_or_404(calls.calls(), pk=call_pk)
    refusal = letters_refusal(call)
    if refusal:
        messages.error(request, refusal)
        return redirect("applications_admin:results")
    audit.record(request.user, "export", call=call, detail="立项通知书（ZIP）")
    name = f"立项通知书-{letters.programme_name(call)}-{timezone.localdate():%Y%m%d}.zip"
    return letters.letters_response(_approved(request, call), call, name)


@require_city_office
def download_letter(request, pk):
    application = get_object_or_404(
        Application.objects.visible_to(request.user).select_related("unit", "call").filter(status=Status.APPROVED), pk=pk
    )
    refusal = letters_refusal(application.call)
    if refusal:
        messages.error(request, refusal)
        return redirect("applications_admin:detail", pk=pk)
    audit.record(request.user, "export", application=application, detail="立项通知书")
    return _download(letters.letter_docx(application, application.call), DOCX, letters.letter_name(application))


def admin_urls():
    from django.urls import path

    return [
        path("results/", index, name="results"),
        path("results/<int:call_pk>/generate/", generate, name="results_generate"),
        path("results/<int:call_pk>/letters.zip", download_letters, name="results_letters"),
        path("<int:pk>/letter.docx", download_letter, name="letter"),
    ]
