"""Measure the peer-support data layer on a large data set: the mediator's list and the
person's page (the querysets and services those pages use), logging a meeting, the
lead's list and access log, the export, and the anonymous counts; then the pages
themselves over HTTP once they exist.

    export DEBUG=1 DATABASE_URL=sqlite:////tmp/bench.sqlite3   # or a PostgreSQL URL
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed --size large
    .venv/bin/python bench/peer_support.py [--runs 10]

It works as the peer mediator with the largest caseload (and shows the demo
entrepreneur's caseload), and as the peer-support lead, against whatever database
DATABASE_URL names. Everything runs in one transaction that is rolled back at the end:
the access-log rows the reads write and the meetings it logs leave no trace. A page
whose URL does not exist yet is reported as "not built yet".
"""

import argparse
import datetime
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
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
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from members.enums import Role, Stage  # noqa: E402
from members.models import User  # noqa: E402
from members.seed import DEMO_LOGINS  # noqa: E402
from peer_support import services  # noqa: E402
from peer_support.enums import MeetingMode  # noqa: E402
from peer_support.models import AccessLog, FollowUp, Goal, Meeting  # noqa: E402

PAGE_SIZE = 25
LOG_PAGE_SIZE = 50
NOT_BUILT = "not built yet"
SETUP_HINT = (
    "The database holds no follow-ups. Fill it first, for instance:\n"
    "  DEBUG=1 DATABASE_URL={url} .venv/bin/python manage.py migrate\n"
    "  DEBUG=1 DATABASE_URL={url} .venv/bin/python manage.py seed --size large\n"
    "then run this benchmark again."
)


class _Rollback(Exception):
    pass


def measure(work: Callable[[], object], runs: int) -> tuple[float, float, int]:
    """One run counting the queries, then `runs` timed runs: (median wall-clock ms,
    median CPU ms of this process, queries). On a busy machine the wall clock waits
    for other processes; the CPU time of Python (templates, decryption) does not (the
    database's own work counts in it on SQLite, not on PostgreSQL)."""
    # With DEBUG the connection keeps the last 9,000 queries: start from an empty log.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        work()
    timings, cpu = [], []
    for _run in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(timings) * 1000, statistics.median(cpu) * 1000, len(queries)


def row(label: str, work: Callable[[], object], runs: int) -> None:
    median, cpu, queries = measure(work, runs)
    print(f"{label:<46} {median:>9.1f} ms {cpu:>9.1f} ms {queries:>8}")


# --- What the pages will do -----------------------------------------------------------


def mediator_list(user: User) -> Callable[[], object]:
    """Page 1 of the mediator's list: the count for the pagination, the page with its
    figures, the names decrypted, and the page's access-log rows."""

    def work():
        followups = FollowUp.objects.visible_to(user).for_list()
        total = followups.count()
        page = list(followups[:PAGE_SIZE])
        names = [followup.display_name for followup in page]
        services.followup_list_read(actor=user, followups=page)
        return total, names

    return work


def person_page(user: User, pk: int) -> Callable[[], object]:
    """The person's page: the follow-up and everything it holds (for_page), every text
    decrypted, and the read written to the access log."""

    def work():
        followup = FollowUp.objects.visible_to(user).for_page().get(pk=pk)
        services.followup_read(actor=user, followup=followup)
        texts = [followup.display_name, followup.outcome_note]
        for meeting in followup.meetings.all():
            texts += [meeting.note, meeting.next_steps, meeting.led_by.first_name]
            texts += [goal.label for goal in meeting.goals.all()]
        for goal in followup.goals.all():
            texts += [goal.label] + [step.note for step in goal.progress.all()]
        texts += [referral.partner_name for referral in followup.referrals.all()]
        texts += [co.member.first_name for co in followup.comediations.all()]
        texts += [str(consent) for consent in followup.consents.all()]
        texts += [situation.housing for situation in followup.situations.all()]
        texts += [attendance.workshop.title for attendance in followup.workshop_attendances.all()]
        return texts

    return work


def log_meeting(user: User, followup: FollowUp) -> Callable[[], object]:
    def work():
        return services.meeting_log(
            actor=user,
            followup=followup,
            client_token=uuid.uuid4(),
            date=timezone.localdate(),
            duration_minutes=45,
            mode=MeetingMode.PHONE,
            note="Appel : il tient bon, rendez-vous au CSAPA jeudi.",
            next_steps="Le rappeler vendredi.",
        )

    return work


def access_log_page(lead: User) -> Callable[[], object]:
    def work():
        entries = AccessLog.objects.visible_to(lead).select_related("actor")
        return entries.count(), [str(entry.actor) for entry in entries[:LOG_PAGE_SIZE]]

    return work


def anonymous_counts() -> Callable[[], object]:
    today = timezone.localdate()
    start = today - datetime.timedelta(days=365)

    def work():
        return (
            FollowUp.objects.counts(start=start, end=today),
            FollowUp.objects.count_by("age_band"),
            Meeting.objects.between(start, today).count_by_mode(),
            Goal.objects.reached_by_kind(),
            FollowUp.objects.for_research().counts(start=start, end=today),
        )

    return work


