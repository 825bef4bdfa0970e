"""Next year's call from this year's, as an unpublished draft.

Wagtail's ``Page.copy`` copies the notice with every child page (annexes, topic guide and its categories, quota
table and its quotas, the online form and its fields); then each copied page has the call's year moved on in its
text (titles, headings, slugs, body, help texts: 2019 → 2020, 2019年 inside sentences included) and its dates
moved by exactly one year or cleared, as the editor chooses. A call whose dates are cleared cannot be published
until they are set (NoticePageForm, ApplicationFormPageAdminForm). The copy's annex files are generated when it
is published (annex_downloads), so no file of the old year is linked; an editor's replacement files are not
carried over (they are the old year's documents).
"""

import re

from django.db import models, transaction
from wagtail.fields import RichTextField, StreamField

SHIFT, CLEAR = "shift", "clear"

# Dates of a call: issue and signature dates, district deadline, the form's window.
DATE_FIELDS = {"date", "signature_date", "deadline", "opens_at", "closes_at"}
# Fields Wagtail manages itself, never rewritten.
SKIPPED_FIELDS = {"path", "url_path", "draft_title", "latest_revision_created_at", "first_published_at",
                  "last_published_at", "go_live_at", "expire_at", "locked_at", "search_description"}
# Fields that belong to one year's document only: next year's call gets its own (文号, the address where the
# year's annexes were posted on the bureau's site).
CLEARED_FIELDS = {"document_number", "download_url"}


class RolloverError(Exception):
    """The rollover cannot be made; the message is for the editor."""


def call_year(notice):
    if notice.date:
        return notice.date.year
    found = re.search(r"(?<!\d)(20\d\d)(?!\d)", notice.title)
    if found is None:
        raise RolloverError("无法从通知的发文日期或标题确定年份。")
    return int(found.group(1))


def move_year(value, old, new):
    """``value`` with the year ``old`` replaced by ``new`` wherever it stands alone (not inside a longer number)."""
    if isinstance(value, str):
        return re.sub(rf"(?<!\d){old}(?!\d)", str(new), value)
    if isinstance(value, list):
        return [move_year(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: move_year(item, old, new) for key, item in value.items()}
    return value


def shift_date(value, years):
    if value is None:
        return None
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February
        return value.replace(year=value.year + years, day=28)


def move_object(obj, old, new, dates):
    """Move the year on in every text field of ``obj`` (a page or one of its child objects), and its dates."""
    for field in obj._meta.concrete_fields:
        if field.name in SKIPPED_FIELDS or field.primary_key or field.is_relation:
            continue
        value = getattr(obj, field.attname)
        if field.name in CLEARED_FIELDS:
            setattr(obj, field.attname, "")
        elif field.name in DATE_FIELDS and isinstance(field, (models.DateField, models.DateTimeField)):
            setattr(obj, field.attname, shift_date(value, new - old) if dates == SHIFT else None)
        elif isinstance(field, StreamField):
            setattr(obj, field.attname, move_year(list(value.raw_data) if value is not None else [], old, new))
        elif isinstance(field, (models.CharField, models.TextField, RichTextField)) and value:
            setattr(obj, field.attname, move_year(value, old, new))


def existing_call(index, year, slug):
    from .models import NoticePage

    siblings = NoticePage.objects.child_of(index)
    return siblings.filter(slug=slug).first() or siblings.filter(title__contains=f"{year}年").first()


def rollover(source, year, dates=SHIFT, user=None):
    """Copy ``source`` (a NoticePage) into a draft call for ``year``; returns the new NoticePage."""
    from .models import AnnexPage, ResultsPage

    if dates not in (SHIFT, CLEAR):
        raise ValueError(dates)
    old = call_year(source)
    if year <= old:
        raise RolloverError(f"新的年度必须晚于 {old} 年。")
    index = source.get_parent()
    slug = move_year(source.slug, old, year)
    if slug == source.slug:
        slug = f"{source.slug}-{year}"
    clash = existing_call(index, year, slug)
    if clash is not None:
        raise RolloverError(f"{year} 年的申报通知已经存在（《{clash.title}》），不能重复生成。请直接编辑它。")

    def move_child_object(original_page, page_copy, child_relation, child_object):
        move_object(child_object, old, year, dates)

    with transaction.atomic():
        copy = source.copy(
            recursive=True,
            to=index,
            keep_live=False,
            copy_revisions=False,
            user=user,
            update_attrs={"slug": slug},
            process_child_object=move_child_object,
            log_action="wagtail.copy",
        )
        for results in ResultsPage.objects.descendant_of(copy):
            results.delete()  # this year's 立项名单 is no part of next year's call
        for page in [copy, *copy.get_descendants()]:
            page = page.specific
            move_object(page, old, year, dates)
            page.slug = move_year(page.slug, old, year)
            page.draft_title = page.title
            if isinstance(page, AnnexPage):
                page.attachment = None  # the old year's replacement file, if any: generated anew on publish
            page.save()
            page.save_revision(user=user, log_action=False)
    return copy
