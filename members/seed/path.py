"""People on the cooperative's path in the demo and load-test data set (`manage.py seed`).

Every entrepreneur account gets its member record, with candidates and people who left
besides, their contracts and history, consents, health profiles (only under consent),
skills, trainings, appointments and workshops. Each path is drawn first as a `Plan`; the
demo plays it through the services, the large size writes the same rows in bulk.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext
from faker import Faker
from faker.providers.person.fr_FR import Provider as FrenchNames

from coop.models import Programme
from coop.seed import COOPP, PEER_HELP_COLLECTIVE, PEER_NETWORK, SCHOOL_PREVENTION
from members import services
from members.dates import add_months, add_years
from members.enums import (
    AccessAction,
    Activity,
    AppointmentMode,
    AppointmentStatus,
    Attendance,
    ConsentScope,
    ContractKind,
    DocumentKind,
    ExitReason,
    Gender,
    Role,
    Stage,
    TrainingKind,
)
from members.models import (
    AccessLog,
    Appointment,
    Consent,
    Contract,
    Invitation,
    Member,
    PathStep,
    SensitiveProfile,
    Skill,
    Training,
    User,
    Workshop,
    WorkshopRegistration,
    WorkshopSlot,
)
from members.seed.accounts import BATCH_SIZE, DEMO_LOGINS, HISTORY_DAYS, unique_email
from members.seed.texts import (
    ACTIVITY_TOPICS,
    CLIENTS,
    COMMUNES,
    CONSENT_EXPLANATIONS,
    MISSED_NEXT_STEP,
    NEXT_STEPS,
    PLACES,
    SKILLS,
    STAGE_TOPICS,
    UNIVERSITIES,
    WORKSHOP_SUBJECTS,
)

ONE_DAY = timedelta(days=1)
# Entrepreneur accounts by stage (relative weights). In the demo, 32 accounts exactly;
# the fixed demo login is one of the CESA holders.
ACCOUNT_STAGES: dict[str, dict[Stage, int]] = {
    "demo": {Stage.WELCOME: 2, Stage.CAPE: 11, Stage.CESA: 10, Stage.ASSOCIATE: 9},
    "large": {Stage.WELCOME: 4, Stage.CAPE: 36, Stage.CESA: 30, Stage.ASSOCIATE: 30},
}
# People without an account: candidates met at an information meeting, and those who
# left (their account, if any, is long closed).
WITHOUT_ACCOUNT: dict[str, dict[Stage, int]] = {
    "demo": {Stage.WELCOME: 6, Stage.EXITED: 5},
    "large": {Stage.WELCOME: 150, Stage.EXITED: 1350},
}
# Collective workshops: (past, upcoming).
WORKSHOPS: dict[str, tuple[int, int]] = {"demo": (36, 6), "large": (1460, 40)}
# The share of current members with an appointment planned in the next two weeks.
PLANNED_APPOINTMENTS = {"demo": 0.45, "large": 0.3}
# Days between two appointments, by stage: closer at the start of the path.
APPOINTMENT_EVERY = {
    Stage.WELCOME: (14, 35),
    Stage.CAPE: (35, 65),
    Stage.CESA: (70, 130),
    Stage.ASSOCIATE: (120, 240),
}
CAPE_MONTHS = (6, 6, 6, 12, 12, 9, 3)
# French public holidays on a fixed date: nothing is planned on them.
HOLIDAYS = {(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)}

DEPARTMENTS = {"demo": {"93": 6, "75": 4}, "large": {"93": 3, "75": 2, "13": 2, "59": 2, "69": 2}}
ACTIVITIES = {
    Activity.PREVENTION: 25,
    Activity.PEER_MEDIATION: 25,
    Activity.TRAINING: 10,
    Activity.CARE: 10,
    Activity.GARDENING: 11,
    Activity.SEWING: 8,
    Activity.SMALL_WORKS: 9,
    Activity.OTHER: 2,
}
# How likely someone of this trade is a former service user (health data, with consent).
FORMER_SERVICE_USERS = {
    Activity.PREVENTION: 0.6,
    Activity.PEER_MEDIATION: 0.8,
    Activity.TRAINING: 0.3,
    Activity.CARE: 0.1,
    Activity.GARDENING: 0.5,
    Activity.SEWING: 0.5,
    Activity.SMALL_WORKS: 0.5,
    Activity.OTHER: 0.3,
}
WORKSHOP_SLOTS = (
    ((time(9, 30), time(12, 0)),),
    ((time(14, 0), time(16, 30)),),
    ((time(9, 30), time(12, 0)), (time(14, 0), time(16, 30))),
    ((time(10, 0), time(12, 30)),),
)
CONSENT_CHANCES = {ConsentScope.HEALTH_PROFILE: 0.85, ConsentScope.RESEARCH: 0.75}
CONSENT_WITHDRAWN = 0.07
# Most-used rows first: each exit reason by the stage the person left from.
EXIT_REASONS = {
    Stage.WELCOME: {
        ExitReason.PERSONAL: 3,
        ExitReason.EMPLOYMENT: 3,
        ExitReason.TRAINING: 2,
        ExitReason.HEALTH: 1,
        ExitReason.OTHER: 1,
    },
    Stage.CAPE: {
        ExitReason.CAPE_NOT_RENEWED: 4,
        ExitReason.EMPLOYMENT: 3,
        ExitReason.PERSONAL: 2,
        ExitReason.TRAINING: 1,
        ExitReason.HEALTH: 1,
    },
    Stage.CESA: {
        ExitReason.EMPLOYMENT: 3,
        ExitReason.OWN_COMPANY: 2,
        ExitReason.CESA_DEADLINE: 2,
        ExitReason.HEALTH: 1,
        ExitReason.PERSONAL: 1,
    },
    Stage.ASSOCIATE: {
        ExitReason.OWN_COMPANY: 3,
        ExitReason.EMPLOYMENT: 2,
        ExitReason.PERSONAL: 2,
        ExitReason.OTHER: 1,
    },
}
EXITED_FROM = {Stage.WELCOME: 4, Stage.CAPE: 8, Stage.CESA: 5, Stage.ASSOCIATE: 3}


@dataclass
class Plan:
    """One person's path, drawn before anything is written: the demo plays it through the
    services, the large size writes the same rows in bulk."""

    stage: Stage
    information_meeting_on: date
    # (start, planned end) of each CAPE, the first one then its renewals.
    capes: list[tuple[date, date]] = field(default_factory=list)
    cesa_on: date | None = None
    associate_on: date | None = None
    exit_on: date | None = None
    exit_reason: str = ""

    @property
    def stage_since(self) -> date:
        """The date of the last move that changed the stage (a renewal does not)."""
        for day in (self.exit_on, self.associate_on, self.cesa_on):
            if day is not None:
                return day
        return self.capes[0][0] if self.capes else self.information_meeting_on

    def stage_on(self, day: date) -> Stage | None:
        if day < self.information_meeting_on:
            return None
        for stage, since in (
            (Stage.EXITED, self.exit_on),
            (Stage.ASSOCIATE, self.associate_on),
            (Stage.CESA, self.cesa_on),
            (Stage.CAPE, self.capes[0][0] if self.capes else None),
        ):
            if since is not None and day >= since:
                return stage
        return Stage.WELCOME

    def contracts(self) -> list[dict]:
        """The contracts the services would write, in order, with their effective ends."""
        rows = []
        for index, (start, planned_end) in enumerate(self.capes):
            if index + 1 < len(self.capes):
                end = self.capes[index + 1][0] - ONE_DAY
            elif self.cesa_on is not None:
                end = self.cesa_on - ONE_DAY
            else:
                end = self.exit_on
            rows.append(
                {
                    "kind": ContractKind.CAPE,
                    "start_date": start,
                    "planned_end_date": planned_end,
                    "end_date": end,
                    "renews_previous": index > 0,
                }
            )
        if self.cesa_on is not None:
            rows.append(
                {
                    "kind": ContractKind.CESA,
                    "start_date": self.cesa_on,
                    "planned_end_date": None,
                    "end_date": self.exit_on,
                    "renews_previous": False,
                }
            )
        return rows

    def steps(self) -> list[tuple[Stage, date, int | None, str, str]]:
        """The history the services would write: (stage, on, index of the contract in
        `contracts()`, note, exit reason)."""
        steps = [(Stage.WELCOME, self.information_meeting_on, None, "", "")]
        for index, (start, _planned_end) in enumerate(self.capes):
            note = gettext("Renouvellement du CAPE") if index else ""
            steps.append((Stage.CAPE, start, index, note, ""))
        cesa_index = len(self.capes)
        if self.cesa_on is not None:
            steps.append((Stage.CESA, self.cesa_on, cesa_index, "", ""))
        if self.associate_on is not None:
            steps.append((Stage.ASSOCIATE, self.associate_on, cesa_index, "", ""))
        if self.exit_on is not None:
            last = len(self.contracts()) - 1
            steps.append(
                (Stage.EXITED, self.exit_on, last if last >= 0 else None, "", self.exit_reason)
            )
        return steps


def _days(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(days=rng.randint(low, max(low, high)))


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _contract_day(day: date) -> date:
    """Contracts start on the 28th at the latest, so that whole months fall on the same
    day and a twelve-month CAPE ends before its anniversary."""
    return day.replace(day=min(day.day, 28))


def _cape_chain(
    rng: random.Random, last_start: date, last_months: int, renewals: int
) -> list[tuple[date, date]]:
    """The CAPE signed on `last_start` and the contracts it renews, each renewal starting
    the day after the previous planned end."""
    chain = [(last_start, add_months(last_start, last_months) - ONE_DAY)]
    for _ in range(renewals):
        start = chain[0][0]
        chain.insert(0, (add_months(start, -rng.choice(CAPE_MONTHS)), start - ONE_DAY))
    return chain


def _capes_before(rng: random.Random, cesa_on: date) -> list[tuple[date, date]]:
    """The CAPE (and renewals) before a CESA: it either ran to its planned end or ended
    early, the day before the CESA."""
    renewals = _pick(rng, {0: 5, 1: 3, 2: 2})
    months = rng.choice(CAPE_MONTHS)
    if cesa_on.day <= 28 and rng.random() < 0.5:
        return _cape_chain(rng, add_months(cesa_on, -months), months, renewals)
    start = _contract_day(cesa_on - _days(rng, 90, 360))
    if add_months(start, months) < cesa_on:
        months = 12
    return _cape_chain(rng, start, months, renewals)


def _with_information_meeting(rng: random.Random, plan: Plan) -> Plan:
    if plan.capes:
        plan.information_meeting_on = plan.capes[0][0] - _days(rng, 7, 60)
    return plan


def _draw_plan(
    rng: random.Random, stage: Stage, *, today: date, history: int, deadline: bool
) -> Plan:
    """A path ending at `stage` today. With `deadline`, a CAPE ends within 30 days or a
    CESA reaches three years within two months, so that the dashboard warns."""
    plan = Plan(stage=stage, information_meeting_on=today)
    if stage == Stage.WELCOME:
        plan.information_meeting_on = today - _days(rng, 2, 75)
    elif stage == Stage.CAPE:
        if deadline:
            months = rng.choice(CAPE_MONTHS)
            start = add_months(_contract_day(today + _days(rng, 5, 28)), -months)
        else:
            start = _contract_day(today - _days(rng, 0, 330))
            months = rng.choice(CAPE_MONTHS)
            if add_months(start, months) <= today + ONE_DAY:
                months = 12
        plan.capes = _cape_chain(rng, start, months, _pick(rng, {0: 6, 1: 3, 2: 1}))
    elif stage == Stage.CESA:
        if deadline:
            plan.cesa_on = add_years(today + _days(rng, 10, 55), -Contract.CESA_YEARS_TO_ASSOCIATE)
        else:
            plan.cesa_on = today - _days(rng, 15, 1050)
        plan.capes = _capes_before(rng, plan.cesa_on)
    elif stage == Stage.ASSOCIATE:
        plan.associate_on = today - _days(rng, 0, history - 450)
        plan.cesa_on = plan.associate_on - _days(rng, 120, 1090)
        plan.capes = _capes_before(rng, plan.cesa_on)
    else:
        _draw_exit(rng, plan, today=today, history=history)
    return _with_information_meeting(rng, plan)


def _draw_exit(rng: random.Random, plan: Plan, *, today: date, history: int) -> None:
    left_from = _pick(rng, EXITED_FROM)
    reason = _pick(rng, EXIT_REASONS[left_from])
    exit_on = today - _days(rng, 7, history - 30)
    if left_from == Stage.WELCOME:
        plan.information_meeting_on = exit_on - _days(rng, 14, 150)
    elif left_from == Stage.CAPE:
        start = _contract_day(exit_on - _days(rng, 30, 360))
        months = rng.choice(CAPE_MONTHS)
        if add_months(start, months) - ONE_DAY < exit_on:
            months = 12
        plan.capes = _cape_chain(rng, start, months, _pick(rng, {0: 4, 1: 3, 2: 3}))
        planned_end = plan.capes[-1][1]
        if reason == ExitReason.CAPE_NOT_RENEWED and planned_end < today:
            exit_on = planned_end
        elif reason == ExitReason.CAPE_NOT_RENEWED:
            reason = ExitReason.PERSONAL
    else:
        if left_from == Stage.ASSOCIATE:
            plan.associate_on = exit_on - _days(rng, 30, 1500)
            plan.cesa_on = plan.associate_on - _days(rng, 120, 1090)
        elif reason == ExitReason.CESA_DEADLINE:
            plan.cesa_on = add_years(exit_on, -Contract.CESA_YEARS_TO_ASSOCIATE)
            exit_on = add_years(plan.cesa_on, Contract.CESA_YEARS_TO_ASSOCIATE)
        else:
            plan.cesa_on = exit_on - _days(rng, 60, 1090)
        plan.capes = _capes_before(rng, plan.cesa_on)
    plan.exit_on, plan.exit_reason = exit_on, reason


def draw_plan(
    rng: random.Random, stage: Stage, *, today: date, history: int, deadline: bool = False
) -> Plan:
    """A path ending at `stage`, started within the data set's history when it can be
    (a CESA close to its three years may start earlier)."""
    earliest = today - timedelta(days=history)
    for _attempt in range(20):
        plan = _draw_plan(rng, stage, today=today, history=history, deadline=deadline)
        if deadline or plan.information_meeting_on >= earliest:
            break
    return plan


@dataclass
class Person:
    """A member to write: the fields of Member, their path and what comes with it."""

    fields: dict
    plan: Plan
    department: str
    skills: list[str]
    former_service_user: bool
    # (scope, given on, withdrawn on)
    consents: list[tuple[str, date, date | None]]
    member: Member | None = None


def _gender(rng: random.Random, first_name: str) -> Gender:
    roll = rng.random()
    if roll < 0.03:
        return Gender.NON_BINARY
    if roll < 0.07:
        return Gender.UNDISCLOSED
    if first_name in FrenchNames.first_names_female:
        return Gender.WOMAN
    if first_name in FrenchNames.first_names_male:
        return Gender.MAN
    return Gender.UNDISCLOSED


def _phone(rng: random.Random) -> str:
    """Numbers from the ranges the French regulator keeps for fiction (06 39 98, 01 99 00)."""
    prefix = rng.choice(("06 39 98", "06 39 98", "01 99 00"))
    return f"{prefix} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"


def _person(
    rng: random.Random,
    faker: Faker,
    plan: Plan,
    *,
    today: date,
    departments: dict[str, int],
    coordinator: User,
    user: User | None,
    taken_emails: set[str],
) -> Person:
    if user is not None:
        first_name, last_name, email = user.first_name, user.last_name, user.email
        gender = _gender(rng, first_name)
    else:
        gender = _pick(rng, {Gender.WOMAN: 48, Gender.MAN: 46, Gender.NON_BINARY: 2, "": 4})
        first_name = {
            Gender.WOMAN: faker.first_name_female,
            Gender.MAN: faker.first_name_male,
        }.get(gender, faker.first_name)()
        last_name = faker.last_name()
        gender = gender or Gender.UNDISCLOSED
        email = unique_email(first_name, last_name, taken_emails) if rng.random() < 0.8 else ""
    department = _pick(rng, departments)
    commune, postcode = rng.choice(COMMUNES[department])
    activity = _pick(rng, ACTIVITIES)
    meeting_year = plan.information_meeting_on.year
    birth_year = rng.randint(max(today.year - 64, meeting_year - 60), meeting_year - 20)
    peer_trades = (Activity.PEER_MEDIATION, Activity.PREVENTION, Activity.TRAINING)
    fields = {
        "user": user,
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "phone": _phone(rng) if rng.random() < 0.9 else "",
        "gender": gender,
        "birth_year": birth_year if rng.random() < 0.97 else None,
        "commune": commune,
        "postcode": postcode,
        "activity": activity,
        "is_peer_mediator": activity == Activity.PEER_MEDIATION
        or (activity in peer_trades and rng.random() < 0.4),
        "is_care_professional": activity == Activity.CARE
        or (activity in peer_trades and rng.random() < 0.15),
        "coordinator": coordinator,
        "created_at": _at(plan.information_meeting_on, 18),
    }
    skills = SKILLS[activity]
    return Person(
        fields=fields,
        plan=plan,
        department=department,
        skills=rng.sample(skills, rng.randint(1, len(skills))),
        former_service_user=rng.random() < FORMER_SERVICE_USERS[activity],
        consents=_consents(rng, plan, today=today),
    )


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _weekday_within(rng: random.Random, first: date, last: date) -> date:
    """A working day between these two days, each as likely."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return rng.choice(
        [day for day in days if day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS]
    )


