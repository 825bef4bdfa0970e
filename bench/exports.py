"""Benchmark of the review's exports on a throwaway database: `.venv/bin/python bench/exports.py`.

1. summary_xlsx (附件3) for 2,000 applications against a bare openpyxl write of the same rows.
2. The dossier ZIP of 200 applications × 3 files of 1 MB, streamed to /dev/null.

Targets: summary_xlsx ≤ 2 × bare openpyxl; ZIP peak memory growth ≤ 100 MB.
"""

import hashlib
import io
import os
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="portal-bench-"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
# Set before settings load (they win over any .env file): nothing here touches var/.
os.environ["DATABASE_URL"] = f"sqlite:///{TMP / 'bench.sqlite3'}"
os.environ["PORTAL_PRIVATE_ROOT"] = str(TMP / "private")
os.environ["DJANGO_MEDIA_ROOT"] = str(TMP / "media")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from applications.apply.storage import application_storage  # noqa: E402
from applications.exports.dossier import dossier_stream  # noqa: E402
from applications.exports.xlsx import summary_rows, summary_xlsx  # noqa: E402
from applications.models import Application, ApplicationFile, ApplicationFormPage  # noqa: E402
from notices.models import NoticePage, Unit  # noqa: E402
from notices.seed import Loader, read_content  # noqa: E402

MB = 1024 * 1024
SUMMARY_ROWS = 2000
DOSSIER_APPLICATIONS = 200
FILES_EACH = 3


def maxrss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def measure(function, rounds=1):
    """(result, seconds, tracemalloc peak in MB, ru_maxrss growth in MB). Timed untraced, best of ``rounds``
    (tracemalloc slows allocation-heavy code like openpyxl several times over and adds its own memory); the
    peak comes from a further, traced run."""
    rss_before = maxrss_mb()
    seconds = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        result = function()
        seconds = min(seconds, time.perf_counter() - started)
    rss_growth = maxrss_mb() - rss_before
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1] / MB
    tracemalloc.stop()
    return result, seconds, peak, rss_growth


def set_up():
    # The media folder is a temp dir too: the seed writes the annex files there.
    settings.MEDIA_ROOT = str(TMP / "media")
    call_command("migrate", verbosity=0)
    Loader(read_content(), log=lambda *args: None).run()
    call = NoticePage.objects.get(slug="2019-pilot-projects")
    return call, call.get_children().type(ApplicationFormPage).first().specific


def make_applications(call, page, count, prefix):
    units = list(Unit.objects.all())
    now = timezone.now()
    Application.objects.bulk_create(
        Application(
            page=page,
            call=call,
            reference=f"{prefix}{i:05d}",
            submission_token=uuid.uuid4(),
            unit=units[i % len(units)],
            school=f"岳阳市第{i}中学",
            category="智慧课堂",
            project_name=f"基于平板电脑的课堂互动教学研究{i}",
            subtitle="以数学学科为例" if i % 3 == 0 else "",
            is_furong=i % 5 == 0,
            leader="张三",
            leader_phone="13800000001",
            contact="李四",
            contact_phone="13900000002",
            summary="以平板电脑开展课堂互动教学。" * 20,
            submitted_at=now - timezone.timedelta(minutes=i),
        )
        for i in range(count)
    )
    return Application.objects.filter(reference__startswith=prefix)


def bare_openpyxl(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bench_summary(call, page):
    applications = make_applications(call, page, SUMMARY_ROWS, "S")
    rows = summary_rows(applications)
    # Best of five each: single runs of a fraction of a second vary by half on a shared machine.
    data, seconds, peak, _ = measure(lambda: summary_xlsx(call, applications), rounds=5)
    _, bare_seconds, bare_peak, _ = measure(lambda: bare_openpyxl(rows), rounds=5)
    ratio = seconds / bare_seconds
    print(f"附件3 summary_xlsx, {SUMMARY_ROWS} rows (incl. the query): {seconds:.2f} s, {len(data) / 1024:.0f} KB, "
          f"tracemalloc peak {peak:.1f} MB, ru_maxrss {maxrss_mb():.0f} MB")
    print(f"bare openpyxl, same rows (no query, no styles): {bare_seconds:.2f} s, tracemalloc peak {bare_peak:.1f} MB")
    print(f"ratio {ratio:.2f}  (target ≤ 2)  {'OK' if ratio <= 2 else 'OVER TARGET'}")
    applications.delete()


def make_files(applications):
    storage = application_storage()
    files = []
    for application in applications:
        for n in range(FILES_EACH):
            data = os.urandom(MB)
            key = storage.save(f"bench/{uuid.uuid4().hex}.pdf", ContentFile(data))
            files.append(
                ApplicationFile(
                    application=application,
                    field_name=f"file{n}",
                    field_label=f"材料{n + 1}",
                    original_name=f"附件{n + 1}.pdf",
                    key=key,
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                    content_type="application/pdf",
                )
            )
    ApplicationFile.objects.bulk_create(files)


def bench_dossier(call, page):
    applications = make_applications(call, page, DOSSIER_APPLICATIONS, "D")
    make_files(applications)
    def stream():
        total = 0
        with open(os.devnull, "wb") as sink:
            for chunk in dossier_stream(call, applications, "申报材料"):
                sink.write(chunk)
                total += len(chunk)
        return total

    rss_before = maxrss_mb()
    total, seconds, peak, growth = measure(stream)
    print(f"dossier ZIP, {DOSSIER_APPLICATIONS} applications × {FILES_EACH} files of 1 MB: {seconds:.2f} s, "
          f"{total / MB:.0f} MB streamed ({total / MB / seconds:.0f} MB/s)")
    print(f"tracemalloc peak during the stream {peak:.1f} MB; ru_maxrss {rss_before:.0f} MB before, "
          f"growth {growth:.1f} MB over the untraced stream  (target ≤ 100 MB)  {'OK' if max(peak, growth) <= 100 else 'OVER TARGET'}")


def main():
    started = time.perf_counter()
    print(f"throwaway database and files in {TMP}")
    call, page = set_up()
    print(f"set-up (migrate + seed): {time.perf_counter() - started:.1f} s")
    bench_summary(call, page)
    bench_dossier(call, page)
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    try:
        main()
    finally:
        import shutil

        shutil.rmtree(TMP, ignore_errors=True)
