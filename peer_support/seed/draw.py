"""Drawing follow-ups: who accompanies whom, from when to when, and what happened (goals,
meetings, referrals, later situations, erasure). Only the `rng` and `faker` given are
used, and dates count from today: the same seed gives the same data."""

import datetime
import random
import uuid
from dataclasses import dataclass, field

from django.db.models import Min
from django.utils import timezone
from faker import Faker

from coop.models import Programme
from coop.seed import PEER_HELP_COLLECTIVE, PEER_NETWORK
from members.enums import Gender, Stage
from members.models import Member, User
from peer_support.enums import (
    ArrivalRoute,
    CareFollowUp,
    Checkpoint,
    ErasureReason,
    GoalKind,
    GoalStatus,
    Housing,
    MeetingMode,
    Outcome,
    PartnerKind,
    ReferralStatus,
    Resource,
)
from peer_support.models import REFERRAL_MAX_REMINDERS, REFERRAL_REMIND_AFTER_DAYS
from peer_support.seed import texts

ONE_DAY = datetime.timedelta(days=1)


def pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(eq=False)
class Mediator:
    """A peer mediator of the cooperative with an account, from their first contract."""

    member: Member
    user: User
    start: datetime.date

    def active_on(self, day: datetime.date) -> bool:
        return self.start <= day


@dataclass
class GoalDraw:
    kind: GoalKind
    free_text: str
    set_on: datetime.date
    # After the first "not started" step: (on, status, note).
    steps: list[tuple[datetime.date, GoalStatus, str]] = field(default_factory=list)

    @property
    def status(self) -> tuple[GoalStatus, datetime.date]:
        if self.steps:
            return self.steps[-1][1], self.steps[-1][0]
        return GoalStatus.NOT_STARTED, self.set_on


@dataclass
class MeetingDraw:
    token: uuid.UUID
    date: datetime.date
    duration_minutes: int
    mode: MeetingMode
    is_group: bool
    goals: list[int]  # indexes in the follow-up's goals
    note: str
    next_steps: str
    by_comediator: bool


@dataclass
class ReferralDraw:
    partner_kind: PartnerKind
    partner_name: str
    consent_given_on: datetime.date
    shared_info: str
    sent_on: datetime.date
    status: ReferralStatus
    answered_on: datetime.date | None
    refusal_reason: str
    reminders_sent: int = 0
    last_reminded_on: datetime.date | None = None


@dataclass
class SituationDraw:
    checkpoint: Checkpoint
    recorded_on: datetime.date
    housing: Housing
    resource: Resource
    care_follow_up: CareFollowUp


@dataclass
class FollowUpDraw:
    mediator: Mediator
    pseudonym: str
    birth_year: int | None
    gender: Gender
    commune: str
    postcode: str
    arrival_route: ArrivalRoute
    opened_on: datetime.date
    closed_on: datetime.date | None
    outcome: str
    outcome_note: str
    programme: Programme | None
    consent_explanation: str
    situations: list[SituationDraw]
    research_consent_on: datetime.date | None
    research_withdrawn_on: datetime.date | None
    comediator: Mediator | None = None
    comediator_since: datetime.date | None = None
    goals: list[GoalDraw] = field(default_factory=list)
    meetings: list[MeetingDraw] = field(default_factory=list)
    referrals: list[ReferralDraw] = field(default_factory=list)
    erasure: tuple[ErasureReason, datetime.datetime] | None = None

    @property
    def end(self) -> datetime.date:
        """The last day of the follow-up so far."""
        return self.closed_on or timezone.localdate()