def _weekday(day: date) -> date:
    """Saturday and Sunday move to the Monday."""
    return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def _programme(
    rng: random.Random, programmes: list[Programme], day: date, usual: str | None
) -> Programme | None:
    """The funded programme an appointment or workshop belongs to: its usual one when it
    runs that day, else another running one, sometimes none."""
    running = [p for p in programmes if p.starts_on <= day and (p.ends_on or day) >= day]
    if not running or rng.random() < 0.15:
        return None
    preferred = [p for p in running if p.name == usual]
    if preferred and rng.random() < 0.7:
        return preferred[0]
    return rng.choice(running)


def _usual_programme(activity: str) -> str:
    if activity == Activity.PREVENTION:
        return SCHOOL_PREVENTION
    if activity == Activity.PEER_MEDIATION:
        return PEER_NETWORK
    if activity in (Activity.GARDENING, Activity.SEWING, Activity.SMALL_WORKS):
        return PEER_HELP_COLLECTIVE
    return COOPP


def _appointments(
    rng: random.Random,
    person: Person,
    *,
    today: date,
    programmes: list[Programme],
    coordinators: list[User],
    planned_share: float,
) -> list[Appointment]:
    """Held (or missed, or cancelled) appointments from the information meeting to the
    exit or today, closer at the start of the path; for some current members, one planned
    in the next two weeks."""
    member, plan = person.member, person.plan
    usual = _usual_programme(member.activity)
    rows = []

    def appointment(day: date, **fields) -> Appointment:
        coordinator = member.coordinator if rng.random() < 0.9 else rng.choice(coordinators)
        return Appointment(
            member=member,
            coordinator=coordinator,
            starts_at=_at(day, rng.choice((9, 10, 11, 14, 15, 16)), rng.choice((0, 30))),
            duration_minutes=rng.choice((30, 45, 60, 60, 60, 90)),
            mode=_pick(
                rng,
                {AppointmentMode.IN_PERSON: 6, AppointmentMode.PHONE: 3, AppointmentMode.VIDEO: 1},
            ),
            programme=_programme(rng, programmes, day, usual),
            **fields,
        )

    end = plan.exit_on or today
    day = _weekday(plan.information_meeting_on + _days(rng, 0, 10))
    while day < end:
        stage = plan.stage_on(day)
        status = _pick(
            rng,
            {
                AppointmentStatus.HELD: 85,
                AppointmentStatus.MISSED: 8,
                AppointmentStatus.CANCELLED: 7,
            },
        )
        topics = next_steps = ""
        if status == AppointmentStatus.HELD:
            topics = rng.choice(STAGE_TOPICS[stage])
            if stage != Stage.WELCOME and rng.random() < 0.6:
                template = ACTIVITY_TOPICS[member.activity]
                topics += " " + template.format(client=rng.choice(CLIENTS))
            next_steps = rng.choice(NEXT_STEPS)
        elif status == AppointmentStatus.MISSED:
            next_steps = MISSED_NEXT_STEP
        rows.append(appointment(day, status=status, topics=topics, next_steps=next_steps))
        low, high = APPOINTMENT_EVERY[stage]
        day = _weekday(day + _days(rng, low, high))
    if plan.exit_on is None and rng.random() < planned_share:
        rows.append(appointment(_weekday_within(rng, today + ONE_DAY, today + timedelta(days=13))))
    return rows


