"""The monthly reports of the demo data set (`manage.py seed`), the last research step:
it runs after `research.seed.seed_research` (members covered, funders and their
contacts) and the questionnaires, whose figures the reports hold.

For each seeded programme, the last six finished months it ran in are built as the
monthly run builds them (`research.services.snapshots`): the figures computed and
protected, then the PDF report. Oldest month first, so that each month keeps the masks
of the month before, as it would have month after month. Each report is then released
to the funders' portal without e-mail, as the catch-up after an outage releases the
months it makes up: the demo funder finds half a year of reports there, and no one is
written to. (Six, not twelve: each report costs about two seconds of PDF rendering, and
the one-command demo should start quickly.)

At the large size it does nothing: the whole publication of one programme-month takes
seconds there (`bench/research.py`), a few minutes for the programmes' year, more with
the PDFs; the monthly run (or a coordinator) makes them when they are wanted.
"""

import random

from django.utils import timezone
from faker import Faker

from coop.models import Programme
from research.services import snapshots

DEMO_MONTHS = 6


def seed_snapshots(*, rng: random.Random, faker: Faker, size: str) -> None:
    if size != "demo":
        return
    today = timezone.localdate()
    for programme in Programme.objects.order_by("pk"):
        for start, end in reversed(snapshots.months_due(programme, today)[:DEMO_MONTHS]):
            snapshot = snapshots.snapshot_request(programme=programme, start=start, end=end)
            snapshots.snapshot_build(snapshot_id=snapshot.pk)
            snapshots.snapshot_send(snapshot_id=snapshot.pk, notify=False)
