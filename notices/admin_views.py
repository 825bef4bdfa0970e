"""The admin's rollover action on a notice: a form for the year and the dates, then the draft's edit page."""

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
            messages.success(request, f"已生成{form.cleaned_data['year']}年度的申报通知草稿，请检查各页内容和日期后提交发布。")
            return redirect(reverse("wagtailadmin_pages:edit", args=[copy.pk]))
    return TemplateResponse(request, "notices/admin/rollover.html", {"source": source, "form": form})
