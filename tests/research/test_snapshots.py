"""The monthly cycle: one snapshot per programme and period, whoever asks and however
often; a re-run is a new version; a report is sent once; an outage of the broker delays
the month's run, never loses it."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from research.enums import PeriodKind, SnapshotStatus
from research.models import Snapshot
from research.services import snapshots
from research.tasks_reports import monthly_snapshots, snapshot_make
from tests.members.factories import ProgrammeFactory, UserFactory
from tests.research.factories import FunderContactFactory, FunderFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 1)
OCTOBER = (datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))
FAKE_DATA = {"tables": {}, "indicators": [], "threshold": 11, "previous": None}


@pytest.fixture
def cycle(monkeypatch, settings, tmp_path):
    """The cycle with its two heavy steps replaced: the figures (their own tests are in
    test_publication / test_disclosure) and the PDF (test_report_pdf). Counts calls."""
    settings.MEDIA_ROOT = tmp_path
    calls = {"compute": 0, "render": 0}

    def compute(programme, start, end, *, previous=None, progress=None):
        calls["compute"] += 1
        if progress is not None:
            progress(50, "Calcul des indicateurs")
        return dict(FAKE_DATA, previous=previous.pk if previous else None)

    def render(snapshot):
        calls["render"] += 1
        return b"%PDF-1.7\n% rapport de test\n"

    monkeypatch.setattr(snapshots, "publication_compute", compute)
    monkeypatch.setattr(snapshots, "_render_pdf", render)
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    return calls


def _programme(**kwargs):
    kwargs.setdefault("starts_on", datetime.date(2026, 1, 1))
    return ProgrammeFactory(**kwargs)


def test_periods():
    assert snapshots.month_bounds(2026, 2) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 28),
    )
    assert snapshots.previous_month(datetime.date(2026, 1, 15)) == (
        datetime.date(2025, 12, 1),
        datetime.date(2025, 12, 31),
    )
    assert snapshots.period_kind_of(*OCTOBER) == PeriodKind.MONTH
    assert (
        snapshots.period_kind_of(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
        == PeriodKind.YEAR
    )
    assert (
        snapshots.period_kind_of(datetime.date(2025, 1, 1), datetime.date(2025, 3, 31))
        == PeriodKind.CUSTOM
    )


def test_a_period_is_asked_for_once_finished(cycle):
    programme = _programme()
    with pytest.raises(snapshots.SnapshotError):
        snapshots.snapshot_request(
            programme=programme, start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 30)
        )
    with pytest.raises(snapshots.SnapshotError):
        snapshots.snapshot_request(programme=programme, start=OCTOBER[1], end=OCTOBER[0])


def test_running_the_task_twice_makes_one_snapshot_computed_once(cycle):
    programme = _programme()
    snapshot = snapshots.snapshot_request(programme=programme, start=OCTOBER[0], end=OCTOBER[1])
    again = snapshots.snapshot_request(programme=programme, start=OCTOBER[0], end=OCTOBER[1])
    assert again.pk == snapshot.pk

    assert snapshot_make.apply(args=[snapshot.pk]).get() == SnapshotStatus.READY
    assert snapshot_make.apply(args=[snapshot.pk]).get() == SnapshotStatus.READY

    assert Snapshot.objects.count() == 1
    assert cycle == {"compute": 1, "render": 1}
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.READY
    assert snapshot.progress == 100
    assert snapshot.pdf_sha256 and len(snapshot.pdf_sha256) == 64
    assert snapshot.data == FAKE_DATA


def test_a_worker_that_died_midway_leaves_the_build_to_the_next_delivery(
    cycle, monkeypatch, settings
):
    """acks_late: the message of a killed worker is delivered again after the broker's
    visibility timeout. The figures were not written (one transaction at the end); the
    dead worker's claim has expired by then, and the next delivery builds them once."""
    programme = _programme()
    snapshot = snapshots.snapshot_request(programme=programme, start=OCTOBER[0], end=OCTOBER[1])

    def killed(snapshot):
        raise SystemExit("worker killed")  # not an Exception: nothing is cleaned up

    monkeypatch.setattr(snapshots, "_render_pdf", killed)
    with pytest.raises(SystemExit):
        snapshot_make.apply(args=[snapshot.pk], throw=True)
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.BUILDING
    assert snapshot.data == {} and not snapshot.pdf

    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert datetime.timedelta(seconds=visibility) > snapshots.STALE_AFTER
    Snapshot.objects.filter(pk=snapshot.pk).update(
        claimed_at=timezone.now() - datetime.timedelta(seconds=visibility)
    )
    monkeypatch.setattr(snapshots, "_render_pdf", lambda snapshot: b"%PDF-1.7\n")
    assert snapshot_make.apply(args=[snapshot.pk]).get() == SnapshotStatus.READY
    assert Snapshot.objects.count() == 1
    assert cycle["compute"] == 2


