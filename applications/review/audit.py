"""The audit trail: one function records every review step, export and download."""

from django.apps import apps

from ..states import ACTION_LABELS as REVIEW_LABELS

ACTION_LABELS = {
    "submit": "学校提交",
    "upload_scan": "学校上传盖章件",
    "supersede": "学校重新申报，原申报关闭",
    **REVIEW_LABELS,
    "download": "下载文件",
    "export": "导出",
    "results": "生成立项名单",
    "purge": "保存期满删除",
}


def record(user, action, *, application=None, call=None, from_status="", to_status="", opinion="", detail=""):
    # Looked up in the app registry: submission and the review record entries, and models imports submission.
    return apps.get_model("applications", "AuditEntry").objects.create(
        actor=user if user is not None and user.is_authenticated else None,
        action=action,
        application=application,
        call=call or (application.call if application is not None else None),
        from_status=from_status,
        to_status=to_status,
        opinion=opinion,
        detail=detail[:500],
    )

