"""附件4 申请表 filled from one application."""

from notices.annex_files import application_document
from notices.models import ApplicationTemplatePage


def template_page(call):
    page = ApplicationTemplatePage.objects.child_of(call).live().first()
    if page is None:
        raise LookupError(f"{call.title} 没有已发布的申请表（附件4）。")
    return page


def application_docx(application, page=None) -> bytes:
    """The filled .docx; pass ``page`` (the call's 附件4) when exporting many to look it up only once."""
    return application_document(page or template_page(application.call), application.annex4_values())
