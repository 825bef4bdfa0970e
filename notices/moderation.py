"""Moderated publishing of the calls: Wagtail's own workflow models, set up in code.

Editors save and submit a notice, an annex or the online form for 审核发布 (``submit for moderation``); a member of
the approving group (the office head) approves it, which publishes it (at its go-live date if one is set:
``manage.py publish_scheduled`` then makes it live), or sends it back with a comment. Until then the public sees
the last approved version.

The workflow 通知发布审核 (one task, 审核发布) is assigned to every 通知公告 index page, so every call below it is
moderated, and to the site's home page, so that no page is left without a way to be published. Wagtail's own
migration makes a workflow “Moderators approval” for its English “Moderators” group on the root page; nobody is in
that group here, so it is renamed in Chinese and deactivated. Everything is get-or-create: safe to run again.
"""

from django.db import transaction
from wagtail.models import GroupApprovalTask, Site, Workflow, WorkflowPage, WorkflowTask

WORKFLOW_NAME = "通知发布审核"
TASK_NAME = "审核发布"
WAGTAIL_DEFAULT_NAME = "Moderators approval"
RETIRED_DEFAULT_NAME = "Wagtail默认审核（已停用）"


def notice_workflow():
    return Workflow.objects.filter(name=WORKFLOW_NAME).first()


def moderated_roots():
    """The pages the workflow is assigned to: every 通知公告 index page and the sites' home pages."""
    from .models import NoticeIndexPage

    pages = list(NoticeIndexPage.objects.all())
    pages += [site.root_page for site in Site.objects.select_related("root_page")]
    return pages


def assign(workflow, pages):
    """Give each page the workflow unless an administrator has assigned it another one."""
    for page in pages:
        WorkflowPage.objects.get_or_create(page=page, defaults={"workflow": workflow})


def retire_wagtail_default():
    for task in GroupApprovalTask.objects.filter(name=WAGTAIL_DEFAULT_NAME):
        task.name = RETIRED_DEFAULT_NAME
        task.save(update_fields=["name"])
        if task.active:
            task.deactivate()
    for workflow in Workflow.objects.filter(name=WAGTAIL_DEFAULT_NAME):
        workflow.name = RETIRED_DEFAULT_NAME
        workflow.save(update_fields=["name"])
        if workflow.active:
            workflow.deactivate()  # also removes its page assignments


@transaction.atomic
def ensure_notice_workflow(approvers):
    """The workflow 通知发布审核 whose one task 审核发布 is approved by the group ``approvers``."""
    retire_wagtail_default()
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    elif not task.active:
        task.active = True
        task.save(update_fields=["active"])
    task.groups.add(approvers)
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    if not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    assign(workflow, moderated_roots())
    return workflow
