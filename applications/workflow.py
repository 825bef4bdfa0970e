"""Application states. Transitions and the quota rule are added with the review (see issue 4)."""

from django.db import models


class Status(models.TextChoices):
    AWAITING_SCAN = "awaiting_scan", "待上传盖章件"
    SUBMITTED = "submitted", "待县市区审核"
    RETURNED = "returned", "已退回"
    RECOMMENDED = "recommended", "已推荐，待市局审核"
    APPROVED = "approved", "已立项"
    DECLINED = "declined", "未立项"


def school_uploaded_scan(application):
    """The stamped form is in: the application goes (back) to the district for review."""
    if application.status in (Status.AWAITING_SCAN, Status.RETURNED):
        application.status = Status.SUBMITTED
        application.save(update_fields=["status", "updated_at"])
