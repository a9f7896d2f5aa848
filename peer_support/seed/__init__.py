"""The peer-support part of the demo and load-test data set (`manage.py seed`), by idea:
`texts` holds the French words, `draw` draws follow-ups (who, when, what happened), and
`write` writes them.

Follow-ups belong to the seeded peer mediators still in the cooperative (members flagged
peer mediator, with an account, from their first contract). The demo plays about fifteen
follow-ups through the services: the demo entrepreneur (entrepreneur@demo.entrepairs.fr,
a peer mediator) accompanies nine people, with a colleague as co-mediator on one, open
and closed follow-ups with their later situations due, a referral waiting for an answer,
workshops past and upcoming, and the lead (pair-aidance@demo.entrepairs.fr) has erased
one follow-up on request. The large size (DESIGN.md's scale: 50,000 accompanied people
over the years of the mediators' paths) writes the same rows in bulk, a batch at a time;
what closed more than PEER_SUPPORT_RETENTION_YEARS ago is already anonymised, as the
daily task would have done.
"""

import datetime
import random
from collections import defaultdict

from django.conf import settings
from django.db.models import Q
from faker import Faker

from activities.enums import MissionKind
from activities.models import Mission
from coop.models import Programme
from members.enums import Role
from members.models import User
from members.seed import DEMO_LOGINS
from members.seed.texts import COMMUNES
from peer_support import services
from peer_support.enums import (
    Checkpoint,
    ErasureReason,
    PartnerKind,
    ReferralStatus,
    WorkshopKind,
)
from peer_support.models import FollowUp, PeerWorkshop
from peer_support.seed import texts
from peer_support.seed.draw import (
    Drawer,
    FollowUpDraw,
    Mediator,
    ReferralDraw,
    at,
    load_mediators,
)
from peer_support.seed.write import BulkWriter, write_with_services, write_workshops

ONE_DAY = datetime.timedelta(days=1)
LARGE_FOLLOWUPS = 50_000
# Follow-ups drawn and written per batch in the large size.
DRAW_BATCH = 2000
# Workshops a month for each active mediator, in the large size.
WORKSHOPS_PER_MEDIATOR_MONTH = 0.12
AWARENESS_SHARE = 0.12

# The demo entrepreneur's caseload: (opened days ago, closed days ago or None).
DEMO_OWN = (
    (2, None),
    (20, None),
    (45, None),
    (75, None),
    (120, None),
    (200, None),
    (300, 40),  # its 28-day situation is due
    (420, 215),  # 28-day situation recorded (or not), 6-month one due
    (600, 380),
)
# Three colleagues, two people each.
DEMO_COLLEAGUES = 3
DEMO_COLLEAGUE_CASES = ((30, None), (150, 50))
DEMO_WORKSHOPS_DAYS_AGO = (7, 35, 63, 91)


def seed_peer_support(*, rng: random.Random, faker: Faker, size: str, scale: float = 1.0) -> None:
    """Follow-ups of accompanied people with consents, situations, goals and their
    progress, meetings, referrals, co-mediators, workshops with attendance, and the
    access log. `scale` shrinks the large size's follow-ups, as in `seed_members`."""
    mediators = load_mediators()
    if not mediators:
        return
    lead = User.objects.get(email=DEMO_LOGINS[Role.PEER_SUPPORT_LEAD])
    drawer = Drawer(
        rng,
        faker,
        mediators=mediators,
        programmes={programme.name: programme for programme in Programme.objects.all()},
        retention_years=settings.PEER_SUPPORT_RETENTION_YEARS,
        communes=COMMUNES,
    )
    if size == "demo":
        _seed_demo(drawer, mediators, lead=lead)
    else:
        _seed_large(drawer, mediators, lead=lead, count=max(1, round(LARGE_FOLLOWUPS * scale)))


# --- The demo -------------------------------------------------------------------------


def _demo_draw(
    drawer: Drawer, mediator: Mediator, opened_ago: int, closed_ago: int | None, **kwargs
) -> FollowUpDraw:
    today = drawer.today
    opened_on = max(mediator.start, today - datetime.timedelta(days=opened_ago))
    if closed_ago is None:
        length = opened_ago + 365  # still running
    else:
        length = max(21, (today - datetime.timedelta(days=closed_ago) - opened_on).days)
    return drawer.followup(mediator, opened_on, length=length, **kwargs)