def _trainings(rng: random.Random, person: Person, *, today: date) -> list[Training]:
    """Trainings and certificates, some followed before joining, some since expired."""
    member, plan = person.member, person.plan
    start, end = plan.information_meeting_on, plan.exit_on or today
    activity = member.activity
    rows = []

    def add(chance, kind, title, organisation, months=None):
        if rng.random() >= chance:
            return
        obtained = min(start + _days(rng, -720, (end - start).days), end)
        expires = add_months(obtained, months) if months else None
        rows.append(
            Training(
                member=member,
                kind=kind,
                title=title,
                organisation=organisation,
                obtained_on=obtained,
                expires_on=expires,
            )
        )

    add(
        0.7 if member.is_peer_mediator else 0.05,
        TrainingKind.PEER_SUPPORT_DU,
        "DU Pair-aidance & savoirs expérientiels",
        UNIVERSITIES[person.department],
    )
    add(
        0.45,
        TrainingKind.FIRST_AID,
        "Prévention et secours civiques de niveau 1 (PSC1)",
        rng.choice(("Croix-Rouge française", "Protection civile")),
        36,
    )
    if activity in (Activity.GARDENING, Activity.SMALL_WORKS):
        add(
            0.4,
            TrainingKind.FIRST_AID,
            "Sauveteur secouriste du travail (SST)",
            "Organisme habilité par l'INRS",
            24,
        )
    if activity in (Activity.PREVENTION, Activity.PEER_MEDIATION, Activity.TRAINING):
        add(
            0.5,
            TrainingKind.PREVENTION,
            "Intervenir en prévention des conduites addictives",
            "Fédération Addiction",
        )
    add(0.2, TrainingKind.FIRST_AID, "Premiers secours en santé mentale (PSSM)", "PSSM France", 36)
    if activity == Activity.GARDENING:
        add(
            0.3,
            TrainingKind.OTHER,
            "Certiphyto — produits phytopharmaceutiques",
            "Chambre d'agriculture",
            60,
        )
    if activity == Activity.SMALL_WORKS:
        add(0.3, TrainingKind.OTHER, "Habilitation électrique B0-H0V", "AFPA", 36)
    if plan.capes:
        add(0.25, TrainingKind.OTHER, "Créer et piloter son activité en CAE", "Entrepairs")
    return rows


