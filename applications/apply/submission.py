"""Turning a valid form into one Application, all or nothing."""

import logging
from functools import partial
from pathlib import PurePath

from django.apps import apps
from django.core.mail import send_mail
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from notices.models import Unit

from ..review import audit
from ..review.workflow import TransitionError
from ..states import NOT_COUNTING, Status
from . import roles
from .references import new_reference
from .storage import application_storage, new_key, unreachable
from .uploads import extension_of

# This module imports no model of its own app: it reaches applications through the form page's
# get_submission_class() and the related managers, so that models.py can use it (process_form_submission); the
# task below, which starts from a bare primary key, asks the app registry.

logger = logging.getLogger(__name__)

_NOT_DATA = {"submission_token", "consent", "website"}


class StorageFailure(Exception):
    """A file could not be stored; nothing was saved."""


class Duplicate(Exception):
    """The school already has an application for this project in this call that counts; nothing was saved."""


class UploadGone(Exception):
    """A file uploaded ahead was removed while the form was being submitted; nothing was saved."""


class NotSaved(Exception):
    """Nothing was kept; ``form`` says why, ``status`` is the answer's HTTP status."""

    def __init__(self, form, status):
        super().__init__(status)
        self.form = form
        self.status = status


UPLOAD_GONE = "提交时有文件被删除（可能是在另一个窗口中操作），本次提交没有被保存。请检查文件列表后重新提交。"
BUSY_MESSAGE = "系统繁忙，本次提交没有被保存，请稍后再试。"
STORAGE_FAILURE = "文件保存失败，本次提交没有被保存。请重新选择文件后再次提交；如多次失败，请联系市教科院。"


def save_or_explain(form, save):
    """Run ``save``. Returns (its result, 200), or (None, the status to answer) after saying on the form why
    nothing was kept: a duplicate, a closed application, a storage or database failure."""
    try:
        return save(), 200
    except Duplicate:
        form.add_duplicate_error()
        return None, 200  # a validation error like any other, found by the database
    except TransitionError as error:
        form.add_error(None, str(error))
        return None, 409
    except UploadGone:
        form.add_error(None, UPLOAD_GONE)
        return None, 409
    except StorageFailure:
        form.add_error(None, STORAGE_FAILURE)
    except DatabaseError:
        logger.exception("Submission not saved: database error")
        form.add_error(None, BUSY_MESSAGE)
    return None, 503


def save_or_refuse(form, save):
    """``save()``'s result; NotSaved (the form carrying the reason) when nothing was kept."""
    saved, status = save_or_explain(form, save)
    if saved is None:
        raise NotSaved(form, status)
    return saved


DUPLICATE_MESSAGE = (
    "“{school}”已经提交过试点项目“{project}”的申报，请勿重复提交。查看进度或上传盖章件，请使用“查询申报状态”；"
    "如需修改已提交的内容，请联系负责审核的教育局退回后重新申报。"
)


def duplicate_of(page, school, project_name, token):
    """The rule against applying twice: an application of the same school and project in this call that still
    counts. A returned one does not (the school applies again), and one with the same submission token is not a
    duplicate but this very form resent (create_application answers it with the application it made)."""
    return (
        same_project(page.call, school, project_name)
        .exclude(status__in=NOT_COUNTING)
        .exclude(submission_token=token)
        .first()
    )


def same_project(call, school, project_name):
    """The call's applications of this school and project, compared as the database constraint compares them."""
    return call.applications.filter(school__iexact=school.strip(), project_name__iexact=project_name.strip())


def store_uploads(uploads):
    """Put uploads (validated temporary files) in private storage under generated keys; returns the keys in
    order. If one fails, the ones already written are removed and the error is raised: nothing is left
    half-stored."""
    storage = application_storage()
    keys = []
    try:
        for uploaded in uploads:
            keys.append(storage.save(new_key(extension_of(uploaded.name)), uploaded))
    except Exception as error:  # whatever the storage backend raises (OSError, botocore's errors, timeouts)
        logger.warning("Storing an application file failed (%s); nothing was saved", type(error).__name__)
        if not unreachable(error):  # else removing cannot succeed either: sweep_orphans does it later
            remove_stored(keys)
        raise StorageFailure from error
    return keys


def record_file(application, uploaded, key, field_name, field_label):
    return application.files.create(
        field_name=field_name,
        field_label=field_label,
        original_name=PurePath(uploaded.name).name[:255],
        key=key,
        size=uploaded.size,
        sha256=uploaded.sha256,
        content_type=uploaded.detected_type,
    )


def record_upload(application, upload, field_label):
    """An upload made ahead (direct.py) becomes one of the application's files: same key, no copy. The upload's
    row is deleted first: whoever deletes it (this, or a removal from the school's other tab) owns the object,
    so a removal at this moment cannot delete what the application now holds (direct.remove)."""
    claimed = type(upload).objects.filter(pk=upload.pk, state=upload.State.ACCEPTED).delete()[0]
    if not claimed:
        raise UploadGone
    return application.files.create(
        field_name=upload.field_name,
        field_label=field_label,
        original_name=upload.original_name,
        key=upload.key,
        size=upload.size,
        sha256=upload.sha256,
        content_type=upload.content_type,
    )


