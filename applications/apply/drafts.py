"""暂存: a form saved half-way, resumed from any browser.

A form is identified by its submission token (a random UUID in the page): the files uploaded one by one belong
to it, and so does its draft. The first save gives the draft a reference number; the school resumes it with that
number and the leader's mobile number (the status look-up's check), or by a signed link sent to an email
address it gives. Submitting the form turns the draft into the application (submission.create_application).
"""

import uuid
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urljoin

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django_tasks import task

from . import grants

PHONE_NEEDED = "暂存前请填写负责人手机号码：凭申报编号和这个号码，可以在任何电脑或手机上继续填写。"
ALREADY_SUBMITTED = "这份申报已经提交，不能再暂存。查看进度请使用“查询申报状态”。"
PAGE_EXPIRED = "页面已过期，请刷新页面后重新填写。"

SESSION_KEY = "portal_forms"  # {page id: the token of the form this browser is filling in}
LINK_SALT = "applications.draft-resume"
NOT_TYPED = {"csrfmiddlewaretoken", "submission_token", "website", "consent", "action", "remove_upload"}


@dataclass
class FormState:
    """What a form page request works on: the form's token, its draft if any, its uploads by field."""

    token: uuid.UUID
    draft: object = None
    uploads: dict = field(default_factory=dict)

    def uploads_of(self, name, *states):
        return [u for u in self.uploads.get(name, []) if not states or u.state in states]


def parse_token(value):
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def submitted(token):
    from ..models import Application

    return Application.objects.filter(submission_token=token).exists()


def belongs_elsewhere(token, page):
    """Whether a draft of another form page holds this token (a token is one form's: it never moves a draft)."""
    from ..models import Draft

    return Draft.objects.filter(token=token).exclude(page=page).exists()


def remember_token(request, page, token):
    forms = request.session.get(SESSION_KEY)
    forms = dict(forms) if isinstance(forms, dict) else {}
    if forms.get(str(page.pk)) != str(token):
        forms[str(page.pk)] = str(token)
        request.session[SESSION_KEY] = forms


def forget_token(request, page):
    forms = request.session.get(SESSION_KEY)
    if isinstance(forms, dict) and str(page.pk) in forms:
        request.session[SESSION_KEY] = {k: v for k, v in forms.items() if k != str(page.pk)}


def granted_draft(request, page, reference):
    """The page's draft with this reference, if this browser may open it; else None."""
    from ..models import Draft

    if reference not in grants.live_grants(request):
        return None
    return Draft.objects.filter(page=page, reference=reference).first()


def form_state(request, page):
    """The state of the form this request fills in: for a POST, the token it carries; for a GET, the draft
    asked for (``?draft=``, already granted) or the token this browser last used on this page, or a new one."""
    from ..models import Draft, Upload

    draft = None
    if request.method == "POST":
        token = parse_token(request.POST.get("submission_token"))
    else:
        reference = request.GET.get("draft")
        draft = granted_draft(request, page, reference) if reference else None
        token = draft.token if draft else parse_token((request.session.get(SESSION_KEY) or {}).get(str(page.pk)))
        if token is not None and draft is None and submitted(token):
            token = None  # that form was sent: this is a new one
    if token is None:
        return FormState(token=uuid.uuid4())
    if draft is None:
        draft = Draft.objects.filter(token=token, page=page).first()
    uploads = {}
    for upload in Upload.objects.filter(token=token, page=page):
        upload.page = page  # a check finished at submission reads the form's upload rules from the page served
        uploads.setdefault(upload.field_name, []).append(upload)
    return FormState(token=token, draft=draft, uploads=uploads)


def typed_values(form):
    """What the school typed, as it typed it (valid or not): the draft keeps it for the next visit."""
    from .forms import UploadField

    typed = {}
    for name, bound_field in form.fields.items():
        if name in NOT_TYPED or isinstance(bound_field, UploadField):
            continue
        values = form.data.getlist(name)
        if len(values) > 1 or getattr(bound_field.widget, "allow_multiple_selected", False):
            typed[name] = [str(v)[:5000] for v in values]
        elif values:
            typed[name] = str(values[0])[:5000]
    return typed


def save(page, form, state, request):
    """Save the draft of ``form`` (bound; its leader's mobile number is valid). Returns the Draft."""
    from ..models import Draft
    from .submission import unused_reference

    data = form.cleaned_data
    phone = data[page.role_field_names()["leader_phone"]]
    email = data.get("resume_email") or ""
    with transaction.atomic():
        draft = Draft.objects.select_for_update().filter(token=state.token, page=page).first()
        first_save = draft is None
        if first_save:
            draft = Draft(page=page, token=state.token, reference=unused_reference(page))
        send_link = bool(email) and (first_save or email != draft.email)
        draft.leader_phone, draft.email, draft.form_data = phone, email, typed_values(form)
        draft.save()
    grants.grant(request, draft.reference)
    remember_token(request, page, draft.token)
    if send_link:
        send_resume_link(request, draft)
    return draft


def saved_message(draft):
    return (
        f"草稿已暂存，申报编号：{draft.reference}。请记下这个编号：在任何电脑或手机上，凭申报编号和负责人手机号码即可"
        "继续填写。草稿不是申报，填写完成后请务必点击“提交申报”。"
    )


def lookup_url(reference, next_url):
    """The look-up form, with the reference filled in, that leads back to ``next_url`` once the mobile number
    matches."""
    from django.utils.http import urlencode

    return f"{reverse('applications:status_lookup')}?{urlencode({'reference': reference, 'next': next_url})}"


def resume_url(site_url, draft):
    return urljoin(site_url, reverse("applications:resume_draft", args=[signing.dumps(draft.reference, salt=LINK_SALT)]))


def link_reference(signed):
    """The reference a resume link names, or None if it is forged or older than the drafts' lifetime."""
    try:
        return signing.loads(signed, salt=LINK_SALT, max_age=settings.PORTAL_DRAFT_DAYS * 86400)
    except signing.BadSignature:
        return None


def send_resume_link(request, draft):
    """Email the school a link that opens the draft in any browser: by the task worker, like the office's email,
    so that a slow mail server does not hold up the school's save."""
    transaction.on_commit(partial(mail_resume_link.enqueue, draft.pk, request.build_absolute_uri("/")), robust=True)


@task(backend="worker")
def mail_resume_link(draft_pk, site_url):
    """The email itself (no personal data in it). A mail server that fails makes the task fail (logged, and
    recorded by the database backend); the draft is saved whatever happens here."""
    from ..models import Draft

    draft = Draft.objects.filter(pk=draft_pk).first()
    if draft is None or not draft.email:  # submitted, purged or its address removed before the task ran
        return None
    body = "\n".join([
        f"您的申报草稿已暂存，申报编号：{draft.reference}",
        "",
        "在任何电脑或手机上打开以下链接即可继续填写（链接 "
        f"{settings.PORTAL_DRAFT_DAYS} 天内有效，请勿转发）：",
        resume_url(site_url, draft),
        "",
        "也可以在申报表单页点击“继续填写草稿”，输入申报编号和负责人手机号码。",
        f"草稿超过 {settings.PORTAL_DRAFT_DAYS} 天未修改将被自动删除。草稿不是申报：填写完成后请务必点击“提交申报”。",
    ])
    send_mail(f"申报草稿 {draft.reference} 继续填写链接", body, None, [draft.email])
    return draft.reference
