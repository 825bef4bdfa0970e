"""Acting in the Wagtail admin as a browser would: signing in by role, and the page edit form as it is posted."""

from django.test import Client
from wagtail import blocks
from wagtail.fields import StreamField
from wagtail.test.utils.form_data import querydict_from_html

from .factories import REVIEWER_PASSWORD, ReviewerFactory


def logged_in(**role):
    """A browser signed in as a new account with ``role`` (see ReviewerFactory: city, unit_name, editor…)."""
    client = Client()
    assert client.login(username=ReviewerFactory(**role).username, password=REVIEWER_PASSWORD)
    return client


def block_data(block, value, prefix):
    """The form fields the admin's JavaScript posts for a StreamField value (they are not in the page's HTML)."""
    if isinstance(block, (blocks.StreamBlock, blocks.ListBlock)):
        children = value if isinstance(block, blocks.StreamBlock) else value.bound_blocks
        data = {f"{prefix}-count": str(len(children))}
        for i, child in enumerate(children):
            data.update({f"{prefix}-{i}-deleted": "", f"{prefix}-{i}-order": str(i), f"{prefix}-{i}-id": child.id or ""})
            if isinstance(block, blocks.StreamBlock):
                data[f"{prefix}-{i}-type"] = child.block_type
            data.update(block_data(child.block, child.value, f"{prefix}-{i}-value"))
        return data
    if isinstance(block, blocks.StructBlock):
        data = {}
        for name, child in block.child_blocks.items():
            data.update(block_data(child, value.get(name), f"{prefix}-{name}"))
        return data
    return {prefix: "" if value is None else str(value)}


def edit_form(client, page, **changes):
    """The edit form as the admin sends it (StreamField blocks included), with ``changes``."""
    edit = client.get(f"/admin/pages/{page.pk}/edit/")
    assert edit.status_code == 200
    data = querydict_from_html(edit.content.decode(), form_id="page-edit-form")
    page = page.specific
    for field in page._meta.get_fields():
        if isinstance(field, StreamField):
            data.update(block_data(field.stream_block, getattr(page, field.name), field.name))
    for name, value in changes.items():
        data[name] = value
    return data
