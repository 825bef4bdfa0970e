"""Builds the site tree from a structured content file (notices/content/*.json). Every step is get-or-create:
loading the same content twice changes nothing."""

import datetime
import json
from pathlib import Path

from django.db import transaction
from django.dispatch import Signal
from wagtail.models import Page, Site

from home.models import HomePage, PortalSettings

from .models import (
    ApplicationTemplatePage,
    NoticeIndexPage,
    NoticePage,
    OutlinePage,
    PilotCategory,
    QuotaAllocation,
    QuotaTablePage,
    SummaryTablePage,
    TopicGuidePage,
    Unit,
)
from .moderation import assign, notice_workflow

# Sent after a call and its annexes are built, so that other apps add their pages from the same content file
# (kwargs: loader, notice, content (the call's dict), slug_prefix, title_prefix, now).
call_loaded = Signal()

CONTENT_DIR = Path(__file__).resolve().parent / "content"
CALL_2019 = CONTENT_DIR / "call-2019.json"


def read_content(path=CALL_2019):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def stream_sections(sections):
    """Content-file sections -> StreamField data. An item is text, or {number, text} where the document numbers
    it irregularly."""
    data = []
    for section in sections:
        items = [item if isinstance(item, dict) else {"number": "", "text": item} for item in section["items"]]
        data.append(
            {
                "type": "section",
                "value": {"heading": section["heading"], "paragraphs": section["paragraphs"], "items": items},
            }
        )
    return data


def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


class Loader:
    def __init__(self, content, log=print):
        self.content = content
        self.log = log

    @transaction.atomic
    def run(self):
        self.load_units()
        home = self.load_home()
        self.load_settings()
        index = self.load_index(home)
        return [self.load_call(index, call) for call in self.content["calls"]]

    def load_units(self):
        for order, unit in enumerate(self.content["units"]):
            _, created = Unit.objects.get_or_create(
                name=unit["name"], defaults={"kind": unit["kind"], "sort_order": order}
            )
            if created:
                self.log(f"单位：{unit['name']}")

    def load_home(self):
        home = HomePage.objects.first()
        if home is not None:
            return home
        data = self.content["home"]
        root = Page.get_first_root_node()
        if root.title == "Root":  # Wagtail's migration names it in English; the admin's breadcrumbs show it
            root.title = root.draft_title = "全部页面"
            root.save(update_fields=["title", "draft_title"])
        # Wagtail's first migration makes a placeholder page at the site root: the portal's home replaces it.
        placeholders = list(Page.objects.filter(depth=2, content_type__model="page"))
        home = HomePage(title=data["title"], slug="home", bureau_name=data["bureau_name"], intro=data["intro"])
        for placeholder in placeholders:
            placeholder.slug = f"{placeholder.slug}-placeholder"
            placeholder.save()
        publish(root, home)
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": data["title"]},
        )
        for placeholder in placeholders:
            placeholder.delete()
        self.log(f"首页：{home.title}")
        return home

    def load_settings(self):
        """The site's header, footer and notice meta line name the bureau of the content file; an editor changes
        them under 设置 → 门户设置."""
        site = Site.objects.filter(is_default_site=True).first()
        bureau = self.content["home"]["bureau_name"]
        if site is not None:
            PortalSettings.objects.get_or_create(
                site=site, defaults={"bureau_name": bureau, "host": bureau, "notice_publisher": bureau}
            )

    def load_index(self, home):
        data = self.content["index"]
        index = NoticeIndexPage.objects.child_of(home).filter(slug=data["slug"]).first()
        if index is None:
            index = publish(home, NoticeIndexPage(title=data["title"], slug=data["slug"], intro=data["intro"]))
            workflow = notice_workflow()  # made by setup_portal, if it ran before the content was loaded
            if workflow is not None:
                assign(workflow, [index])
            self.log(f"栏目：{index.title}")
        return index

    def load_demo(self, now):
        """A clearly labelled copy of the first call whose form is open for the next 30 days (dev only)."""
        index = self.load_index(self.load_home())
        return self.load_call(index, self.content["calls"][0], slug_prefix="demo-", title_prefix="【演示】", now=now)

    def load_call(self, index, call, slug_prefix="", title_prefix="", now=None):
        """Build one call. With ``now`` (the demo), the dates are moved so that its form is open."""
        data = dict(call["notice"])
        if now is not None:
            data.update(
                date=now.date().isoformat(),
                signature_date=now.date().isoformat(),
                deadline=(now + datetime.timedelta(days=30)).isoformat(),
            )
        slug = slug_prefix + data["slug"]
        existing = NoticePage.objects.child_of(index).filter(slug=slug).first()
        if existing is not None:
            self.log(f"已存在，未改动：{existing.title}")
            return existing
        notice = NoticePage(
            title=title_prefix + data["title"],
            slug=slug,
            issuer=data["issuer"],
            date=datetime.date.fromisoformat(data["date"]),
            recipients=data["recipients"],
            preamble=data["preamble"],
            body=stream_sections(data["body"]),
            contact_department=data["contact_department"],
            contact_names=data["contact_names"],
            contact_phone=data["contact_phone"],
            contact_email=data["contact_email"],
            deadline=datetime.datetime.fromisoformat(data["deadline"]),
            download_url=data["download_url"],
            signature=data["signature"],
            signature_date=datetime.date.fromisoformat(data["signature_date"]),
        )
        publish(index, notice)
        self.log(f"通知：{notice.title}")
        for build in (self.quota_table, self.topic_guide, self.summary_table, self.application_template, self.outline):
            page = build(call)
            page.slug = slug_prefix + page.slug
            page.title = title_prefix + page.title
            publish(notice, page)  # publishing generates its download (annex_downloads)
            self.log(f"  附件{page.annex_number}：{page.title}")
        call_loaded.send(
            sender=type(self), loader=self, notice=notice, content=call,
            slug_prefix=slug_prefix, title_prefix=title_prefix, now=now,
        )
        return notice

    @staticmethod
    def _annex_fields(data):
        return {
            "title": data["title"],
            "slug": data["slug"],
            "annex_number": data["annex_number"],
            "heading": data.get("heading", ""),
            "subtitle": data.get("subtitle", ""),
        }

    def quota_table(self, call):
        data = call["quota_table"]
        units = {unit.name: unit for unit in Unit.objects.all()}
        page = QuotaTablePage(
            **self._annex_fields(data),
            unit_column=data["unit_column"],
            quota_column=data["quota_column"],
            total_label=data["total_label"],
        )
        page.quotas = [
            QuotaAllocation(unit=units[name], quota=quota, sort_order=i) for i, (name, quota) in enumerate(data["quotas"])
        ]
        return page

    def topic_guide(self, call):
        data = call["topic_guide"]
        page = TopicGuidePage(**self._annex_fields(data), applicants=data["applicants"])
        page.categories = [PilotCategory(sort_order=i, **category) for i, category in enumerate(data["categories"])]
        return page

    def summary_table(self, call):
        data = dict(call["summary_table"])
        fields = self._annex_fields(data)
        extra = {k: v for k, v in data.items() if k not in fields and k != "subtitle"}
        return SummaryTablePage(**fields, **extra)

    def application_template(self, call):
        data = call["application_template"]
        return ApplicationTemplatePage(**self._annex_fields(data), footnote=data["footnote"])

    def outline(self, call):
        data = call["outline"]
        return OutlinePage(**self._annex_fields(data), body=stream_sections(data["body"]))
