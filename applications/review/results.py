"""The call's 立项名单 from the city's decisions: generated into a draft ResultsPage under the call (the page is
published like any other), and the 立项通知书 the city downloads once the 公示 has ended.

notices knows nothing of applications: the page keeps its rows as data (ResultRow), written here.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notices.models import ResultRow, ResultsPage, Unit, programme_name, results_title

from ..states import Status


class ResultsError(Exception):
    """The 立项名单 cannot be generated now; the message is for the city office."""


def results_page(call, live_only=False):
    """The call's results page (the latest revision is not loaded), or None."""
    pages = ResultsPage.objects.child_of(call)
    if live_only:
        pages = pages.live().public()
    return pages.first()


def undecided(call):
    """Applications still waiting for the city: recommended by their district, or 市本级 ones submitted."""
    from ..models import Application

    return Application.objects.for_call(call).filter(
        Q(status=Status.RECOMMENDED) | Q(status=Status.SUBMITTED, unit__kind=Unit.Kind.CITY)
    )


def approved(call):
    from ..models import Application

    return (
        Application.objects.for_call(call)
        .filter(status=Status.APPROVED)
        .select_related("unit")
        .order_by("unit__sort_order", "unit__pk", "school", "project_name", "pk")
    )


def default_intro(call, count):
    return (
        f"根据《{call.title}》，经学校申报、县市区教育行政部门推荐、市教育体育局组织评审，"
        f"拟确定以下{count}个项目为{programme_name(call)}，现予以公示。"
    )


def rows_for(call):
    return [
        ResultRow(
            unit=a.unit.name,
            school=a.school,
            project_name=a.project_name,
            subtitle=a.subtitle,
            category=a.category,
            sort_order=i,
        )
        for i, a in enumerate(approved(call))
    ]


def generate(call, user=None):
    """Write the approved applications into the call's results page: a new unpublished draft, or a new draft
    revision of the existing page (its dates and text kept, its rows replaced). Returns (page, created).
    Raises ResultsError (Chinese message) while an application still waits for the city's decision."""
    waiting = undecided(call).count()
    if waiting:
        raise ResultsError(
            f"还有 {waiting} 份申报等待市局立项决定（立项或不予立项），全部决定后才能生成立项名单。"
        )
    rows = rows_for(call)
    if not rows:
        raise ResultsError("本次申报没有已立项的项目，无法生成立项名单。")
    now = timezone.now()
    with transaction.atomic():
        existing = results_page(call)
        if existing is None:
            page = ResultsPage(
                title=results_title(call),
                slug="results",
                intro=default_intro(call, len(rows)),
                live=False,
                generated_at=now,
            )
            page.rows = rows
            call.add_child(instance=page)
            page.save_revision(user=user, log_action=True)
            return page, True
        page = existing.specific.get_latest_revision_as_object()
        if not page.intro or page.intro == default_intro(call, len(page.rows.all())):
            page.intro = default_intro(call, len(rows))  # the generated text follows the count; an edited one stays
        page.rows = rows
        page.generated_at = now
        if not existing.live:
            page.save()  # a page never published keeps its draft in its own rows too
        page.save_revision(user=user, log_action=True)
        return page, False
