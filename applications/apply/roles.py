"""Core roles: the form fields that review, quotas and exports rely on, whatever their label says.

Editors may relabel, reorder and add help text to these fields, and add fields of their own; a form page that
lacks one of these roles cannot be published. Each role fixes the field type it must have.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from wagtail.contrib.forms.models import FORM_FIELD_CHOICES

from .uploads import DOCUMENT_EXTENSIONS, EVIDENCE_EXTENSIONS

FIELD_TYPE_CHOICES = FORM_FIELD_CHOICES + (("file", "单个文件上传"), ("files", "多个文件上传"))


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

# 是否芙蓉学校 answers by value, not by label: the form offers the fixed values below, labelled with the editor's
# choices in order (the first means yes). Relabelling "是" as "是（芙蓉学校）" changes what the school reads, not
# what is recorded.
FURONG_YES, FURONG_NO = "是", "否"
FURONG_VALUES = (FURONG_YES, FURONG_NO)


def furong_choices(field):
    """[(value, label)] for the furong field: the editor's labels by position over the fixed values."""
    labels = [line.strip() for line in (field.choices or "").splitlines() if line.strip()]
    labels += list(FURONG_VALUES[len(labels):])
    return list(zip(FURONG_VALUES, labels[: len(FURONG_VALUES)], strict=True))


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
        elif role == Role.FURONG and len([c for c in (found[0].choices or "").splitlines() if c.strip()]) != 2:
            problems.append(f"核心字段“{role.label}”必须有两个选项，第一个表示“是”，第二个表示“否”")
    return problems


def field_type_label(field_type):
    return dict(FIELD_TYPE_CHOICES).get(field_type, field_type)


# ---------------------------------------------------------------- role -> Application column


@dataclass(frozen=True)
class Column:
    """Where a role's answer is kept on the Application, and how it is read back.

    ``field``: the Application column; ``from_form``: cleaned form value -> column value; ``text``: the
    application -> the text people read (review detail, listing, 附件4); ``annex4``: its box in 附件4, if any."""

    role: Role
    field: str
    from_form: Callable = lambda value: value or ""
    text: Callable = None
    annex4: str = ""

    def read(self, application):
        return self.text(application) if self.text else getattr(application, self.field)

    def label(self, model):
        return str(model._meta.get_field(self.field).verbose_name)


def _yes_no(value):
    return "是" if value else "否"


COLUMNS = (
    Column(Role.UNIT, "unit", text=lambda a: a.unit.name),
    Column(Role.SCHOOL, "school", annex4="school"),
    Column(Role.CATEGORY, "category"),
    Column(Role.PROJECT, "project_name", annex4="project"),
    Column(Role.SUBTITLE, "subtitle", annex4="subtitle"),
    Column(Role.FURONG, "is_furong", from_form=lambda value: value == FURONG_YES, text=lambda a: _yes_no(a.is_furong)),
    Column(Role.LEADER, "leader", annex4="leader"),
    Column(Role.LEADER_PHONE, "leader_phone", annex4="leader_phone"),
    Column(Role.CONTACT, "contact", annex4="contact"),
    Column(Role.CONTACT_PHONE, "contact_phone", annex4="contact_phone"),
    Column(Role.SUMMARY, "summary", annex4="summary"),
)
# The upload roles (工作方案, 佐证材料) have no column: their files are ApplicationFile rows.
COLUMN_OF = {column.role: column for column in COLUMNS}


def column_values(cleaned, names, unit_lookup):
    """{Application field: value} from a valid form's cleaned data; ``names`` is {role: form field name},
    ``unit_lookup`` turns the chosen unit's name into the Unit."""
    values = {}
    for column in COLUMNS:
        value = cleaned.get(names.get(column.role))
        values[column.field] = unit_lookup(value) if column.role == Role.UNIT else column.from_form(value)
    return values


def display_rows(application):
    """[(column heading, text)] of an application's core columns, in Annex 4's order."""
    return [(column.label(type(application)), column.read(application)) for column in COLUMNS]


def annex4_boxes(application):
    """{附件4 box: text} of the core columns that fill a box."""
    return {column.annex4: column.read(application) for column in COLUMNS if column.annex4}