# --- The pages, once built ------------------------------------------------------------


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _with_query(url: str | None, query: str) -> str | None:
    return None if url is None else f"{url}?{query}"


def http_row(label: str, client: Client, url: str | None, runs: int) -> None:
    if url is None:
        print(f"{label:<46} {NOT_BUILT}")
        return

    def work():
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return response.content

    try:
        row(label, work, runs)
    except RuntimeError as error:
        print(f"{label:<46} {error}")


# --- Who ------------------------------------------------------------------------------


def _busiest_mediator() -> User | None:
    """The peer mediator with the most follow-ups they may read."""
    return (
        User.objects.filter(
            role=Role.ENTREPRENEUR,
            is_active=True,
            member__is_peer_mediator=True,
        )
        .exclude(member__stage=Stage.EXITED)
        .annotate(
            caseload=Count(
                "member__peer_followups",
                filter=Q(member__peer_followups__erased_at__isnull=True),
            )
        )
        .order_by("-caseload", "pk")
        .first()
    )


def _lead() -> User | None:
    return User.objects.filter(
        role=Role.PEER_SUPPORT_LEAD,
        is_active=True,
        pk__in=Authenticator.objects.filter(type=Authenticator.Type.TOTP).values("user"),
    ).first()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per measure (median)")
    args = parser.parse_args()

    total = FollowUp.objects.count()
    if not total:
        url = os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3")
        raise SystemExit(SETUP_HINT.format(url=url))
    mediator, lead = _busiest_mediator(), _lead()
    if mediator is None or lead is None:
        raise SystemExit(
            "No peer mediator or peer-support lead: run `manage.py seed --size large`."
        )
    demo = User.objects.filter(email=DEMO_LOGINS[Role.ENTREPRENEUR]).first()
    caseload = FollowUp.objects.visible_to(mediator)
    biggest = caseload.annotate(n=Count("meetings")).order_by("-n", "pk").first()
    running = caseload.open().order_by("pk").first()

    print(
        f"{connection.vendor}, {total:,} follow-ups, {Meeting.objects.count():,} meetings, "
        f"{AccessLog.objects.count():,} access-log rows; median of {args.runs} runs"
    )
    print(
        f"mediator {mediator.email}: {caseload.count():,} follow-ups "
        f"({caseload.open().count()} open); the biggest has {biggest.n} meetings"
    )
    if demo is not None:
        print(f"demo entrepreneur: {FollowUp.objects.visible_to(demo).count()} follow-ups")
    print()
    header = f"{'measure':<46} {'median':>12} {'cpu':>12} {'queries':>8}"
    print(header)
    print("-" * len(header))
    try:
        with transaction.atomic():
            row("mediator's list, page 1 (queryset)", mediator_list(mediator), args.runs)
            row("person's page (queryset + read log)", person_page(mediator, biggest.pk), args.runs)
            if running is not None:
                row("log a meeting (service)", log_meeting(mediator, running), args.runs)
            row("lead's list, page 1 (queryset)", mediator_list(lead), args.runs)
            row("lead's access log, page 1", access_log_page(lead), args.runs)
            row(
                "export of the biggest follow-up (JSON)",
                lambda: services.followup_export(actor=lead, followup=biggest),
                args.runs,
            )
            row(
                "export of the biggest follow-up (PDF)",
                lambda: services.followup_export_pdf(actor=lead, followup=biggest),
                max(1, args.runs // 5),
            )
            row("anonymous counts (12 months, all)", anonymous_counts(), args.runs)

            phone, desk = Client(), Client()
            phone.force_login(mediator)
            desk.force_login(lead)
            print()
            http_row("mediator's list (HTTP)", phone, _url("peer_support:followup_list"), args.runs)
            http_row(
                "person's page (HTTP)",
                phone,
                _url("peer_support:followup_detail", biggest.pk),
                args.runs,
            )
            http_row(
                "mediator's list, name search (HTTP)",
                phone,
                _with_query(_url("peer_support:followup_list"), "q=a"),
                args.runs,
            )
            http_row(
                "meeting form (HTTP)",
                phone,
                _url("peer_support:meeting_log", running.pk) if running is not None else None,
                args.runs,
            )
            http_row("lead's list (HTTP)", desk, _url("peer_support:followup_list"), args.runs)
            http_row(
                "lead's list, last 12 months (HTTP)",
                desk,
                _with_query(
                    _url("peer_support:followup_list"),
                    f"start={timezone.localdate() - datetime.timedelta(days=365):%Y-%m-%d}",
                ),
                args.runs,
            )
            http_row(
                "person's page as the lead (HTTP)",
                desk,
                _url("peer_support:followup_detail", biggest.pk),
                args.runs,
            )
            http_row("lead's access log (HTTP)", desk, _url("peer_support:access_log"), args.runs)
            http_row("anonymous counts (HTTP)", desk, _url("peer_support:counts"), args.runs)
            raise _Rollback
    except _Rollback:
        pass


if __name__ == "__main__":
    main()
