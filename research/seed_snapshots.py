"""The monthly reports of the demo data set (`manage.py seed`), the last research step:
it runs after `research.seed.seed_research` (members covered, funders and their
contacts) and the questionnaires, whose figures the reports hold.

For each seeded programme, the last three finished months it ran in are built as the
monthly run builds them (`research.services.snapshots`): the figures computed and
protected, then the PDF report. Oldest month first, so that each month keeps the masks
of the month before, as it would have month after month. Each report is then released
to the funders' portal without e-mail, as the catch-up after an outage releases the
months it makes up: the demo funder finds three months of reports there, and no one is
written to. (Three, not twelve: each report costs about two seconds of PDF rendering, and
the one-command demo should start quickly.)

At the large size it does nothing: the whole publication of one programme-month takes
seconds there (`bench/research.py`), a few minutes for the programmes' year, more with
the PDFs; the monthly run (or a coordinator) makes them when they are wanted.
"""

import random

from django.db import connection
from django.utils import timezone
from faker import Faker

from coop.models import Programme
from research.services import snapshots

DEMO_MONTHS = 3


def seed_snapshots(*, rng: random.Random, faker: Faker, size: str) -> None:
    if size != "demo":
        return
    if connection.vendor == "postgresql":
        # The seed runs in one transaction: PostgreSQL has no statistics yet of the rows
        # just written, and would plan the indicators' queries as over empty tables.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    today = timezone.localdate()
    for programme in Programme.objects.order_by("pk"):
        for start, end in reversed(snapshots.months_due(programme, today)[:DEMO_MONTHS]):
            snapshot = snapshots.snapshot_request(programme=programme, start=start, end=end)
            snapshots.snapshot_build(snapshot_id=snapshot.pk)
            snapshots.snapshot_send(snapshot_id=snapshot.pk, notify=False)
