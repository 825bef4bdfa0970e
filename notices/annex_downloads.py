"""Annex downloads follow the content: each annex page's file is generated again whenever the page, or the
notice it belongs to, is published, and replaces the previous generated file (one document per page, its old
file deleted from storage, its size and type taken from the new one)."""

from django.core.files.base import ContentFile
from django.db import transaction
from wagtail.documents import get_document_model


def refresh(page):
    """Generate ``page``'s download from its current content (an AnnexPage, specific)."""
    from .models import GeneratedAnnexFile

    name, data = page.build_download()
    title = name.rsplit(".", 1)[0]
    record = GeneratedAnnexFile.objects.select_related("document").filter(page_id=page.pk).first()
    if record is None:
        document = get_document_model().objects.create(title=title, file=ContentFile(data, name=name))
        GeneratedAnnexFile.objects.create(page_id=page.pk, document=document)
        return document
    document = record.document
    old = document.file.name
    document.title = title
    document.file = ContentFile(data, name=name)  # saved under a fresh name: a cached copy of the old URL stays the old file
    document.file_size, document.file_hash = None, ""
    document.save()
    document._set_document_file_metadata()
    document.save(update_fields=["file_size", "file_hash"])
    record.save()  # generated_at
    if old and old != document.file.name:
        storage, name_to_delete = document.file.storage, old
        transaction.on_commit(lambda: storage.delete(name_to_delete))
    page.__dict__.pop("download", None)
    return document


def refresh_for(page):
    """After ``page`` was published: its own annex file, or, for a notice, every annex file of the call."""
    from .models import AnnexPage

    specific = page.specific
    if isinstance(specific, AnnexPage):
        refresh(specific)
        return
    for child in page.get_children().live().specific():
        if isinstance(child, AnnexPage):
            refresh(child)
