"""The admin's actions on a notice: rollover (a form for the year and the dates, then the draft's edit page), and
submitting the whole call for moderation at once."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from .models import NoticePage
from .rollover import CLEAR, SHIFT, RolloverError, call_year, rollover


class RolloverForm(forms.Form):
    year = forms.IntegerField(label="新年度", min_value=2000, max_value=2100)
    dates = forms.ChoiceField(
        label="各项日期",
        choices=[(SHIFT, "顺延一年（发文日期、截止时间、申报时间、落款日期均加一年）"), (CLEAR, "清空，发布前逐项填写")],
        widget=forms.RadioSelect,
        initial=SHIFT,
    )


def rollover_view(request, page_id):
    source = get_object_or_404(NoticePage, pk=page_id)
    index = source.get_parent()
    if not index.permissions_for_user(request.user).can_add_subpage():
        raise PermissionDenied
    try:
        initial_year = call_year(source) + 1
    except RolloverError:
        initial_year = None
    form = RolloverForm(request.POST or None, initial={"year": initial_year})
    if request.method == "POST" and form.is_valid():
        try:
            copy = rollover(source, form.cleaned_data["year"], form.cleaned_data["dates"], user=request.user)
        except RolloverError as error:
            form.add_error("year", str(error))
        else:
            messages.success(
                request,
                f"已生成{form.cleaned_data['year']}年度的申报通知草稿（通知及其附件页、在线申报表单共"
                f" {copy.get_descendants().count() + 1} 个页面）。请检查各页内容和日期，然后在本页顶部标题旁的“⋯”菜单中"
                "选择“整套提交审核”，一次提交全部页面。",
            )
            return redirect(reverse("wagtailadmin_pages:edit", args=[copy.pk]))
    return TemplateResponse(request, "notices/admin/rollover.html", {"source": source, "form": form})


def pages_to_submit(notice, user):
    """The call's pages that have something to publish, no moderation under way, and that ``user`` may submit."""
    pages = []
    for page in [notice, *notice.get_descendants().specific()]:
        page = page.specific
        if page.live and not page.has_unpublished_changes:
            continue
        if page.workflow_in_progress or page.get_workflow() is None:
            continue
        if page.permissions_for_user(user).can_submit_for_moderation():
            pages.append(page)
    return pages


def submit_call_view(request, page_id):
    """Submit the notice and every page under it (annexes, form) for moderation, as the editor would one by one:
    a confirmation listing the pages, then the POST."""
    notice = get_object_or_404(NoticePage, pk=page_id)
    pages = pages_to_submit(notice, request.user)
    if request.method != "POST":
        return TemplateResponse(request, "notices/admin/submit_call.html", {"notice": notice, "pages": pages})
    if not pages:
        messages.warning(request, "没有需要提交审核的页面：各页已发布且无改动，或已在审核中。")
    for page in pages:
        page.save_revision(user=request.user, log_action=True)
        page.get_workflow().start(page, request.user)
    if pages:
        messages.success(request, f"已将《{notice.title}》的 {len(pages)} 个页面提交审核，审核发布人员批准后公开。")
    return redirect(reverse("wagtailadmin_explore", args=[notice.pk]))


def pages_to_approve(notice, user):
    """The call's pages whose current moderation task ``user`` may approve, with that task state."""
    found = []
    for page in [notice, *notice.get_descendants().specific()]:
        page = page.specific
        state = page.current_workflow_task_state
        if state is None:
            continue
        task = state.task.specific
        if any(action == "approve" for action, _label, _modal in task.get_actions(page, user)):
            found.append((page, task, state))
    return found


def approve_call_view(request, page_id):
    """Approve every page of the call waiting for this publisher, after a confirmation listing them."""
    notice = get_object_or_404(NoticePage, pk=page_id)
    waiting = pages_to_approve(notice, request.user)
    if request.method != "POST":
        return TemplateResponse(request, "notices/admin/approve_call.html", {"notice": notice, "pages": [p for p, _t, _s in waiting]})
    comment = request.POST.get("comment", "").strip()[:1000]
    for _page, task, state in waiting:
        task.on_action(state, request.user, "approve", comment=comment)
    if waiting:
        messages.success(request, f"已批准《{notice.title}》的 {len(waiting)} 个页面，已发布。")
    else:
        messages.warning(request, "没有等待您审核的页面。")
    return redirect(reverse("wagtailadmin_explore", args=[notice.pk]))
