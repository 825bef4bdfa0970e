"""Real files and valid submissions, made the way a school's browser would send them; and factory_boy factories
for applications, their stored files and reviewer accounts, made directly in the database."""

import hashlib
import io
import uuid

import docx
import factory
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from applications.models import Application, ApplicationFile, ApplicationFormPage
from applications.states import Status
from notices.models import NoticePage, Unit
from notices.seed import Loader, read_content

from .conftest import soup
from .sample_pdf import pdf_pieces


def pdf_bytes(size=2048):
    """A real one-page PDF of exactly ``size`` bytes (from about 400): the page, and an unused stream as padding."""
    return b"".join(pdf_pieces(size))


def docx_bytes(text="工作方案"):
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def png_bytes(size=(8, 8)):
    image = Image.new("RGB", size, (200, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes(size=(64, 48)):
    image = Image.new("RGB", size, (30, 30, 200))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return buffer.getvalue()


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def demo_form_page():
    """The demo call, whose form is open now."""
    Loader(read_content(), log=lambda *a: None).load_demo(timezone.now())
    return ApplicationFormPage.objects.get(slug="demo-apply")


def valid_data(**overrides):
    data = {
        "unit": "平江县",
        "school": "平江县第一中学",
        "category": "智慧教育实践与探究",
        "project": "基于智慧课堂的教学模式探索",
        "subtitle": "以数学学科为例",
        "furong": "否",
        "leader": "张校长",
        "leader_phone": "13812345678",
        "contact": "李老师",
        "contact_phone": "13912345678",
        "summary": "一、目标\r\n二、内容",
        "consent": "on",
        "work_plan": upload("工作方案.docx", docx_bytes()),
        "evidence": [upload("佐证1.pdf", pdf_bytes()), upload("照片.png", png_bytes())],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submit(client, page, **overrides):
    """GET the form (for its once-only token) and POST it, as a browser does."""
    token = soup(client.get(page.url)).find("input", {"name": "submission_token"})["value"]
    data = valid_data(**overrides)
    data.setdefault("submission_token", token)
    return client.post(page.url, data)


# ---------------------------------------------------------------- model factories (factory_boy)
#
# Applications, their stored files and reviewer accounts, made directly in the database (no form, no session):
# for the review, export and workflow tests. ``unit`` may be given as a name; by default an application belongs to
# the open 【演示】 call, from 平江县, and is submitted (waiting for its district's review).

DEMO_CALL = "demo-2019-pilot-projects"
REVIEWER_PASSWORD = "Review-pass-2019"


def _reference():
    code = uuid.uuid4().hex[:8].upper()
    return f"2019-{code[:4]}-{code[4:]}"


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    call = factory.LazyFunction(lambda: NoticePage.objects.get(slug=DEMO_CALL))
    page = factory.LazyAttribute(lambda o: ApplicationFormPage.objects.child_of(o.call).get())
    reference = factory.LazyFunction(_reference)
    submission_token = factory.LazyFunction(uuid.uuid4)
    status = Status.SUBMITTED
    unit = "平江县"
    school = factory.Sequence(lambda n: f"岳阳市第{n + 1}中学")
    category = "智慧教育实践与探究"
    project_name = factory.Sequence(lambda n: f"项目{n + 1}")
    leader = "张三"
    leader_phone = "13812345678"
    contact = "李四"
    contact_phone = "13912345678"
    summary = "以平板电脑开展课堂互动教学。"

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        if isinstance(kwargs.get("unit"), str):
            kwargs["unit"] = Unit.objects.get(name=kwargs["unit"])
        return kwargs


class ApplicationFileFactory(factory.django.DjangoModelFactory):
    """A file of an application, really stored in the current ``applications`` storage (folder or bucket)."""

    class Meta:
        model = ApplicationFile
        exclude = ("data",)

    application = factory.SubFactory(ApplicationFactory)
    data = b"%PDF-1.4 plan"
    field_name = "work_plan"
    field_label = "工作方案"
    original_name = "方案.pdf"
    content_type = "application/pdf"
    size = factory.LazyAttribute(lambda o: len(o.data))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.data).hexdigest())
    key = factory.LazyAttribute(
        lambda o: application_storage_save(f"test/{uuid.uuid4().hex}{_extension(o.original_name)}", o.data)
    )

    class Params:
        scan = factory.Trait(
            field_name=ApplicationFile.STAMPED_SCAN, field_label="申请表盖章扫描件", original_name="盖章.pdf"
        )


def _extension(name):
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    return f".{suffix.lower()}" if suffix.isalnum() else ""


def application_storage_save(key, data):
    from applications.apply.storage import application_storage

    return application_storage().save(key, ContentFile(data))


class ReviewerFactory(factory.django.DjangoModelFactory):
    """An account made as ``create_reviewer`` makes it: ``unit_name=…`` (district), ``city=True``, ``editor=True`` or
    ``publisher=True`` (审核发布)."""

    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"reviewer{n}")
    password = REVIEWER_PASSWORD
    unit_name = None
    city = False
    editor = False
    publisher = False

    @classmethod
    def _create(
        cls, model_class, username, password, unit_name=None, city=False, editor=False, publisher=False, **kwargs
    ):
        from applications.review.groups import create_reviewer

        return create_reviewer(
            username, password, unit_name=unit_name, city=city, editor=editor, publisher=publisher
        )