def test_a_build_claimed_by_a_live_worker_is_not_taken_twice(cycle):
    programme = _programme()
    snapshot = snapshots.snapshot_request(programme=programme, start=OCTOBER[0], end=OCTOBER[1])
    assert snapshots.snapshot_claim(snapshot_id=snapshot.pk)
    assert not snapshots.snapshot_claim(snapshot_id=snapshot.pk)
    snapshots.snapshot_build(snapshot_id=snapshot.pk)
    assert cycle["compute"] == 0
    # A claim older than the stale delay lost its worker: it may be taken again.
    Snapshot.objects.filter(pk=snapshot.pk).update(
        claimed_at=timezone.now() - snapshots.STALE_AFTER - datetime.timedelta(minutes=1)
    )
    snapshots.snapshot_build(snapshot_id=snapshot.pk)
    assert cycle["compute"] == 1


def test_a_failing_build_is_marked_failed_when_retries_are_over(cycle, monkeypatch):
    programme = _programme()
    snapshot = snapshots.snapshot_request(programme=programme, start=OCTOBER[0], end=OCTOBER[1])

    def broken(*args, **kwargs):
        raise RuntimeError("base indisponible")

    monkeypatch.setattr(snapshots, "publication_compute", broken)
    assert snapshot_make.apply(args=[snapshot.pk]).get() == SnapshotStatus.FAILED
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.FAILED
    assert "base indisponible" in snapshot.error


def test_a_rerun_is_a_new_version_and_keeps_the_old_one(cycle):
    coordinator = UserFactory(coordinator=True)
    programme = _programme()
    first = snapshots.snapshot_request(programme=programme, start=OCTOBER[0], end=OCTOBER[1])
    snapshot_make.apply(args=[first.pk])
    second = snapshots.snapshot_rerun(snapshot=first, actor=coordinator)
    assert second.version == 2 and second.is_current and second.status == SnapshotStatus.BUILDING
    first.refresh_from_db()
    assert not first.is_current and first.status == SnapshotStatus.READY
    # A version of the period is being built: no third one meanwhile.
    with pytest.raises(snapshots.SnapshotError):
        snapshots.snapshot_rerun(snapshot=second, actor=coordinator)
    snapshot_make.apply(args=[second.pk])
    third = snapshots.snapshot_rerun(snapshot=first, actor=coordinator)
    assert third.version == 3
    assert Snapshot.objects.filter(is_current=True).count() == 1


def test_a_report_is_sent_once_to_funder_contacts_and_coordinators(cycle):
    programme = _programme(name="Programme Pairs 93")
    funder = FunderFactory(name="ARS Île-de-France")
    funder.programmes.add(programme)
    FunderContactFactory(funder=funder, email="suivi@ars.example.org")
    FunderContactFactory(funder=funder, email="archive@ars.example.org", receives_reports=False)
    UserFactory(coordinator=True, email="coordination@exemple.fr")
    snapshot = snapshots.snapshot_request(programme=programme, start=OCTOBER[0], end=OCTOBER[1])
    snapshot_make.apply(args=[snapshot.pk])
    mail.outbox = []

    assert snapshots.snapshot_send(snapshot_id=snapshot.pk)
    assert not snapshots.snapshot_send(snapshot_id=snapshot.pk)

    funders_mail, coordinators_mail = mail.outbox
    assert funders_mail.to == ["suivi@ars.example.org"]
    assert "Programme Pairs 93" in funders_mail.subject and "octobre 2026" in funders_mail.subject
    assert "/espace-financeur/" in funders_mail.body
    ((name, content, mimetype),) = funders_mail.attachments
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    assert coordinators_mail.bcc == ["coordination@exemple.fr"]
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.SENT and snapshot.sent_at is not None


def test_the_monthly_run_builds_and_sends_the_month_once(cycle):
    programme = _programme(starts_on=datetime.date(2026, 9, 15))
    funder = FunderFactory()
    funder.programmes.add(programme)
    FunderContactFactory(funder=funder)
    _programme(starts_on=datetime.date(2026, 11, 1))  # starts today: nothing finished yet
    _programme(starts_on=datetime.date(2025, 1, 1), ends_on=datetime.date(2025, 6, 30))
    mail.outbox = []

    monthly_snapshots.apply()
    monthly_snapshots.apply()

    # September (caught up, released without e-mail) and October (e-mailed), once each.
    made = Snapshot.objects.order_by("period_start")
    assert [(s.period_start.month, s.status) for s in made] == [
        (9, SnapshotStatus.SENT),
        (10, SnapshotStatus.SENT),
    ]
    assert cycle["compute"] == 2
    funder_mails = [m for m in mail.outbox if m.to]
    assert len(funder_mails) == 1 and "octobre 2026" in funder_mails[0].subject


