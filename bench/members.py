"""Time the members pages on a large data set: median time over N runs, SQL queries per
page, and the peak memory of the CSV export.

    DEBUG=1 DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py migrate
    DEBUG=1 DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py seed --size large
    DEBUG=1 DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/members.py [--runs 10]

It goes through the whole Django stack (middleware, sessions, templates) with the test
client, logged in as a coordinator, against whatever database DATABASE_URL names.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")
# The test client calls itself "testserver".
_hosts = [
    host for host in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if host
]
os.environ["ALLOWED_HOSTS"] = ",".join([*_hosts, "testserver"])

import django  # noqa: E402

django.setup()

from allauth.mfa.models import Authenticator  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from members.enums import Activity, Role, Stage  # noqa: E402
from members.models import Member, User  # noqa: E402

SETUP_HINT = (
    "The database holds no members. Fill it first, for instance:\n"
    "  DEBUG=1 DATABASE_URL={url} .venv/bin/python manage.py migrate\n"
    "  DEBUG=1 DATABASE_URL={url} .venv/bin/python manage.py seed --size large\n"
    "then run this benchmark again."
)


def _consume(response) -> int:
    """Read the whole body (a streamed one chunk by chunk, keeping none) and return its size."""
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _get(client: Client, url: str):
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}; expected 200.")
    return response


def measure(client: Client, url: str, runs: int) -> dict:
    """One run counting the queries, then `runs` timed runs."""
    # With DEBUG the connection keeps the last 9,000 queries: start from an empty log so
    # that the count is not capped by it.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        size = _consume(_get(client, url))
    timings = []
    for _run in range(runs):
        started = time.perf_counter()
        _consume(_get(client, url))
        timings.append(time.perf_counter() - started)
    return {
        "median_ms": statistics.median(timings) * 1000,
        "queries": len(queries),
        "bytes": size,
    }


def peak_memory(client: Client, url: str) -> int:
    """Peak Python memory while the whole response is produced and read."""
    tracemalloc.start()
    try:
        _consume(_get(client, url))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _coordinator() -> User | None:
    """An active coordinator with two-factor set up (the site requires it of them)."""
    with_totp = User.objects.filter(
        role=Role.COORDINATOR,
        is_active=True,
        pk__in=Authenticator.objects.filter(type=Authenticator.Type.TOTP).values("user"),
    )
    return with_totp.annotate(followed=Count("members_followed")).order_by("-followed").first()


def _human_bytes(size: int) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per page (median)")
    args = parser.parse_args()

    total = Member.objects.count()
    if not total:
        url = os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3")
        raise SystemExit(SETUP_HINT.format(url=url))
    coordinator = _coordinator()
    if coordinator is None:
        raise SystemExit(
            "No active coordinator with two-factor set up: run `manage.py seed --size large`."
        )
    client = Client()
    client.force_login(coordinator)

    list_url = reverse("members:member_list")
    export_url = reverse("members:member_export")
    contract_end = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    filters = (
        f"?stage={Stage.CAPE}&activity={Activity.PREVENTION}&contract_end_before={contract_end}"
    )
    search = "?q=ma&include_exited=on"
    pages = [
        ("member list, page 1", list_url),
        ("member list, last page", None),  # filled below, once the count is known
        ("member list, filtered", list_url + filters),
        ("member list, name search", list_url + search),
        ("CSV export, all current members", export_url),
        ("CSV export, filtered", export_url + filters),
        ("dashboard", reverse("members:dashboard")),
        ("dashboard, only mine", reverse("members:dashboard") + "?mine=1"),
    ]
    last_page = max(1, -(-Member.objects.current().count() // 50))
    pages[1] = ("member list, last page", f"{list_url}?page={last_page}")
    busiest = (
        Member.objects.annotate(appointments_count=Count("appointments"))
        .order_by("-appointments_count", "pk")
        .first()
    )
    try:
        pages.append(
            ("member page (most appointments)", reverse("members:member_detail", args=[busiest.pk]))
        )
    except NoReverseMatch:
        print("members:member_detail does not exist yet: the member page is skipped.")

    print(
        f"{connection.vendor}, {total} members ({Member.objects.current().count()} current), "
        f"as coordinator {coordinator.email}, median of {args.runs} runs\n"
    )
    header = f"{'page':<34} {'median':>10} {'queries':>8} {'size':>10}"
    print(header)
    print("-" * len(header))
    for label, url in pages:
        result = measure(client, url, args.runs)
        print(
            f"{label:<34} {result['median_ms']:>7.1f} ms {result['queries']:>8} "
            f"{_human_bytes(result['bytes']):>10}"
        )
    peak = peak_memory(client, export_url)
    print(f"\nCSV export of all current members: peak Python memory {_human_bytes(peak)}")


if __name__ == "__main__":
    main()
