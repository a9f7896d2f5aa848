"""Measure the activities pages on a large data set: the session form's page weight, the
time to save a session, and the lists' median times and SQL queries.

    export DEBUG=1 DATABASE_URL=sqlite:////tmp/bench.sqlite3   # or a PostgreSQL URL
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed --size large
    .venv/bin/python bench/activities.py [--runs 10]

It goes through the whole Django stack (middleware, sessions, templates) with the test
client, as the demo entrepreneur (entrepreneur@demo.entrepairs.fr) for the phone pages and
as a coordinator for the lists, against whatever database DATABASE_URL names. The sessions
it saves are deleted at the end (their audit trail stays). A page whose URL does not exist
yet is reported as "not built yet".
"""

import argparse
import datetime
import gzip
import os
import statistics
import sys
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

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
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from activities.enums import MissionKind, MissionStatus, SessionStatus, Theme  # noqa: E402
from activities.models import Mission, Session  # noqa: E402
from members.enums import Role  # noqa: E402
from members.models import User  # noqa: E402
from members.seed import DEMO_LOGINS  # noqa: E402

# The target for the session form: HTML, CSS and JS, compressed.
PAGE_WEIGHT_TARGET = 60 * 1024
# WhiteNoise compresses the static files at this level; the HTML is compressed alike.
GZIP_LEVEL = 9
SETUP_HINT = (
    "The database holds no sessions. Fill it first, for instance:\n"
    "  DEBUG=1 DATABASE_URL={url} .venv/bin/python manage.py migrate\n"
    "  DEBUG=1 DATABASE_URL={url} .venv/bin/python manage.py seed --size large\n"
    "then run this benchmark again."
)
NOT_BUILT = "not built yet"


class PageError(Exception):
    pass


def _url(name: str, *args, query: str = "") -> str | None:
    try:
        return reverse(name, args=args) + query
    except NoReverseMatch:
        return None


def _consume(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _get(client: Client, url: str):
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise PageError(f"answered {response.status_code}")
    return response


def measure(client: Client, url: str, runs: int) -> dict:
    """One run counting the queries, then `runs` timed runs."""
    # With DEBUG the connection keeps the last 9,000 queries: start from an empty log.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        size = _consume(_get(client, url))
    timings = []
    for _run in range(runs):
        started = time.perf_counter()
        _consume(_get(client, url))
        timings.append(time.perf_counter() - started)
    return {"median_ms": statistics.median(timings) * 1000, "queries": len(queries), "size": size}


class _Assets(HTMLParser):
    """The stylesheets and scripts a page links."""

    def __init__(self):
        super().__init__()
        self.stylesheets: list[str] = []
        self.scripts: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split():
            self.stylesheets.append(attrs.get("href") or "")
        elif tag == "script":
            if attrs.get("src"):
                self.scripts.append(attrs["src"])
            else:
                self.inline_scripts += 1


def _static_file(url: str) -> Path | None:
    """The file behind a static URL: from the app folders, or collected in STATIC_ROOT."""
    path = urlsplit(url).path
    if not path.startswith(settings.STATIC_URL):
        return None
    name = path[len(settings.STATIC_URL) :]
    found = finders.find(name)
    if found:
        return Path(found)
    collected = Path(settings.STATIC_ROOT) / name
    return collected if collected.exists() else None


def page_weight(client: Client, url: str) -> None:
    html = _get(client, url).content
    parser = _Assets()
    parser.feed(html.decode())
    rows = [("HTML", html)]
    for kind, urls in (("CSS", parser.stylesheets), ("JS", parser.scripts)):
        for asset in urls:
            path = _static_file(asset)
            if path is None:
                print(f"  {kind} {asset}: not found among the static files")
                continue
            rows.append((f"{kind} {path.name}", path.read_bytes()))
    total_raw = total_gzip = 0
    for label, content in rows:
        compressed = len(gzip.compress(content, GZIP_LEVEL))
        total_raw += len(content)
        total_gzip += compressed
        print(f"  {label:<32} {_kb(len(content)):>10} raw {_kb(compressed):>10} gzip")
    verdict = "under" if total_gzip <= PAGE_WEIGHT_TARGET else "OVER"
    print(
        f"  {'total':<32} {_kb(total_raw):>10} raw {_kb(total_gzip):>10} gzip "
        f"— {verdict} the {_kb(PAGE_WEIGHT_TARGET)} target"
    )
    if parser.inline_scripts:
        print(f"  {parser.inline_scripts} inline <script> (the CSP refuses them)")


def save_session(client: Client, url: str, mission: Mission, runs: int) -> None:
    """POST the session form as the phone does, with a new token each time (each POST
    saves a new session); the sessions saved are deleted afterwards."""
    postcode, commune = mission.client.postcode or "93100", mission.client.commune or "Montreuil"

    def data() -> dict:
        return {
            "client_token": str(uuid.uuid4()),
            "date": timezone.localdate().isoformat(),
            "start_time": "09:00",
            "duration": "120",
            "commune": commune,
            "postcode": postcode,
            "audience_people_in_care": "6",
            "audience_professionals": "2",
            "themes": [Theme.RISK_REDUCTION, Theme.PEER_SUPPORT],
            "kilometres": "12,5",
            "note": "Permanence calme, trois personnes reçues.",
        }

    before = set(Session.objects.filter(mission=mission).values_list("pk", flat=True))
    try:
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, data(), secure=True)
        if response.status_code != 302:
            raise PageError(f"answered {response.status_code} instead of a redirect")
        timings = []
        for _run in range(runs):
            posted = data()
            started = time.perf_counter()
            client.post(url, posted, secure=True)
            timings.append(time.perf_counter() - started)
        print(
            f"{'save a session (POST)':<38} {statistics.median(timings) * 1000:>7.1f} ms "
            f"{len(queries):>8}"
        )
    finally:
        # Their audiences and themes go with them.
        Session.objects.filter(mission=mission).exclude(pk__in=before).delete()