def _seed_demo(drawer: Drawer, mediators: list[Mediator], *, lead: User) -> None:
    today = drawer.today
    drawer.comediated = 0.0
    demo = next(m for m in mediators if m.user.email == DEMO_LOGINS[Role.ENTREPRENEUR])
    colleagues = [m for m in mediators if m is not demo][:DEMO_COLLEAGUES]
    own = [_demo_draw(drawer, demo, opened, closed) for opened, closed in DEMO_OWN]
    # Always some research consent, and the newest person met only once so far.
    own[0].research_consent_on = own[0].opened_on
    # Later situations to record: 28 days after the first closing, 6 months after the
    # second.
    own[6].situations = own[6].situations[:1]
    own[7].situations = [
        situation for situation in own[7].situations if situation.checkpoint != Checkpoint.MONTH_6
    ]
    # A referral waiting for the partner's answer for three weeks: a reminder is due.
    waiting = today - datetime.timedelta(days=20)
    own[2].referrals = [
        ReferralDraw(
            partner_kind=PartnerKind.HOUSING,
            partner_name=texts.PARTNERS[PartnerKind.HOUSING][0],
            consent_given_on=waiting,
            shared_info=texts.SHARED_INFO[PartnerKind.HOUSING][0],
            sent_on=waiting,
            status=ReferralStatus.SENT,
            answered_on=None,
            refusal_reason="",
        )
    ]
    others = []
    for colleague in colleagues:
        for opened, closed in DEMO_COLLEAGUE_CASES:
            others.append(_demo_draw(drawer, colleague, opened, closed))
    for draw in own + others:
        draw.erasure = None  # the demo's one erasure is chosen below
    if colleagues:
        _share(drawer, own[3], colleagues[0])
        _share(drawer, others[0], demo)
        # One person asked for erasure after the end of their follow-up.
        others[-1].erasure = (
            ErasureReason.PERSON_REQUEST,
            at(today - datetime.timedelta(days=3), 11),
        )
    write_with_services(own + others, lead=lead)
    _demo_workshops(drawer, demo, colleagues)


def _share(drawer: Drawer, draw: FollowUpDraw, comediator: Mediator) -> None:
    """Make `comediator` accompany the person too, from the second week, leading some of
    the later meetings."""
    draw.comediator = comediator
    draw.comediator_since = min(draw.end, draw.opened_on + datetime.timedelta(days=7))
    for meeting in draw.meetings:
        meeting.by_comediator = meeting.date >= draw.comediator_since and drawer.rng.random() < 0.3


def _demo_workshops(drawer: Drawer, demo: Mediator, colleagues: list[Mediator]) -> None:
    rng, today = drawer.rng, drawer.today
    partner = colleagues[0] if colleagues else None
    for index, days in enumerate(DEMO_WORKSHOPS_DAYS_AGO):
        day = today - datetime.timedelta(days=days)
        with_partner = partner is not None and index % 2 == 0
        workshop = services.workshop_create(
            actor=demo.user,
            kind=WorkshopKind.PEER_TO_PEER,
            title=texts.WORKSHOP_TITLES[index % len(texts.WORKSHOP_TITLES)],
            date=day,
            duration_minutes=rng.choice((90, 120, 150)),
            place=rng.choice(texts.PLACES),
            programme=drawer.programme_on(day),
            cofacilitators=[partner.member] if with_partner else [],
            other_participants=rng.randint(0, 3),
        )
        for facilitator in [demo, partner] if with_partner else [demo]:
            running = [
                followup for followup in _running(facilitator.user, day) if rng.random() < 0.7
            ][:4]
            services.workshop_attendance_set(
                actor=facilitator.user, workshop=workshop, followups=running
            )
        PeerWorkshop.objects.filter(pk=workshop.pk).update(created_at=at(day - 14 * ONE_DAY, 9))
    services.workshop_create(
        actor=demo.user,
        kind=WorkshopKind.PEER_TO_PEER,
        title=texts.WORKSHOP_TITLES[-1],
        date=today + datetime.timedelta(days=7),
        duration_minutes=120,
        place=texts.PLACES[0],
        programme=drawer.programme_on(today),
    )
    day = today - datetime.timedelta(days=21)
    services.workshop_create(
        actor=demo.user,
        kind=WorkshopKind.CARE_TEAM_AWARENESS,
        title=texts.AWARENESS_TITLES[0],
        date=day,
        duration_minutes=180,
        place="Service d'addictologie de l'hôpital",
        mission=_awareness_mission(demo, day),
        other_participants=12,
    )


def _running(user: User, day: datetime.date) -> list[FollowUp]:
    return list(
        FollowUp.objects.visible_to(user)
        .filter(opened_on__lte=day)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=day))
        .order_by("pk")
    )