def test_when_the_broker_is_down_the_month_is_run_when_it_is_back(cycle, settings, monkeypatch):
    from research import tasks_reports

    programme = _programme(starts_on=datetime.date(2026, 10, 1))

    def unreachable(*args, **kwargs):
        raise OSError("Connection refused")

    monkeypatch.setattr(tasks_reports.snapshot_make, "delay", unreachable)
    assert monthly_snapshots.apply().get() == 1  # the run itself does not fail
    snapshot = Snapshot.objects.get(programme=programme)
    assert snapshot.status == SnapshotStatus.BUILDING and cycle["compute"] == 0

    monkeypatch.undo()
    monkeypatch.setattr(snapshots, "publication_compute", lambda *a, **k: FAKE_DATA)
    monkeypatch.setattr(snapshots, "_render_pdf", lambda s: b"%PDF-1.7\n")
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY + datetime.timedelta(days=1))
    monthly_snapshots.apply()
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.SENT
    assert Snapshot.objects.count() == 1


def test_the_beat_runs_the_month_at_six_in_paris():
    from coop.celery import app

    entry = app.conf.beat_schedule["research-monthly-snapshots"]
    assert entry["task"] == "research.tasks_reports.monthly_snapshots"
    assert entry["schedule"].hour == {6} and entry["schedule"].minute == {0}
    assert app.conf.timezone == "Europe/Paris"
    assert snapshot_make.acks_late and snapshot_make.reject_on_worker_lost


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_meet_on_one_snapshot(cycle):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections: PostgreSQL")
    programme = _programme()
    results, errors = [], []
    barrier = threading.Barrier(4)

    def ask():
        try:
            barrier.wait()
            results.append(
                snapshots.snapshot_request(programme=programme, start=OCTOBER[0], end=OCTOBER[1]).pk
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1
    assert Snapshot.objects.count() == 1


def _hours_indicator():
    """A sum whose 'b' cell is small in March only: 2 people, 5 hours."""
    from decimal import Decimal

    from research.indicators.base import TOTAL, Cell, Indicator, Measure, Unit, make_table
    from research.indicators.dimensions import Dimension

    rows = Dimension("letter", "Lettre", (("a", "A"), ("b", "B")))

    def compute(scope, row, col):
        small = scope.start.month == 3 and scope.start == scope.end.replace(day=1)
        months = 12 if scope.start.month != scope.end.month else 1
        b_value, b_people = (5, 2) if small else (50 * months + (-45 if months == 12 else 0), 20)
        a_value = 100 * months
        cells = {
            ("a", TOTAL): Cell(Decimal(a_value), 20, Decimal("0.1")),
            ("b", TOTAL): Cell(Decimal(b_value), b_people, Decimal("0.5" if small else "0.1")),
            (TOTAL, TOTAL): Cell(Decimal(a_value + b_value), 40, Decimal("0.1")),
        }
        if row is None:
            cells = {(TOTAL, TOTAL): cells[(TOTAL, TOTAL)]}
        return make_table("test_hours", Measure.SUM, cells, rows=rows if row else None)

    return Indicator(
        code="test_hours",
        label="Heures (test)",
        definition="Pour le test.",
        unit=Unit.HOURS,
        measure=Measure.SUM,
        section="activity",
        dimensions=("letter",),
        compute=compute,
    )


def test_a_year_hides_what_its_published_months_would_give_back(monkeypatch):
    """The year's sum minus eleven published months is the twelfth: when March hides
    a cell, the year hides it too (and a second cell, so that it cannot be rebuilt)."""
    from research import disclosure
    from research.indicators import REGISTRY

    len(REGISTRY)
    monkeypatch.setitem(REGISTRY, "test_hours", _hours_indicator())
    programme = _programme(starts_on=datetime.date(2025, 1, 1), indicators=["test_hours"])
    for month in range(1, 13):
        start, end = snapshots.month_bounds(2025, month)
        Snapshot.objects.create(
            programme=programme,
            period_kind=PeriodKind.MONTH,
            period_start=start,
            period_end=end,
            status=SnapshotStatus.SENT,
            data=snapshots.publication_compute(programme, start, end),
        )
    march = Snapshot.objects.get(period_start=datetime.date(2025, 3, 1))
    march_table = disclosure.ProtectedTable.from_dict(march.data["tables"]["test_hours:letter:"])
    assert march_table.cell("b", "_total").hidden

    year = snapshots.publication_compute(
        programme, datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
    )
    table = disclosure.ProtectedTable.from_dict(year["tables"]["test_hours:letter:"])
    assert table.cell("b", "_total").hidden
    assert sum(cell.hidden for cell in table.cells.values()) >= 2

    # Without the months published, the year has nothing to hide.
    Snapshot.objects.filter(period_start=datetime.date(2025, 3, 1)).delete()
    alone = snapshots.publication_compute(
        programme, datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
    )
    table = disclosure.ProtectedTable.from_dict(alone["tables"]["test_hours:letter:"])
    assert not any(cell.hidden for cell in table.cells.values())
