"""The demo's monthly reports: a year of them per programme, built as the monthly run
builds them (masks kept from one month to the next), released to the funders' portal
without e-mail; nothing at the large size."""

import datetime
import random

import pytest
from django.core import mail
from django.utils import timezone
from faker import Faker

from research.enums import PeriodKind, SnapshotStatus
from research.models import Snapshot
from research.seed_snapshots import seed_snapshots
from research.services import snapshots
from tests.members.factories import ProgrammeFactory
from tests.research.factories import FunderContactFactory, FunderFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 1)
# One small indicator keeps the real computation quick; its own tests are elsewhere.
INDICATORS = ["people_accompanied"]


@pytest.fixture
def today(monkeypatch, settings, tmp_path):
    """Today fixed; files in a temporary folder."""
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    return TODAY


@pytest.fixture
def seeding(today, monkeypatch):
    """The PDF replaced (its own tests are the report's); counts the PDFs made."""
    rendered = []

    def render(snapshot):
        rendered.append(snapshot.pk)
        return b"%PDF-1.7\n% rapport de test\n"

    monkeypatch.setattr(snapshots, "_render_pdf", render)
    return rendered


def _seed(size: str = "demo") -> None:
    seed_snapshots(rng=random.Random(2026), faker=Faker("fr_FR"), size=size)


def _programme(starts_on: datetime.date, **kwargs):
    programme = ProgrammeFactory(starts_on=starts_on, indicators=INDICATORS, **kwargs)
    # A contact who would receive the reports by e-mail: the seed writes to no one.
    FunderContactFactory(funder=FunderFactory(programmes=[programme]))
    return programme


def test_each_programme_has_its_last_three_months_released(seeding):
    running = _programme(datetime.date(2024, 3, 1))
    recent = _programme(datetime.date(2026, 7, 15))
    ended = _programme(datetime.date(2023, 1, 1), ends_on=datetime.date(2025, 8, 31))

    _seed()

    months = list(Snapshot.objects.filter(programme=running).order_by("period_start"))
    assert [(s.period_start, s.period_end) for s in months] == [
        snapshots.month_bounds(year, month) for year, month in [(2026, m) for m in range(8, 11)]
    ]
    assert [s.period_start.month for s in Snapshot.objects.filter(programme=recent)] == [
        10,
        9,
        8,
    ]
    assert not Snapshot.objects.filter(programme=ended).exists()

    everything = Snapshot.objects.all()
    assert everything.count() == 6 == len(seeding)
    for snapshot in everything:
        # Automatic (the monthly run's), current, published, released, with its PDF.
        assert snapshot.requested_by is None and snapshot.version == 1 and snapshot.is_current
        assert snapshot.period_kind == PeriodKind.MONTH
        assert snapshot.status == SnapshotStatus.SENT and snapshot.sent_at is not None
        assert snapshot.pdf and len(snapshot.pdf_sha256) == 64
        assert snapshot.data["indicators"] == INDICATORS
        assert snapshot.data["threshold"] == snapshot.programme.disclosure_threshold
    # Oldest first: each month kept the masks of the month before.
    assert months[0].data["previous"] is None
    for before, after in zip(months, months[1:], strict=False):
        assert after.data["previous"] == before.pk
    assert mail.outbox == []


def test_seeding_again_builds_and_sends_nothing_more(seeding):
    programme = _programme(datetime.date(2026, 8, 1))
    _seed()
    sent = dict(Snapshot.objects.values_list("pk", "sent_at"))

    _seed()

    assert dict(Snapshot.objects.values_list("pk", "sent_at")) == sent
    assert Snapshot.objects.filter(programme=programme).count() == 3 == len(seeding)


def test_the_large_data_set_has_no_reports(seeding):
    _programme(datetime.date(2024, 3, 1))
    _seed("large")
    assert not Snapshot.objects.exists()
    assert seeding == []


def test_the_reports_are_the_real_pdf(today):
    """Once through the real report (research.reports), for the month just finished."""
    programme = _programme(datetime.date(2026, 10, 1))

    _seed()

    snapshot = Snapshot.objects.get(programme=programme)
    assert snapshot.status == SnapshotStatus.SENT
    with snapshot.pdf.open("rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