def _awareness_mission(mediator: Mediator, day: datetime.date) -> Mission | None:
    return (
        Mission.objects.filter(
            kind=MissionKind.CARE_TEAM_AWARENESS,
            entrepreneurs=mediator.member,
            starts_on__lte=day,
        )
        .order_by("-starts_on", "pk")
        .first()
    )


# --- The large size -------------------------------------------------------------------


def _shares(mediators: list[Mediator], count: int, today: datetime.date) -> list[int]:
    """Follow-ups per mediator, in proportion to the days since their first contract
    (largest remainders, so that they add up to `count`)."""
    days = [(today - mediator.start).days + 1 for mediator in mediators]
    total = sum(days)
    exact = [count * day / total for day in days]
    shares = [int(value) for value in exact]
    for index in sorted(range(len(exact)), key=lambda i: exact[i] - shares[i], reverse=True)[
        : count - sum(shares)
    ]:
        shares[index] += 1
    return shares


def _seed_large(drawer: Drawer, mediators: list[Mediator], *, lead: User, count: int) -> None:
    rng, today = drawer.rng, drawer.today
    writer = BulkWriter(lead=lead)
    batch: list[FollowUpDraw] = []
    for mediator, share in zip(mediators, _shares(mediators, count, today), strict=True):
        span = (today - mediator.start).days
        for opened_on in sorted(
            mediator.start + datetime.timedelta(days=rng.randint(0, span)) for _ in range(share)
        ):
            batch.append(drawer.followup(mediator, opened_on))
            if len(batch) >= DRAW_BATCH:
                writer.write(batch)
                batch = []
    if batch:
        writer.write(batch)
    write_workshops(_draw_large_workshops(drawer, mediators, writer.caseloads))
    writer.finish()


def _missions_by_member() -> dict[int, list[tuple[datetime.date, datetime.date | None, int]]]:
    found = defaultdict(list)
    rows = Mission.objects.filter(kind=MissionKind.CARE_TEAM_AWARENESS).values_list(
        "entrepreneurs", "starts_on", "ends_on", "pk"
    )
    for member_id, starts_on, ends_on, pk in rows.order_by("pk", "entrepreneurs"):
        if member_id is not None:
            found[member_id].append((starts_on, ends_on, pk))
    return found


def _draw_large_workshops(drawer: Drawer, mediators: list[Mediator], caseloads: dict) -> list[dict]:
    rng, today = drawer.rng, drawer.today
    missions = _missions_by_member()
    workshops = []
    month = min(mediator.start for mediator in mediators).replace(day=1)
    while month <= today:
        active = [m for m in mediators if m.start <= month]
        for _ in range(round(len(active) * WORKSHOPS_PER_MEDIATOR_MONTH)):
            facilitator = rng.choice(active)
            day = month + datetime.timedelta(days=rng.randint(0, 27))
            facilitators = [facilitator]
            partner = rng.choice(active)
            if partner is not facilitator and rng.random() < 0.3:
                facilitators.append(partner)
            awareness = rng.random() < AWARENESS_SHARE
            mission_pk = None
            attendees: list[int] = []
            if awareness:
                covering = [
                    pk
                    for starts_on, ends_on, pk in missions.get(facilitator.member.pk, [])
                    if starts_on <= day and (ends_on is None or day <= ends_on)
                ]
                mission_pk = rng.choice(covering) if covering else None
            elif day <= today:
                running = [
                    pk
                    for member in facilitators
                    for opened_on, end, pk, _erased in caseloads.get(member.member.pk, ())
                    if opened_on <= day <= end
                ]
                attendees = rng.sample(running, min(len(running), rng.randint(2, 8)))
            workshops.append(
                {
                    "fields": {
                        "kind": WorkshopKind.CARE_TEAM_AWARENESS
                        if awareness
                        else WorkshopKind.PEER_TO_PEER,
                        "title": rng.choice(
                            texts.AWARENESS_TITLES if awareness else texts.WORKSHOP_TITLES
                        ),
                        "date": day,
                        "duration_minutes": rng.choice((90, 120, 180)),
                        "place": rng.choice(texts.PLACES),
                        "programme": drawer.programme_on(day),
                        "mission_id": mission_pk,
                        "other_participants": rng.randint(8, 20)
                        if awareness
                        else rng.randint(0, 3),
                        "note": "",
                        "created_by": facilitator.user,
                        "created_at": at(day - 14 * ONE_DAY, 9),
                    },
                    "facilitators": [member.member for member in facilitators],
                    "attendees": attendees,
                    "recorded_by": facilitator.user,
                }
            )
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return workshops


__all__ = ["seed_peer_support"]