def _consents(
    rng: random.Random, plan: Plan, *, today: date
) -> list[tuple[str, date, date | None]]:
    """(scope, given on, withdrawn on): asked at the welcome, sometimes withdrawn later."""
    end = plan.exit_on or today
    given = min(plan.information_meeting_on + _days(rng, 0, 20), end)
    rows = []
    for scope, chance in CONSENT_CHANCES.items():
        if rng.random() < chance:
            withdrawn = None
            if end > given and rng.random() < CONSENT_WITHDRAWN:
                withdrawn = given + _days(rng, 1, (end - given).days)
            rows.append((scope, given, withdrawn))
    return rows


def _workshops(
    rng: random.Random,
    *,
    today: date,
    history: int,
    past: int,
    upcoming: int,
    programmes: list[Programme],
    coordinators: list[User],
    departments: dict[str, int],
) -> list[Workshop]:
    """Workshops on weekdays over the history and in the next six weeks, each with its
    time slots (in `workshop.seed_slots`, written after the workshops)."""
    workshops = []
    for index in range(past + upcoming):
        if index < past:
            day = today - _days(rng, 1, history)
            day -= timedelta(days=max(0, day.weekday() - 4))  # a weekend moves to Friday
        else:
            day = _weekday_within(rng, today + ONE_DAY, today + timedelta(days=45))
        subject, description, usual = rng.choice(WORKSHOP_SUBJECTS)
        workshop = Workshop(
            subject=subject,
            description=description,
            date=day,
            place=rng.choice(PLACES[_pick(rng, departments)]),
            capacity=rng.choice((8, 10, 12, 12, 15, 20)),
            coordinator=rng.choice(coordinators),
            programme=_programme(rng, programmes, day, usual),
        )
        workshop.seed_slots = [
            WorkshopSlot(workshop=workshop, starts_at=start, ends_at=end)
            for start, end in rng.choice(WORKSHOP_SLOTS)
        ]
        workshops.append(workshop)
    return workshops


