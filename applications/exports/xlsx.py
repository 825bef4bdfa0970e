"""附件3 申报汇总表 filled from applications, for one unit or the whole city."""

from notices.annex_files import summary_workbook
from notices.models import SummaryTablePage
from portal.text import project_title


def summary_page(call):
    page = SummaryTablePage.objects.child_of(call).live().first()
    if page is None:
        raise LookupError(f"{call.title} 没有已发布的申报汇总表（附件3）。")
    return page


def summary_rows(applications, with_unit=False):
    """(单位名称, category, project, remark) in the order the city reads them: by unit, then by submission.
    单位名称 is the applying school, as a district fills it in; on the city-wide table the district follows
    in brackets. One query whatever the number of rows, reading only the columns the table shows."""
    ordered = applications.order_by("unit__sort_order", "unit__pk", "submitted_at", "pk")
    columns = ordered.values_list("unit__name", "school", "category", "project_name", "subtitle", "is_furong")
    return [
        (f"{school}（{unit}）" if with_unit else school, category, project_title(project, subtitle), "是" if furong else "否")
        for unit, school, category, project, subtitle, furong in columns
    ]


def summary_xlsx(call, applications, unit=None) -> bytes:
    """The 附件3 .xlsx; with ``unit`` only its applications, its bureau in the bureau row and the leader and
    phone left blank for the district to fill in."""
    if unit is not None:
        applications = applications.filter(unit=unit)
    rows = summary_rows(applications, with_unit=unit is None)
    return summary_workbook(summary_page(call), rows, bureau_name=bureau_name(call, unit))


def bureau_name(call, unit):
    """The bureau that stamps a unit's table: the county's or district's 教育局; for 市本级, the city's own bureau,
    which issues the call."""
    if unit is None:
        return ""
    return getattr(call.specific, "issuer", "") if unit.is_city_level else f"{unit.name}教育局"
