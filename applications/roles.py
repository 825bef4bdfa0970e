"""Core roles: the form fields that review, quotas and exports rely on, whatever their label says.

Editors may relabel, reorder and add help text to these fields, and add fields of their own; a form page that
lacks one of these roles cannot be published. Each role fixes the field type it must have.
"""

from django.db import models

from .uploads import DOCUMENT_EXTENSIONS, EVIDENCE_EXTENSIONS


class Role(models.TextChoices):
    UNIT = "unit", "申报单位"
    SCHOOL = "school", "申报学校名称"
    CATEGORY = "category", "试点类别"
    PROJECT = "project", "试点项目名称"
    SUBTITLE = "subtitle", "副标题"
    FURONG = "furong", "是否芙蓉学校"
    LEADER = "leader", "负责人"
    LEADER_PHONE = "leader_phone", "负责人手机号码"
    CONTACT = "contact", "联系人"
    CONTACT_PHONE = "contact_phone", "联系人手机号码"
    SUMMARY = "summary", "试点实施方案要点"
    WORK_PLAN = "work_plan", "工作方案"
    EVIDENCE = "evidence", "佐证材料"


# role -> (required field type, the default field a new form page starts with)
SPEC = {
    Role.UNIT: ("dropdown", {"label": "申报单位", "help_text": "市直学校请选择“市本级”。"}),
    Role.SCHOOL: ("singleline", {"label": "申报学校名称", "help_text": "与公章上的名称一致。"}),
    Role.CATEGORY: ("dropdown", {"label": "试点类别", "help_text": "见附件2《学校试点选题指南》。"}),
    Role.PROJECT: ("singleline", {"label": "试点项目名称"}),
    Role.SUBTITLE: (
        "singleline",
        {"label": "副标题", "required": False, "help_text": "可结合拟开展的具体试点内容，在试点项目名称后加副标题（选填）。"},
    ),
    Role.FURONG: ("radio", {"label": "是否芙蓉学校", "choices": "是\n否"}),
    Role.LEADER: ("singleline", {"label": "负责人"}),
    Role.LEADER_PHONE: ("singleline", {"label": "负责人手机号码", "help_text": "用于查询申报状态，请填写11位手机号码。"}),
    Role.CONTACT: ("singleline", {"label": "联系人"}),
    Role.CONTACT_PHONE: ("singleline", {"label": "联系人手机号码"}),
    Role.SUMMARY: ("multiline", {"label": "试点实施方案要点", "help_text": "1000字以内。"}),
    Role.WORK_PLAN: (
        "file",
        {
            "label": "工作方案",
            "help_text": "按附件5《工作方案（提纲）》撰写。",
            "allowed_extensions": ",".join(DOCUMENT_EXTENSIONS),
        },
    ),
    Role.EVIDENCE: (
        "files",
        {"label": "佐证材料", "required": False, "allowed_extensions": ",".join(EVIDENCE_EXTENSIONS)},
    ),
}

PHONE_ROLES = {Role.LEADER_PHONE, Role.CONTACT_PHONE}
SUMMARY_MAX_CHARS = 1000


def default_fields():
    """Field definitions (kwargs for ApplicationFormField) for a new form page, in Annex 4's order."""
    fields = []
    for order, (role, (field_type, options)) in enumerate(SPEC.items()):
        fields.append(
            {
                "role": role.value,
                "clean_name": role.value,
                "field_type": field_type,
                "sort_order": order,
                "required": True,
                **options,
            }
        )
    return fields


def missing_roles(fields):
    """Roles absent from, or on a field of the wrong type in, ``fields`` (objects with role and field_type)."""
    problems = []
    present = {}
    for field in fields:
        if field.role:
            present.setdefault(field.role, []).append(field)
    for role, (field_type, _) in SPEC.items():
        found = present.get(role.value, [])
        if not found:
            problems.append(f"缺少核心字段“{role.label}”")
        elif len(found) > 1:
            problems.append(f"核心字段“{role.label}”只能有一个")
        elif found[0].field_type != field_type:
            problems.append(f"核心字段“{role.label}”的类型必须是“{field_type_label(field_type)}”")
    return problems


def field_type_label(field_type):
    from .models import FIELD_TYPE_CHOICES

    return dict(FIELD_TYPE_CHOICES).get(field_type, field_type)