def _attendees(
    rng: random.Random, workshop: Workshop, people: list[Person], *, today: date
) -> list[Person]:
    """People on the path that day (not gone), up to the workshop's capacity."""
    wanted = rng.randint(workshop.capacity // 2, workshop.capacity)
    if workshop.date >= today:
        wanted = rng.randint(workshop.capacity // 4, workshop.capacity * 3 // 4)
    chosen: dict[int, Person] = {}
    for _attempt in range(wanted * 8):
        if len(chosen) >= wanted:
            break
        index = rng.randrange(len(people))
        stage = people[index].plan.stage_on(min(workshop.date, today))
        if index not in chosen and stage not in (None, Stage.EXITED):
            chosen[index] = people[index]
    return list(chosen.values())


def _registrations(
    rng: random.Random, workshops: list[Workshop], people: list[Person], *, today: date
) -> list[WorkshopRegistration]:
    """Past workshops with their attendance noted; upcoming ones with registrations."""
    rows = []
    for workshop in workshops:
        for person in _attendees(rng, workshop, people, today=today):
            registered_on = max(
                workshop.date - _days(rng, 2, 21), person.plan.information_meeting_on
            )
            if workshop.date < today:
                attendance = _pick(
                    rng, {Attendance.PRESENT: 72, Attendance.ABSENT: 14, Attendance.EXCUSED: 14}
                )
            else:
                attendance = Attendance.REGISTERED
                registered_on = min(registered_on, today)
            rows.append(
                WorkshopRegistration(
                    workshop=workshop,
                    member=person.member,
                    attendance=attendance,
                    registered_at=_at(registered_on, rng.randint(8, 20)),
                )
            )
    return rows


def _stages(weights: dict[Stage, int], count: int) -> list[Stage]:
    """`count` stages in these proportions (largest remainders), in stage order."""
    total = sum(weights.values())
    exact = {stage: count * weight / total for stage, weight in weights.items()}
    counts = {stage: int(value) for stage, value in exact.items()}
    by_remainder = sorted(exact, key=lambda stage: counts[stage] - exact[stage])
    for stage in by_remainder[: count - sum(counts.values())]:
        counts[stage] += 1
    return [stage for stage in weights for _ in range(counts[stage])]


def _demo_entrepreneur_plan(rng: random.Random, *, today: date) -> Plan:
    """The fixed demo login: a CESA for fourteen months, after a CAPE renewed once."""
    cesa_on = _contract_day(add_months(today, -14))
    capes = _cape_chain(rng, add_months(cesa_on, -6), 6, 1)
    return _with_information_meeting(
        rng, Plan(stage=Stage.CESA, information_meeting_on=today, capes=capes, cesa_on=cesa_on)
    )


def seed_path(*, rng: random.Random, faker: Faker, size: str, scale: float = 1.0) -> None:
    """Members on their path, with contracts, history, consents, health profiles (only
    under consent), skills, trainings, appointments and workshops.

    Every entrepreneur account gets its member record; candidates and people who left
    have none. The demo plays each path through the services, so that the history is what
    the platform writes; the large size writes the same rows in bulk. `scale` shrinks the
    people without an account and the workshops, as in `seed_members`.
    """
    today = timezone.localdate()
    coordinators = list(User.objects.filter(role=Role.COORDINATOR, is_active=True))
    lead = next(c for c in coordinators if c.email == DEMO_LOGINS[Role.COORDINATOR])
    programmes = list(Programme.objects.order_by("pk"))
    skills = {name: Skill(name=name) for names in SKILLS.values() for name in names}
    Skill.objects.bulk_create(skills.values())

    people = _draw_people(
        rng, faker, size=size, scale=scale, today=today, lead=lead, coordinators=coordinators
    )
    if size == "demo":
        _write_with_services(people, skills=skills)
    else:
        _write_in_bulk(people, skills=skills)
    _align_account_dates(people)

    appointments = []
    for person in people:
        appointments += _appointments(
            rng,
            person,
            today=today,
            programmes=programmes,
            coordinators=coordinators,
            planned_share=1.0 if person is people[0] else PLANNED_APPOINTMENTS[size],
        )
    Appointment.objects.bulk_create(appointments, batch_size=BATCH_SIZE)
    # The demo login's trainings come with their certificates (_demo_entrepreneur_papers).
    trainings = [row for person in people[1:] for row in _trainings(rng, person, today=today)]
    Training.objects.bulk_create(trainings, batch_size=BATCH_SIZE)
    _demo_entrepreneur_papers(people[0], actor=lead, today=today)
    _seed_workshops(
        rng,
        people,
        size=size,
        scale=scale,
        today=today,
        programmes=programmes,
        coordinators=coordinators,
    )


def _draw_people(
    rng: random.Random,
    faker: Faker,
    *,
    size: str,
    scale: float,
    today: date,
    lead: User,
    coordinators: list[User],
) -> list[Person]:
    """Everyone's path and details, the fixed demo login first."""
    history, departments = HISTORY_DAYS[size], DEPARTMENTS[size]
    taken_emails = set(User.objects.values_list("email", flat=True))
    taken_emails |= set(Invitation.objects.values_list("email", flat=True))

    def person(plan: Plan, user: User | None, deadline: bool = False) -> Person:
        in_demo = size == "demo" and (deadline or rng.random() < 0.5)
        return _person(
            rng,
            faker,
            plan,
            today=today,
            departments=departments,
            # In the demo, the coordinator's login follows half the people.
            coordinator=lead if in_demo else rng.choice(coordinators),
            user=user,
            taken_emails=taken_emails,
        )

    accounts = list(User.objects.filter(role=Role.ENTREPRENEUR).order_by("pk"))
    demo_account = next(u for u in accounts if u.email == DEMO_LOGINS[Role.ENTREPRENEUR])
    plan = _demo_entrepreneur_plan(rng, today=today)
    demo = _person(
        rng,
        faker,
        plan,
        today=today,
        departments={"93": 1},
        coordinator=lead,
        user=demo_account,
        taken_emails=taken_emails,
    )
    demo.fields.update(activity=Activity.PEER_MEDIATION, is_peer_mediator=True)
    demo.skills = ["Écoute active", "Médiation", "Réduction des risques"]
    demo.former_service_user = True
    demo.consents = [(scope, plan.information_meeting_on, None) for scope in CONSENT_CHANCES]
    people = [demo]

    others = [user for user in accounts if user != demo_account]
    stages = _stages(ACCOUNT_STAGES[size], len(others))
    rng.shuffle(stages)
    # The demo shows the dashboard's warnings: two CAPE ending soon, a CESA near 3 years.
    warnings = {Stage.CAPE: 2, Stage.CESA: 1} if size == "demo" else {}
    for user, stage in zip(others, stages, strict=True):
        deadline = warnings.get(stage, 0) > 0
        if deadline:
            warnings[stage] -= 1
        plan = draw_plan(rng, stage, today=today, history=history, deadline=deadline)
        people.append(person(plan, user, deadline))
    for stage, count in WITHOUT_ACCOUNT[size].items():
        for _ in range(max(1, round(count * scale))):
            people.append(person(draw_plan(rng, stage, today=today, history=history), None))
    return people


def _seed_workshops(
    rng: random.Random,
    people: list[Person],
    *,
    size: str,
    scale: float,
    today: date,
    programmes: list[Programme],
    coordinators: list[User],
) -> None:
    past, upcoming = (max(1, round(count * scale)) for count in WORKSHOPS[size])
    workshops = _workshops(
        rng,
        today=today,
        history=HISTORY_DAYS[size],
        past=past,
        upcoming=upcoming,
        programmes=programmes,
        coordinators=coordinators,
        departments=DEPARTMENTS[size],
    )
    Workshop.objects.bulk_create(workshops, batch_size=BATCH_SIZE)
    WorkshopSlot.objects.bulk_create(
        [slot for workshop in workshops for slot in workshop.seed_slots], batch_size=BATCH_SIZE
    )
    # The demo login takes a place in the next workshop, through the service like anyone.
    demo = people[0].member
    services.workshop_register(
        actor=demo.user, workshop=min(workshops[past:], key=lambda w: w.date), member=demo
    )
    registrations = _registrations(rng, workshops[:past], people, today=today)
    if size == "demo":
        for workshop in workshops[past:]:
            for person in _attendees(rng, workshop, people[1:], today=today):
                services.workshop_register(
                    actor=person.member.user or person.member.coordinator,
                    workshop=workshop,
                    member=person.member,
                )
    else:
        registrations += _registrations(rng, workshops[past:], people[1:], today=today)
    WorkshopRegistration.objects.bulk_create(registrations, batch_size=BATCH_SIZE)


def _write_with_services(people: list[Person], *, skills: dict[str, Skill]) -> None:
    """The demo: each path, consent and health profile through the services."""
    for person in people:
        plan, actor = person.plan, person.fields["coordinator"]
        member = services.member_register(
            actor=actor,
            information_meeting_on=plan.information_meeting_on,
            skills=[skills[name] for name in person.skills],
            **person.fields,
        )
        if plan.capes:
            (start, planned_end), *renewals = plan.capes
            services.cape_start(
                actor=actor, member=member, start_date=start, planned_end_date=planned_end
            )
            for start, planned_end in renewals:
                services.cape_renew(
                    actor=actor, member=member, start_date=start, planned_end_date=planned_end
                )
        if plan.cesa_on is not None:
            services.cesa_start(actor=actor, member=member, start_date=plan.cesa_on)
        if plan.associate_on is not None:
            services.associate_join(actor=actor, member=member, on=plan.associate_on)
        if plan.exit_on is not None:
            services.member_exit(
                actor=actor, member=member, on=plan.exit_on, reason=plan.exit_reason
            )
        member.refresh_from_db()
        person.member = member
        for scope, given, withdrawn in person.consents:
            consent = services.consent_record(
                actor=actor,
                member=member,
                scope=scope,
                given_on=given,
                explanation=CONSENT_EXPLANATIONS[scope],
            )
            if scope == ConsentScope.HEALTH_PROFILE and person.former_service_user:
                services.sensitive_profile_set(
                    actor=actor, member=member, is_former_service_user=True
                )
            if withdrawn is not None:
                services.consent_withdraw(actor=actor, consent=consent, on=withdrawn)


def _write_in_bulk(people: list[Person], *, skills: dict[str, Skill]) -> None:
    """The large size: the rows the services would write, a few thousand at a time."""
    members = []
    for person in people:
        plan = person.plan
        person.member = Member(
            information_meeting_on=plan.information_meeting_on,
            stage=plan.stage,
            stage_since=plan.stage_since,
            exited_on=plan.exit_on,
            exit_reason=plan.exit_reason,
            **person.fields,
        )
        members.append(person.member)
    Member.objects.bulk_create(members, batch_size=BATCH_SIZE)
    Member.skills.through.objects.bulk_create(
        [
            Member.skills.through(member_id=person.member.pk, skill_id=skills[name].pk)
            for person in people
            for name in person.skills
        ],
        batch_size=BATCH_SIZE,
    )

    # Contracts one generation at a time, so that a renewal points at a saved contract.
    planned = [person.plan.contracts() for person in people]
    saved: list[list[Contract]] = [[] for _ in people]
    for generation in range(max(map(len, planned), default=0)):
        batch = []
        for person, rows, contracts in zip(people, planned, saved, strict=True):
            if generation < len(rows):
                row = dict(rows[generation])
                renewal_of = contracts[-1] if row.pop("renews_previous") else None
                contracts.append(
                    Contract(
                        member=person.member,
                        renewal_of=renewal_of,
                        created_by=person.member.coordinator,
                        **row,
                    )
                )
                batch.append(contracts[-1])
        Contract.objects.bulk_create(batch, batch_size=BATCH_SIZE)
    PathStep.objects.bulk_create(
        [
            PathStep(
                member=person.member,
                stage=stage,
                on=on,
                contract=contracts[index] if index is not None else None,
                note=note,
                exit_reason=exit_reason,
                recorded_by=person.member.coordinator,
            )
            for person, contracts in zip(people, saved, strict=True)
            for stage, on, index, note, exit_reason in person.plan.steps()
        ],
        batch_size=BATCH_SIZE,
    )

    consents, profiles, recorded = [], [], []
    for person in people:
        for scope, given, withdrawn in person.consents:
            consents.append(
                Consent(
                    member=person.member,
                    scope=scope,
                    given_on=given,
                    withdrawn_on=withdrawn,
                    explanation=CONSENT_EXPLANATIONS[scope],
                    recorded_by=person.member.coordinator,
                )
            )
            if (
                scope == ConsentScope.HEALTH_PROFILE
                and withdrawn is None
                and person.former_service_user
            ):
                profiles.append(SensitiveProfile(member=person.member, is_former_service_user=True))
                recorded.append(_at(given, 12))
    Consent.objects.bulk_create(consents, batch_size=BATCH_SIZE)
    SensitiveProfile.objects.bulk_create(profiles, batch_size=BATCH_SIZE)
    # What sensitive_profile_set writes: who recorded the health data, and when.
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                actor=profile.member.coordinator,
                action=AccessAction.CHANGE,
                record_type=SensitiveProfile._meta.label_lower,
                record_id=profile.pk,
                member=profile.member,
                at=at,
            )
            for profile, at in zip(profiles, recorded, strict=True)
        ],
        batch_size=BATCH_SIZE,
    )


