"""The JSON endpoints behind the form's one-by-one uploads (static/js/uploads.js; the protocol is direct.py).

Every endpoint is CSRF-checked (the script sends the token in a header) and throttled per client address. An
upload is reached by its random public id, which only the form that began it knows; beginning one needs the
form's submission token and an open form.
"""

import json
import uuid

from django.conf import settings
from django.http import Http404, JsonResponse, UnreadablePostError
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ..models import ApplicationFormPage, Upload
from . import direct, drafts
from .throttle import throttled

TOO_FREQUENT = "上传请求过于频繁，请稍后再试。"


def refusal(message, status=400):
    return JsonResponse({"error": message}, status=status)


def describe(upload, received=None):
    """What the script needs to show and continue an upload."""
    return {
        "id": str(upload.public_id),
        "field": upload.field_name,
        "name": upload.original_name,
        "size": upload.size,
        "state": upload.state,
        "state_label": upload.get_state_display(),
        "problem": upload.problem,
        "part_size": upload.part_size,
        "parts": upload.parts,
        "received": direct.received_parts(upload) if received is None else received,
    }


def open_upload(public_id, for_update=False):
    """The upload (of a form that is still open); 404 otherwise."""
    upload = get_object_or_404(Upload.objects.select_related("page"), public_id=public_id)
    page = upload.page.specific
    if for_update and not page.is_open():
        raise direct.Refused(page.window_message(), status=403)
    return upload


def answers(view):
    """Refused becomes a JSON error; throttled requests are refused before anything is done."""

    def wrapped(request, *args, **kwargs):
        if throttled(request, "uploads", settings.PORTAL_UPLOAD_RATE):
            return refusal(TOO_FREQUENT, 429)
        try:
            return view(request, *args, **kwargs)
        except direct.Refused as refused:
            return refusal(str(refused), refused.status)

    return never_cache(wrapped)


@require_http_methods(["POST"])
@answers
def begin(request, page_id):
    page = get_object_or_404(ApplicationFormPage.objects.live(), pk=page_id)
    if not page.is_open():
        return refusal(page.window_message(), 403)
    try:
        data = json.loads(request.body or b"{}")
        token = uuid.UUID(str(data["token"]))
        size = max(0, int(data["size"]))  # 0 is refused as an empty file, naming it
        modified = int(data["modified"]) if data.get("modified") is not None else None
        field, name = data["field"], data["name"]
        if not (isinstance(field, str) and isinstance(name, str)):
            raise TypeError
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError):  # RecursionError: JSON nested deep
        return refusal("请求不完整，请刷新页面后重试。")
    if modified is not None and not 0 <= modified < 2**53:  # a browser's lastModified: milliseconds since 1970
        modified = None
    if drafts.submitted(token):
        return refusal("本申报已提交，不能再上传文件。请刷新页面。", 409)
    upload, created = direct.begin(page, token, field, name, size, modified)
    drafts.remember_token(request, page, token)  # a reload of the form keeps its uploads
    answer = describe(upload, [] if created else None)
    missing = [n for n in range(1, upload.parts + 1) if n not in answer["received"]]
    if upload.state == Upload.State.UPLOADING and missing:
        # The URLs of every part still to send, valid PORTAL_UPLOAD_URL_SECONDS: one request, not one per part.
        urls, answer["same_origin"] = direct.part_urls(upload, missing)
        answer.update(urls={str(n): url for n, url in urls.items()}, expires_in=settings.PORTAL_UPLOAD_URL_SECONDS)
    return JsonResponse(answer, status=201)


@require_http_methods(["POST", "PUT"])
@answers
def part(request, public_id, number):
    """POST: a URL to write part ``number`` to. PUT: the part itself (only without a bucket)."""
    upload = open_upload(public_id, for_update=True)
    if request.method == "POST":  # a fresh URL: the one given at the start expired, or was refused
        urls, same_origin = direct.part_urls(upload, [number])
        return JsonResponse({"url": urls[number], "same_origin": same_origin})
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    try:
        direct.receive_part(upload, number, request, length)
    except UnreadablePostError:
        return refusal("上传中断，请继续上传。", 400)
    return JsonResponse({"received": number})


@require_http_methods(["POST"])
@answers
def finish(request, public_id):
    upload = direct.finish(open_upload(public_id, for_update=True))
    return JsonResponse(describe(upload))


@require_http_methods(["GET", "DELETE"])
@answers
def detail(request, public_id):
    upload = open_upload(public_id)
    if request.method == "DELETE":
        if drafts.submitted(upload.token):
            raise Http404  # a submitted file is the application's, not the form's
        direct.remove(upload)
        return JsonResponse({"removed": str(public_id)})
    return JsonResponse(describe(upload))
