"""立项通知书: one letter per approved project, on the bureau's letterhead, and all of them as one ZIP.

Each letter fits one A4 page: the red letterhead and rule, the title, the school as addressee, the approval
with the project and its category, and the signature with the date, with room above it for the seal.
"""

import posixpath

import zipstream
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from notices.models import programme_name
from portal import office
from portal.dates import cn_date

from .. import states
from .dossier import MAX_NAME_BYTES, clean_name, unique_name

LETTERHEAD = "岳阳市教育体育局"
RED = RGBColor(0xC0, 0x00, 0x00)
BODY_PT = 16  # 三号, as official documents are written
LINE_PT = 28
DB_CHUNK_SIZE = 200


def _red_rule(paragraph):
    """The red line under the letterhead: the paragraph's bottom border."""
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "18"), ("space", "6"), ("color", "C00000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    p_pr.append(borders)


def _body(document, text, *, indent=True, align=None, after_pt=0, before_pt=0):
    paragraph = office.add_paragraph(document, text, size=BODY_PT, indent=indent, align=align)
    return office.exact_spacing(paragraph, LINE_PT, after_pt=after_pt, before_pt=before_pt)


def how_decided(application):
    if states.route_of(application.unit) is states.CITY_LEVEL:
        return "经学校申报、市教育体育局组织评审，并经公示无异议"
    return f"经学校申报、{application.unit.name}教育行政部门推荐、市教育体育局组织评审，并经公示无异议"


def letter_docx(application, call, date=None) -> bytes:
    """The 立项通知书 of one approved application."""
    document = office.new_document()
    section = document.sections[0]
    section.top_margin = Cm(3.0)
    section.bottom_margin = Cm(2.5)
    section.left_margin = Cm(2.8)
    section.right_margin = Cm(2.6)

    head = office.add_paragraph(document, LETTERHEAD, size=36, bold=True, align="center", font=office.CJK_FONT)
    head.runs[0].font.color.rgb = RED
    head.runs[0].font.spacing = Pt(4)  # a little air between the characters, as printed letterheads have
    office.exact_spacing(head, 54, after_pt=0)
    _red_rule(head)

    programme = programme_name(call)
    title = office.add_paragraph(document, "立项通知书", size=22, bold=True, align="center", font=office.HEADING_FONT)
    office.exact_spacing(title, 36, before_pt=30, after_pt=6)
    subtitle = office.add_paragraph(document, f"（{programme}）", size=BODY_PT, align="center")
    office.exact_spacing(subtitle, LINE_PT, after_pt=18)

    _body(document, f"{application.school}：", indent=False)
    _body(
        document,
        f"{how_decided(application)}，你校申报的“{application.project_title}”项目"
        f"（试点类别：{application.category}）被确定为{programme}，准予立项。",
    )
    _body(
        document,
        "请你校按照申报的试点实施方案认真组织实施，落实人员、经费和条件保障，加强过程管理，"
        "按期完成试点任务，及时总结、推广试点经验。",
    )
    _body(document, "特此通知。")

    # The signature at the bottom right, with room above it for the seal (4.2 cm across), which covers the
    # bureau's name and the date as Chinese documents are stamped.
    signature = _body(document, LETTERHEAD, indent=False, align="right", before_pt=LINE_PT * 3)
    signature.paragraph_format.right_indent = Pt(BODY_PT * 2)
    dated = _body(document, cn_date(date or timezone.localdate()), indent=False, align="right")
    dated.paragraph_format.right_indent = Pt(BODY_PT * 1.5)
    signature.paragraph_format.keep_with_next = True
    return office.docx_bytes(document)


def letter_name(application):
    """``立项通知书-学校-项目.docx`` in at most dossier.MAX_NAME_BYTES bytes: the school kept whole when it fits,
    the project takes the bytes left (two letters that still come out alike get “ (2)”: unique_name)."""
    prefix, extension = "立项通知书-", ".docx"
    room = MAX_NAME_BYTES - len(prefix.encode()) - len(extension)
    school = clean_name(application.school, room)
    room -= len(school.encode()) + 1
    project = clean_name(application.project_name, room) if room >= 3 else ""
    return prefix + "-".join(part for part in (school, project) if part and part != "未命名") + extension


def ordered(applications):
    return applications.select_related("unit").order_by("unit__sort_order", "unit__pk", "school", "project_name", "pk")


def letters_stream(applications, call, root, date=None):
    zs = zipstream.ZipStream(compress_type=zipstream.ZIP_DEFLATED)
    root = clean_name(root) if root else ""
    taken = set()
    for application in applications.iterator(chunk_size=DB_CHUNK_SIZE):
        name = unique_name(letter_name(application), taken)
        zs.add(letter_docx(application, call, date), posixpath.join(root, name) if root else name)
        yield from zs.all_files()
    yield from zs.finalize()


def letters_response(applications, call, filename, date=None):
    root = posixpath.splitext(filename)[0]
    response = StreamingHttpResponse(letters_stream(applications, call, root, date), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
