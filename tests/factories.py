"""Real files and valid submissions, made the way a school's browser would send them."""

import io

import docx
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from applications.models import ApplicationFormPage
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