def _coordinator() -> User | None:
    """An active coordinator with two-factor set up (the site requires it of them)."""
    with_totp = User.objects.filter(
        role=Role.COORDINATOR,
        is_active=True,
        pk__in=Authenticator.objects.filter(type=Authenticator.Type.TOTP).values("user"),
    )
    return with_totp.annotate(followed=Count("members_followed")).order_by("-followed").first()


def _kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def _print_row(label: str, client: Client, url: str | None, runs: int) -> None:
    if url is None:
        print(f"{label:<38} {NOT_BUILT}")
        return
    try:
        result = measure(client, url, runs)
    except PageError as error:
        print(f"{label:<38} {url} {error}")
        return
    print(
        f"{label:<38} {result['median_ms']:>7.1f} ms {result['queries']:>8} "
        f"{_kb(result['size']):>10}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per page (median)")
    args = parser.parse_args()

    total = Session.objects.count()
    if not total:
        url = os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3")
        raise SystemExit(SETUP_HINT.format(url=url))
    entrepreneur = User.objects.filter(email=DEMO_LOGINS[Role.ENTREPRENEUR]).first()
    coordinator = _coordinator()
    if entrepreneur is None or coordinator is None:
        raise SystemExit("No demo entrepreneur or coordinator: run `manage.py seed --size large`.")
    mission = (
        Mission.objects.visible_to(entrepreneur)
        .filter(status=MissionStatus.IN_PROGRESS)
        .select_related("client")
        .order_by("-starts_on", "pk")
        .first()
    )
    if mission is None:
        raise SystemExit("The demo entrepreneur has no mission in progress: reseed.")
    phone, desk = Client(), Client()
    phone.force_login(entrepreneur)
    desk.force_login(coordinator)

    print(
        f"{connection.vendor}, {total:,} sessions, {Mission.objects.count():,} missions; "
        f"phone pages as {entrepreneur.email}, lists as {coordinator.email}; "
        f"median of {args.runs} runs\n"
    )
    form_url = _url("activities:session_log", mission.pk)
    print(f"Session form page weight ({form_url or NOT_BUILT}), gzip level {GZIP_LEVEL}:")
    if form_url is not None:
        try:
            page_weight(phone, form_url)
        except PageError as error:
            print(f"  {error}")
    print()

    header = f"{'page':<38} {'median':>10} {'queries':>8} {'size':>10}"
    print(header)
    print("-" * len(header))
    if form_url is None:
        print(f"{'save a session (POST)':<38} {NOT_BUILT}")
    else:
        try:
            save_session(phone, form_url, mission, args.runs)
        except PageError as error:
            print(f"{'save a session (POST)':<38} {error}")

    year_ago = (timezone.localdate() - datetime.timedelta(days=365)).isoformat()
    session_filters = (
        f"?status={SessionStatus.VALIDATED}&kind={MissionKind.PEER_MEDIATION}"
        f"&theme={Theme.RISK_REDUCTION}&territory=93&date_from={year_ago}"
    )
    mission_filters = (
        f"?status={MissionStatus.DELIVERED}&kind={MissionKind.PREVENTION_WORKSHOP}"
        f"&theme={Theme.CANNABIS}&territory=93"
    )
    pages = [
        ("session form (GET)", phone, form_url),
        ("my missions (entrepreneur)", phone, _url("activities:my_missions")),
        ("my sessions (entrepreneur)", phone, _url("activities:my_sessions")),
        ("session list, page 1", desk, _url("activities:session_list")),
        (
            "session list, filtered",
            desk,
            _url("activities:session_list", query=session_filters),
        ),
        ("mission list, page 1", desk, _url("activities:mission_list")),
        (
            "mission list, filtered",
            desk,
            _url("activities:mission_list", query=mission_filters),
        ),
        ("week", desk, _url("activities:week")),
    ]
    for label, client, url in pages:
        _print_row(label, client, url, args.runs)


if __name__ == "__main__":
    main()
