"""The bureau's roles as Django groups: the city office, one reviewers' group per unit, content editors and the
office head who approves what they publish (审核发布)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from notices.models import Unit
from notices.moderation import ensure_notice_workflow

from ..models import ReviewerGroup

CITY_GROUP = "市局评审"
EDITORS_GROUP = "内容编辑"
PUBLISHERS_GROUP = "审核发布"
DISTRICT_GROUP_PREFIX = "县市区评审-"

# Editors write and submit for moderation; only the 审核发布 group publishes (notices.moderation).
PAGE_PERMISSIONS = ("add_page", "change_page", "lock_page", "unlock_page")
PUBLISHER_PAGE_PERMISSIONS = PAGE_PERMISSIONS + ("publish_page",)
COLLECTION_PERMISSIONS = {
    "wagtaildocs": ("add_document", "change_document", "choose_document"),
    "wagtailimages": ("add_image", "change_image", "choose_image"),
}


def _perm(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def ensure_groups():
    """Create or complete the groups (safe to run again)."""
    access_admin = _perm("wagtailadmin", "access_admin")

    city, _ = Group.objects.get_or_create(name=CITY_GROUP)
    city.permissions.add(access_admin, _perm("applications", "review_city"))

    review_district = _perm("applications", "review_district")
    for unit in Unit.objects.exclude(kind=Unit.Kind.CITY):
        link = ReviewerGroup.objects.filter(unit=unit).select_related("group").first()
        group = link.group if link else Group.objects.get_or_create(name=DISTRICT_GROUP_PREFIX + unit.name)[0]
        group.permissions.add(access_admin, review_district)
        ReviewerGroup.objects.get_or_create(unit=unit, defaults={"group": group})

    editors = _content_group(EDITORS_GROUP, PAGE_PERMISSIONS)
    # Editors publishing directly was allowed before moderation: take it back from existing installations.
    GroupPagePermission.objects.filter(group=editors, permission__codename="publish_page").delete()
    publishers = _content_group(PUBLISHERS_GROUP, PUBLISHER_PAGE_PERMISSIONS)
    ensure_notice_workflow(publishers)
    return city, editors


def _content_group(name, page_permissions):
    """A group that edits the site's content (pages, documents, images, units, 门户设置)."""
    group, _ = Group.objects.get_or_create(name=name)
    group.permissions.add(
        _perm("wagtailadmin", "access_admin"),
        *(_perm("notices", f"{action}_unit") for action in ("add", "change", "view")),
        _perm("home", "change_portalsettings"),  # 设置 → 门户设置: header, footer, notice meta line
    )
    root_page = Page.get_first_root_node()
    for codename in page_permissions:
        GroupPagePermission.objects.get_or_create(
            group=group, page=root_page, permission=_perm("wagtailcore", codename)
        )
    root_collection = Collection.get_first_root_node()
    for app_label, codenames in COLLECTION_PERMISSIONS.items():
        for codename in codenames:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root_collection, permission=_perm(app_label, codename)
            )
    return group


class RoleError(ValueError):
    pass


@transaction.atomic
def create_reviewer(username, password, *, unit_name=None, city=False, editor=False, publisher=False):
    """An account for the city office, a unit's reviewers, the content editors or the publishers (审核发布)."""
    ensure_groups()
    if sum((bool(unit_name), city, editor, publisher)) != 1:
        raise RoleError("请指定 --unit 单位名称、--city、--editor 或 --publisher 之一。")
    if unit_name:
        unit = Unit.objects.filter(name=unit_name).first()
        if unit is None:
            raise RoleError(f"没有名为“{unit_name}”的申报单位。")
        if unit.is_city_level:
            raise RoleError("市本级的申报由市局直接评审：请用 --city 创建市局评审账号。")
        group = unit.reviewer_group.group
    else:
        group = Group.objects.get(name=CITY_GROUP if city else PUBLISHERS_GROUP if publisher else EDITORS_GROUP)
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise RoleError(f"账号“{username}”已存在。")
    user = User.objects.create_user(username=username, password=password)
    user.groups.add(group)
    return user
