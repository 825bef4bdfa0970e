"""Finding calls and their quota: the admin, the workflow and the commands all ask here.

A call is a NoticePage with a deadline. Applications of an unpublished call are still reviewed and exported,
so every call is listed; the *latest* call (the dashboard's and the exports' default) is the newest published
one, so that next year's call being drafted does not take over before it is out.
"""

from notices.models import NoticePage, QuotaAllocation, QuotaTablePage


def calls():
    return NoticePage.objects.filter(deadline__isnull=False).order_by("-deadline", "-pk")


def latest_call():
    return calls().live().first()


def find_call(slug=None):
    """The call with this slug, or the latest; LookupError (message for the user) if there is none."""
    if slug:
        call = calls().filter(slug=slug).first()
        if call is None:
            raise LookupError(f"找不到申报通知“{slug}”（请填写通知页面的 slug）。")
        return call
    call = latest_call()
    if call is None:
        raise LookupError("还没有发布带申报截止时间的通知。")
    return call


def quota_allocations(call):
    """Each unit's quota in this call, as published in its 附件1 (the table the public reads)."""
    return QuotaAllocation.objects.filter(page__in=QuotaTablePage.objects.child_of(call).live())


def quota(call, unit):
    allocation = quota_allocations(call).filter(unit=unit).first()
    return allocation.quota if allocation else 0