# How long follow-ups last, in days (the open ones are those still running today).
LENGTHS = {(21, 90): 25, (90, 180): 35, (180, 365): 30, (365, 540): 10}
# Days between two meetings.
MEETING_EVERY = {7: 15, 14: 40, 21: 25, 30: 20}
MODES = {
    MeetingMode.PREMISES: 35,
    MeetingMode.HOME_VISIT: 15,
    MeetingMode.OUTSIDE: 20,
    MeetingMode.PHONE: 25,
    MeetingMode.VIDEO: 5,
}
OUTCOMES = {
    Outcome.GOALS_REACHED: 25,
    Outcome.RELAY: 25,
    Outcome.PERSON_ENDED: 15,
    Outcome.LOST_CONTACT: 20,
    Outcome.MOVED: 7,
    Outcome.HOSPITAL_OR_PRISON: 4,
    Outcome.DECEASED: 1,
    Outcome.OTHER: 3,
}
ARRIVALS = {
    ArrivalRoute.SELF: 15,
    ArrivalRoute.ADDICTION_CARE: 30,
    ArrivalRoute.PSYCHIATRIC_SERVICE: 20,
    ArrivalRoute.SOCIAL_WORKER: 15,
    ArrivalRoute.PEER: 12,
    ArrivalRoute.FAMILY: 5,
    ArrivalRoute.OTHER: 3,
}
HOUSING = {
    Housing.STABLE: 25,
    Housing.FAMILY_OR_FRIENDS: 15,
    Housing.SUPPORTED: 20,
    Housing.EMERGENCY: 15,
    Housing.STREET: 10,
    Housing.INSTITUTION: 5,
    Housing.UNDISCLOSED: 10,
}
RESOURCES = {
    Resource.EMPLOYMENT: 12,
    Resource.RSA: 38,
    Resource.AAH: 22,
    Resource.OTHER: 12,
    Resource.NONE: 10,
    Resource.UNDISCLOSED: 6,
}
CARE = {
    CareFollowUp.ADDICTION: 30,
    CareFollowUp.MENTAL_HEALTH: 20,
    CareFollowUp.BOTH: 15,
    CareFollowUp.GENERAL_PRACTITIONER: 10,
    CareFollowUp.INTERRUPTED: 12,
    CareFollowUp.NONE: 8,
    CareFollowUp.UNDISCLOSED: 5,
}
GENDERS = {Gender.MAN: 56, Gender.WOMAN: 40, Gender.NON_BINARY: 2, Gender.UNDISCLOSED: 2}
PARTNER_KINDS = {
    PartnerKind.ADDICTION_CARE: 30,
    PartnerKind.PSYCHIATRIC_SERVICE: 20,
    PartnerKind.EMPLOYMENT_SERVICE: 15,
    PartnerKind.HOUSING: 15,
    PartnerKind.SOCIAL_WORKER: 15,
    PartnerKind.OTHER: 5,
}
RESEARCH_CONSENT = 0.75
RESEARCH_WITHDRAWN = 0.05
COMEDIATED = 0.12
ERASED_ON_REQUEST = 0.01


def load_mediators() -> list[Mediator]:
    """Peer mediators still in the cooperative, with their account, from their first
    contract (people who left have no account in the seed, and a follow-up is written
    by someone who logs in). Ordered by member, for determinism."""
    members = (
        Member.objects.filter(
            is_peer_mediator=True,
            user__isnull=False,
            stage__in=[Stage.CAPE, Stage.CESA, Stage.ASSOCIATE],
        )
        .annotate(first_contract=Min("contracts__start_date"))
        .filter(first_contract__isnull=False)
        .select_related("user")
        .order_by("pk")
    )
    return [Mediator(member=m, user=m.user, start=m.first_contract) for m in members]