def _align_account_dates(people: list[Person]) -> None:
    """An account is opened when the person signs their first CAPE (or, at the welcome,
    when the coordinator invites them)."""
    users = []
    for person in people:
        user, plan = person.member.user, person.plan
        if user is not None:
            opened = plan.capes[0][0] if plan.capes else plan.information_meeting_on
            user.date_joined = _at(opened, 9)
            users.append(user)
    User.objects.bulk_update(users, ["date_joined"], batch_size=BATCH_SIZE)


def _demo_entrepreneur_papers(person: Person, *, actor: User, today: date) -> None:
    """The demo login's trainings, one certificate expiring soon, and two real PDFs: the
    DU certificate and the signed CESA."""
    member, plan = person.member, person.plan
    certificate = services.document_add(
        actor=actor,
        member=member,
        kind=DocumentKind.CERTIFICATE,
        title="Attestation DU Pair-aidance & savoirs expérientiels",
        uploaded_file=SimpleUploadedFile(
            "attestation-du-pair-aidance.pdf",
            tiny_pdf(
                "Attestation de réussite",
                "DU Pair-aidance & savoirs expérientiels",
                f"{member.full_name} — {UNIVERSITIES['93']}",
            ),
            content_type="application/pdf",
        ),
    )
    signed = services.document_add(
        actor=actor,
        member=member,
        kind=DocumentKind.CONTRACT,
        title="CESA signé",
        uploaded_file=SimpleUploadedFile(
            "cesa-signe.pdf",
            tiny_pdf(
                "Contrat d'entrepreneur salarié associé (CESA)",
                f"Entre la coopérative Entrepairs et {member.full_name}",
                f"À compter du {plan.cesa_on:%d/%m/%Y}",
            ),
            content_type="application/pdf",
        ),
    )
    member.contracts.filter(kind=ContractKind.CESA).update(document=signed)
    first_aid_expires = today + timedelta(days=20)
    Training.objects.bulk_create(
        [
            Training(
                member=member,
                kind=TrainingKind.PEER_SUPPORT_DU,
                title="DU Pair-aidance & savoirs expérientiels",
                organisation=UNIVERSITIES["93"],
                obtained_on=plan.cesa_on - timedelta(days=45),
                document=certificate,
            ),
            Training(
                member=member,
                kind=TrainingKind.FIRST_AID,
                title="Prévention et secours civiques de niveau 1 (PSC1)",
                organisation="Croix-Rouge française",
                obtained_on=add_months(first_aid_expires, -36),
                expires_on=first_aid_expires,
            ),
            Training(
                member=member,
                kind=TrainingKind.PREVENTION,
                title="Intervenir en prévention des conduites addictives",
                organisation="Fédération Addiction",
                obtained_on=plan.capes[0][0] + timedelta(days=60),
            ),
        ]
    )


def tiny_pdf(*lines: str) -> bytes:
    """A one-page PDF showing these lines (Helvetica, Windows-1252 text)."""

    def escape(text: str) -> bytes:
        raw = text.encode("cp1252", "replace")
        return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")

    text = (
        b"BT /F1 14 Tf 18 TL 72 770 Td "
        + b" T* ".join(b"(" + escape(line) + b") Tj" for line in lines)
        + b" ET"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    pdf, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return pdf
