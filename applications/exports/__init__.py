"""The review's exports: 附件3 汇总表 (.xlsx), 附件4 申请表 (.docx), the dossier ZIP and the plain listing.

Every function takes an already-filtered queryset: permissions are the caller's job.
"""