class Drawer:
    """Draws follow-ups for a data set: `retention_years` applies the retention rule to
    what was closed long ago (as the daily task would have)."""

    def __init__(
        self,
        rng: random.Random,
        faker: Faker,
        *,
        mediators: list[Mediator],
        programmes: dict[str, Programme],
        retention_years: int,
        communes: dict[str, tuple[tuple[str, str], ...]],
    ):
        self.rng, self.faker = rng, faker
        self.mediators = mediators
        self.programmes = programmes
        self.retention_years = retention_years
        self.communes = communes
        self.today = timezone.localdate()
        # Share of follow-ups given a co-mediator at random (the demo chooses its own).
        self.comediated = COMEDIATED

    # --- One follow-up ------------------------------------------------------------

    def followup(
        self,
        mediator: Mediator,
        opened_on: datetime.date,
        *,
        length: int | None = None,
        comediator: Mediator | None = None,
        research: bool | None = None,
    ) -> FollowUpDraw:
        rng, today = self.rng, self.today
        if length is None:
            low, high = pick(rng, LENGTHS)
            length = rng.randint(low, high)
        planned_end = opened_on + datetime.timedelta(days=length)
        closed_on = planned_end if planned_end < today else None
        commune, postcode = self._place(mediator)
        gender = pick(rng, GENDERS)
        first_name = {
            Gender.WOMAN: self.faker.first_name_female,
            Gender.MAN: self.faker.first_name_male,
        }.get(gender, self.faker.first_name)()
        pseudonym = rng.choice(texts.PSEUDONYMS) if rng.random() < 0.15 else first_name
        birth_year = opened_on.year - rng.randint(19, 64) if rng.random() < 0.95 else None
        outcome = pick(rng, OUTCOMES) if closed_on else ""
        notes = texts.OUTCOME_NOTES.get(outcome, ())
        draw = FollowUpDraw(
            mediator=mediator,
            pseudonym=pseudonym,
            birth_year=birth_year,
            gender=gender,
            commune=commune,
            postcode=postcode,
            arrival_route=pick(rng, ARRIVALS),
            opened_on=opened_on,
            closed_on=closed_on,
            outcome=outcome,
            outcome_note=rng.choice(notes) if notes and rng.random() < 0.6 else "",
            programme=self.programme_on(opened_on),
            consent_explanation=rng.choice(texts.CONSENT_EXPLANATIONS),
            situations=[self._situation(Checkpoint.ENTRY, opened_on)],
            research_consent_on=None,
            research_withdrawn_on=None,
        )
        wants_research = rng.random() < RESEARCH_CONSENT if research is None else research
        if wants_research:
            draw.research_consent_on = opened_on
            if rng.random() < RESEARCH_WITHDRAWN:
                draw.research_withdrawn_on = self._day_between(opened_on, draw.end)
        if comediator is None and rng.random() < self.comediated:
            comediator = self._colleague(mediator, opened_on)
        if comediator is not None:
            draw.comediator = comediator
            draw.comediator_since = self._day_between(
                opened_on, min(draw.end, opened_on + datetime.timedelta(days=30))
            )
        draw.goals = self._goals(draw)
        draw.meetings = self._meetings(draw)
        draw.referrals = self._referrals(draw)
        if closed_on:
            draw.situations += self._later_situations(closed_on)
            draw.erasure = self._erasure(closed_on)
        return draw

    def _place(self, mediator: Mediator) -> tuple[str, str]:
        """Mostly near the mediator; sometimes nowhere to say (no fixed address)."""
        if self.rng.random() < 0.06:
            return "", ""
        department = mediator.member.postcode[:2]
        communes = self.communes.get(department)
        if communes and self.rng.random() < 0.7:
            return self.rng.choice(communes)
        return mediator.member.commune, mediator.member.postcode

    def programme_on(self, day: datetime.date) -> Programme | None:
        for name, share in ((PEER_NETWORK, 0.65), (PEER_HELP_COLLECTIVE, 0.15)):
            programme = self.programmes.get(name)
            running = (
                programme is not None
                and programme.starts_on <= day
                and (programme.ends_on is None or day <= programme.ends_on)
            )
            if running and self.rng.random() < share:
                return programme
        return None

    def _situation(self, checkpoint: Checkpoint, day: datetime.date) -> SituationDraw:
        return SituationDraw(
            checkpoint=checkpoint,
            recorded_on=day,
            housing=pick(self.rng, HOUSING),
            resource=pick(self.rng, RESOURCES),
            care_follow_up=pick(self.rng, CARE),
        )

    def _day_between(self, first: datetime.date, last: datetime.date) -> datetime.date:
        return first + datetime.timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def _colleague(self, mediator: Mediator, day: datetime.date) -> Mediator | None:
        for _ in range(5):
            other = self.rng.choice(self.mediators)
            if other is not mediator and other.active_on(day):
                return other
        return None

    def _goals(self, draw: FollowUpDraw) -> list[GoalDraw]:
        rng, end = self.rng, draw.end
        kinds = rng.sample(texts.GOAL_KINDS, pick(rng, {1: 30, 2: 40, 3: 22, 4: 8}))
        if rng.random() < 0.15:
            kinds.append(GoalKind.FREE)
        goals = []
        for kind in kinds:
            set_on = self._day_between(draw.opened_on, min(end, draw.opened_on + 3 * 7 * ONE_DAY))
            goal = GoalDraw(
                kind=kind,
                free_text=rng.choice(texts.GOAL_FREE_TEXTS) if kind == GoalKind.FREE else "",
                set_on=set_on,
            )
            started = set_on + datetime.timedelta(days=rng.randint(7, 60))
            if started <= end and rng.random() < 0.85:
                goal.steps.append(
                    (started, GoalStatus.IN_PROGRESS, self._progress_note("in_progress"))
                )
                final = pick(
                    rng,
                    {GoalStatus.REACHED: 45, GoalStatus.ABANDONED: 20, None: 35}
                    if draw.closed_on
                    else {GoalStatus.REACHED: 20, GoalStatus.ABANDONED: 5, None: 75},
                )
                if final is not None:
                    goal.steps.append(
                        (self._day_between(started, end), final, self._progress_note(final))
                    )
            goals.append(goal)
        return goals

    def _progress_note(self, status: str) -> str:
        return self.rng.choice(texts.PROGRESS_NOTES[status]) if self.rng.random() < 0.5 else ""

    def _meetings(self, draw: FollowUpDraw) -> list[MeetingDraw]:
        rng, end = self.rng, draw.end
        meetings, day = [], draw.opened_on
        while day <= end:
            mode = pick(rng, MODES)
            remote = mode in (MeetingMode.PHONE, MeetingMode.VIDEO)
            goals = [
                index
                for index, goal in enumerate(draw.goals)
                if goal.set_on <= day and rng.random() < 0.35
            ][:2]
            meetings.append(
                MeetingDraw(
                    token=uuid.UUID(int=rng.getrandbits(128), version=4),
                    date=day,
                    duration_minutes=rng.choice(
                        (15, 20, 30, 45) if remote else (30, 45, 60, 90, 120)
                    ),
                    mode=mode,
                    is_group=not remote and rng.random() < 0.08,
                    goals=goals,
                    note=rng.choice(texts.MEETING_NOTES) if rng.random() < 0.7 else "",
                    next_steps=rng.choice(texts.NEXT_STEPS) if rng.random() < 0.5 else "",
                    by_comediator=(
                        draw.comediator is not None
                        and draw.comediator_since <= day
                        and rng.random() < 0.3
                    ),
                )
            )
            every = pick(rng, MEETING_EVERY)
            day += datetime.timedelta(days=every + rng.randint(-2, 2))
        return meetings

    def _referrals(self, draw: FollowUpDraw) -> list[ReferralDraw]:
        rng, today = self.rng, self.today
        referrals = []
        for _ in range(pick(rng, {0: 45, 1: 35, 2: 15, 3: 5})):
            kind = pick(rng, PARTNER_KINDS)
            sent_on = self._day_between(draw.opened_on, draw.end)
            consent_on = max(draw.opened_on, sent_on - datetime.timedelta(days=rng.randint(0, 3)))
            waited = (today - sent_on).days
            status = (
                pick(
                    rng,
                    {
                        ReferralStatus.ACCEPTED: 65,
                        ReferralStatus.REFUSED: 20,
                        ReferralStatus.SENT: 15,
                    },
                )
                if waited > 30 or draw.closed_on
                else ReferralStatus.SENT
            )
            answered_on = None
            if status != ReferralStatus.SENT:
                answered_on = min(today, sent_on + datetime.timedelta(days=rng.randint(2, 25)))
            referral = ReferralDraw(
                partner_kind=kind,
                partner_name=rng.choice(texts.PARTNERS[kind]),
                consent_given_on=consent_on,
                shared_info=rng.choice(texts.SHARED_INFO[kind]),
                sent_on=sent_on,
                status=status,
                answered_on=answered_on,
                refusal_reason=(
                    rng.choice(texts.REFUSAL_REASONS) if status == ReferralStatus.REFUSED else ""
                ),
            )
            if status == ReferralStatus.SENT:
                # The reminders the daily task sent while the follow-up was open.
                days = ((draw.closed_on or today) - sent_on).days
                referral.reminders_sent = min(
                    REFERRAL_MAX_REMINDERS, days // REFERRAL_REMIND_AFTER_DAYS
                )
                if referral.reminders_sent:
                    referral.last_reminded_on = sent_on + datetime.timedelta(
                        days=REFERRAL_REMIND_AFTER_DAYS * referral.reminders_sent
                    )
            referrals.append(referral)
        return referrals

    def _later_situations(self, closed_on: datetime.date) -> list[SituationDraw]:
        later = []
        for checkpoint, share, extra in (
            (Checkpoint.DAY_28, 0.6, 12),
            (Checkpoint.MONTH_6, 0.45, 20),
        ):
            first = closed_on + datetime.timedelta(days=checkpoint.days_after_closing)
            if first <= self.today and self.rng.random() < share:
                day = min(self.today, first + datetime.timedelta(days=self.rng.randint(0, extra)))
                later.append(self._situation(checkpoint, day))
        return later

    def _erasure(self, closed_on: datetime.date) -> tuple[ErasureReason, datetime.datetime] | None:
        """Closed long ago: anonymised by the retention task the night after the period
        ended. Sometimes erased on the person's request soon after closing."""
        expires = years_later(closed_on, self.retention_years) + ONE_DAY
        if expires <= self.today:
            return ErasureReason.RETENTION, at(expires, 3, 17)
        if self.rng.random() < ERASED_ON_REQUEST:
            day = min(self.today, closed_on + datetime.timedelta(days=self.rng.randint(1, 60)))
            return ErasureReason.PERSON_REQUEST, at(day, 11)
        return None
