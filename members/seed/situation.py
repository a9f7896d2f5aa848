"""The members' situations (main resource) in the demo and load-test data set: a
`manage.py seed` step, run after `seed_path` (it reads the members it wrote).

Most people's situation at entry was asked at the welcome; for people who left, the
situation at the exit often, 28 days and 6 months after it less often (people are harder
to reach once gone). People who left for a job or their own company live on their work
more often afterwards. The demo records them through the service, the large size in bulk.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from faker import Faker

from members.enums import ExitReason, Resource, SituationCheckpoint
from members.models import Member, MemberSituation
from members.seed.accounts import BATCH_SIZE
from members.services.situation import situation_record

# How often each situation was collected.
RECORDED = {
    SituationCheckpoint.ENTRY: 0.85,
    SituationCheckpoint.EXIT: 0.75,
    SituationCheckpoint.DAY_28: 0.6,
    SituationCheckpoint.MONTH_6: 0.45,
}
# When it was collected, in days from the information meeting (entry) or the exit.
RECORDED_WITHIN = {
    SituationCheckpoint.ENTRY: (0, 14),
    SituationCheckpoint.EXIT: (-14, 7),
    SituationCheckpoint.DAY_28: (21, 40),
    SituationCheckpoint.MONTH_6: (168, 200),
}
# Main resource: at entry; after leaving for work (a job or one's own company); after
# leaving for another reason.
AT_ENTRY = {
    Resource.EMPLOYMENT: 10,
    Resource.RSA: 35,
    Resource.AAH: 15,
    Resource.OTHER: 20,
    Resource.NONE: 12,
    Resource.UNDISCLOSED: 8,
}
AFTER_LEAVING_FOR_WORK = {
    Resource.EMPLOYMENT: 70,
    Resource.RSA: 8,
    Resource.AAH: 5,
    Resource.OTHER: 10,
    Resource.NONE: 2,
    Resource.UNDISCLOSED: 5,
}
AFTER_LEAVING = {
    Resource.EMPLOYMENT: 25,
    Resource.RSA: 25,
    Resource.AAH: 15,
    Resource.OTHER: 20,
    Resource.NONE: 8,
    Resource.UNDISCLOSED: 7,
}
LEFT_FOR_WORK = {ExitReason.EMPLOYMENT, ExitReason.OWN_COMPANY}


@dataclass
class _Row:
    member: Member
    checkpoint: SituationCheckpoint
    recorded_on: date
    resource: str


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _draw(rng: random.Random, member: Member, *, today: date) -> list[_Row]:
    """The situations collected for one member, on dates the service accepts."""
    rows = []
    for checkpoint in SituationCheckpoint:
        if rng.random() >= RECORDED[checkpoint]:
            continue
        low, high = RECORDED_WITHIN[checkpoint]
        if checkpoint == SituationCheckpoint.ENTRY:
            first = member.information_meeting_on
            last = min(first + timedelta(days=high), member.exited_on or today, today)
            weights = AT_ENTRY
        else:
            if member.exited_on is None:
                break
            first = max(member.exited_on + timedelta(days=low), member.information_meeting_on)
            last = min(member.exited_on + timedelta(days=high), today)
            weights = (
                AFTER_LEAVING_FOR_WORK if member.exit_reason in LEFT_FOR_WORK else AFTER_LEAVING
            )
        if last < first:
            continue
        recorded_on = first + timedelta(days=rng.randint(0, (last - first).days))
        rows.append(_Row(member, checkpoint, recorded_on, _pick(rng, weights)))
    return rows


def seed_situations(*, rng: random.Random, faker: Faker, size: str) -> None:
    """Situations of the members `seed_path` wrote, collected by their coordinator."""
    today = timezone.localdate()
    members = Member.objects.select_related("coordinator").order_by("pk")
    rows = [row for member in members for row in _draw(rng, member, today=today)]
    if size == "demo":
        for row in rows:
            situation_record(
                actor=row.member.coordinator,
                member=row.member,
                checkpoint=row.checkpoint,
                recorded_on=row.recorded_on,
                resource=row.resource,
            )
        return
    MemberSituation.objects.bulk_create(
        [
            MemberSituation(
                member=row.member,
                checkpoint=row.checkpoint,
                recorded_on=row.recorded_on,
                resource=row.resource,
                recorded_by=row.member.coordinator,
            )
            for row in rows
        ],
        batch_size=BATCH_SIZE,
    )