def remove_stored(keys):
    storage = application_storage()
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # the object may never have been written; a later cleanup finds any leftover
            logger.exception("Could not remove an orphaned application file")


def create_application(page, form):
    """Save the application and its files, all or nothing. Returns (application, created): a resent form (same
    token) returns the application it already made. Raises StorageFailure if a file cannot be stored and
    Duplicate if the school already has a counting application for the project (the database decides, so
    simultaneous submissions cannot both land). Files are stored before the transaction: no network I/O
    while rows are locked; a failed transaction removes them again."""
    Application = page.get_submission_class()
    data = form.cleaned_data
    token = data["submission_token"]
    existing = Application.objects.filter(submission_token=token).first()
    if existing is not None:
        return existing, False

    names = page.role_field_names()
    labels = {f.clean_name: f.label for f in page.get_form_fields()}
    files = form.files_by_field()  # posted with the form (no JavaScript): stored now
    uploaded = form.uploads_by_field()  # uploaded one by one beforehand (direct.py): already stored and checked
    form_data = {
        name: value
        for name, value in data.items()
        if name not in _NOT_DATA and name not in files and name not in uploaded and value is not None
    }
    for name in {*files, *uploaded}:
        form_data[name] = [u.original_name for u in uploaded.get(name, [])] + [
            PurePath(f.name).name for f in files.get(name, [])
        ]
    columns = roles.column_values(data, names, lambda name: Unit.objects.get(name=name))
    school, project_name = columns["school"], columns["project_name"]

    pending = [(name, uploaded) for name, uploads in files.items() for uploaded in uploads]
    stored_keys = store_uploads([u for _, u in pending])
    try:
        with transaction.atomic():
            # Lock the returned applications this one replaces: a stamped scan uploaded on one of them at this
            # moment waits, then finds it closed (views.replace_scan locks the same row).
            replaced = list(
                same_project(page.call, school, project_name)
                .filter(status=Status.RETURNED)
                .select_for_update(of=("self",))
                .values_list("pk", flat=True)
            )
            Application.objects.filter(pk__in=replaced).update(status=Status.SUPERSEDED)
            # A draft becomes the application: its reference is kept, the draft is gone.
            draft = page.drafts.select_for_update().filter(token=token).first()
            application = Application.objects.create(
                page=page,
                call=page.call,
                reference=draft.reference if draft else unused_reference(page),
                submission_token=token,
                **columns,
                form_data=_jsonable(form_data),
            )
            for name, uploads in uploaded.items():
                for upload in uploads:
                    record_upload(application, upload, labels.get(name, name))
            for (name, posted), key in zip(pending, stored_keys, strict=True):
                record_file(application, posted, key, name, labels.get(name, name))
            if draft is not None:
                draft.delete()
            audit.record(None, "submit", application=application, to_status=application.status)
            for old in Application.objects.filter(pk__in=replaced):
                old.replaced_by = application
                old.save(update_fields=["replaced_by", "updated_at"])
                audit.record(
                    None, "supersede", application=old, from_status=Status.RETURNED, to_status=Status.SUPERSEDED,
                    detail=f"学校重新申报，由 {application.reference} 替代",
                )
    except IntegrityError:
        remove_stored(stored_keys)
        existing = Application.objects.filter(submission_token=token).first()
        if existing is not None:
            return existing, False  # the same form, sent twice at once
        if duplicate_of(page, school, project_name, token) is not None:
            raise Duplicate from None
        raise
    except BaseException:
        remove_stored(stored_keys)
        raise
    # The office's email is a task: with PORTAL_TASKS=database the worker sends it, and while no worker runs it
    # waits in the database. Enqueued once the application is committed (robust: a failure to enqueue is logged,
    # the school still gets its receipt).
    transaction.on_commit(partial(notify_office.enqueue, application.pk), robust=True)
    return application, True


def unused_reference(page):
    """A reference number no application or draft has, of the call's year."""
    Application = page.get_submission_class()
    year = (page.call.date or timezone.localdate()).year
    for _ in range(10):
        reference = new_reference(year)
        if not (Application.objects.filter(reference=reference).exists() or page.drafts.model.objects.filter(
            reference=reference
        ).exists()):
            return reference
    raise RuntimeError("Could not find an unused reference number")


def _jsonable(data):
    return {k: (str(v) if not isinstance(v, (str, int, float, bool, list, type(None))) else v) for k, v in data.items()}


@task(backend="worker")
def notify_office(application_pk):
    """One email per application to the office's address, with no personal data in it: the reviewers read
    names and phone numbers in the admin. A mail server that fails makes the task fail (logged, and recorded
    with its traceback by the database backend); the application is saved whatever happens here."""
    Application = apps.get_model("applications", "Application")
    application = Application.objects.select_related("page", "unit").filter(pk=application_pk).first()
    if application is None:  # deleted before the task ran (purge_applications)
        return None
    page = application.page
    recipients = [a.strip() for a in page.to_address.split(",") if a.strip()]
    if not recipients:
        return None
    body = "\n".join(
        [
            f"收到新的申报：{application.reference}",
            f"申报单位：{application.unit.name}",
            f"申报学校：{application.school}",
            f"试点类别：{application.category}",
            f"试点项目名称：{application.project_name}",
        ]
    )
    send_mail(page.subject or f"新申报 {application.reference}", body, page.from_address or None, recipients)
    return application.reference
