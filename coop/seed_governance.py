"""The governance of the demo and load-test data sets (a `manage.py seed` step): the
cooperative's associates and their shares, its general assembly and board, and the
bodies of each peer-help collective, with elections and meetings over the history.

Associates are the members who reached the "associé" step of their path, two of the
coordinators, a few supporters, a town and the association that founded the cooperative.
Elections and seats go through the services (coop.governance). Past meetings are history:
their rows are written as the services would have left them once held (the services
convene and take attendance only from today on), with the same roster, quorum and
majority rules. The demo's shares are played through the services; the large size writes
ten years of monthly payments in bulk, with the same running balances.

In the demo, the demo entrepreneur sits, elected, on the council of their club; the
cooperative's next general assembly is prepared but not convened, so that a coordinator
can send the convocation.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify
from faker import Faker

from coop import governance
from coop.enums import (
    AssociateCategory,
    AssociateExit,
    BodyKind,
    CollectiveKind,
    DecisionKind,
    MeetingAttendance,
    MembershipEventKind,
    SeatKind,
    ShareMovementKind,
)
from coop.models import (
    AgendaItem,
    Associate,
    Body,
    Collective,
    CollectivePerson,
    Decision,
    Meeting,
    MeetingParticipant,
    MembershipEvent,
    ShareMovement,
)
from members.dates import add_months, add_years
from members.enums import ExitReason, Role, Stage
from members.models import Member, PathStep, User
from members.seed import DEMO_LOGINS

NOMINAL_VALUE = Decimal("25.00")
MINIMUM_SHARES = 4
MONTHLY_PAYMENT = Decimal("25.00")
BATCH_SIZE = 5000
ONE_DAY = datetime.timedelta(days=1)
# Council meetings of each club: the latest months in the demo, every month in the large.
DEMO_COUNCIL_MONTHS = 6
DEMO_BOARD_QUARTERS = 4

EXIT_REASONS = {
    ExitReason.EMPLOYMENT: AssociateExit.EMPLOYMENT_END,
    ExitReason.OWN_COMPANY: AssociateExit.EMPLOYMENT_END,
    ExitReason.HEALTH: AssociateExit.RESIGNATION,
    ExitReason.PERSONAL: AssociateExit.RESIGNATION,
}

ASSEMBLY_AGENDA = [
    (
        "Rapport de gestion de l'exercice",
        [("Approbation du rapport de gestion", DecisionKind.ORDINARY)],
    ),
    (
        "Comptes annuels et affectation du résultat",
        [
            ("Approbation des comptes annuels", DecisionKind.ORDINARY),
            ("Affectation du résultat en réserves impartageables", DecisionKind.ORDINARY),
        ],
    ),
    (
        "Admission des nouveaux associé·es",
        [("Ratification des admissions de l'exercice", DecisionKind.ORDINARY)],
    ),
    ("Questions diverses", []),
]
STATUTES_ITEM = (
    "Modification des statuts",
    [
        (
            "Ouverture d'un collège des bénéficiaires (article 12 des statuts)",
            DecisionKind.EXTRAORDINARY,
        )
    ],
)
BOARD_AGENDA = [
    ("Point sur la trésorerie", []),
    (
        "Entrées et sorties d'entrepreneur·es",
        [("Validation des nouveaux contrats CAPE", DecisionKind.ORDINARY)],
    ),
    (
        "Projets et partenariats",
        [("Candidature à l'appel à projets de la Fondation de France", DecisionKind.ORDINARY)],
    ),
]
CLUB_ASSEMBLY_AGENDA = [
    ("Bilan de l'année du club", [("Approbation du bilan d'activité", DecisionKind.ORDINARY)]),
    ("Horaires et ouverture", [("Ouverture du club le samedi matin", DecisionKind.ORDINARY)]),
    ("Budget des sorties et des repas", [("Budget des sorties de l'année", DecisionKind.ORDINARY)]),
    ("Questions des membres", []),
]
COUNCIL_TOPICS = [
    ("Organisation de la cuisine", "Roulement des équipes de cuisine"),
    ("Accueil des nouveaux membres", "Binômes d'accueil pour les nouveaux membres"),
    ("Sortie du mois", "Sortie au parc départemental"),
    ("Atelier emploi", "Atelier CV chaque mardi"),
    ("Fête du club", "Organisation de la fête de fin d'année"),
    ("Règles de vie", "Rappel des règles de vie commune"),
    ("Achats", "Achat d'une machine à café"),
]
COUNCIL_NOTES = [
    "Échanges dans le calme ; chacun·e a pu donner son avis.",
    "Les membres de la cuisine ont présenté leurs propositions.",
    "Plusieurs idées retenues pour le mois prochain.",
]


@dataclass
class Ledger:
    """An associate's movements drawn in memory, with the running balances, for bulk
    insertion (the large size)."""

    associate: Associate
    rows: list[ShareMovement] = field(default_factory=list)

    def add(
        self, kind, on, *, shares=0, amount=Decimal("0"), subscribed=0, paid=0, refund=0, **extra
    ):
        a = self.associate
        a.shares += shares
        a.subscribed += subscribed
        a.paid += paid
        a.refund_due += refund
        self.rows.append(
            ShareMovement(
                associate=a,
                sequence=len(self.rows) + 1,
                kind=kind,
                on=on,
                shares=shares,
                amount=amount,
                shares_balance=a.shares,
                subscribed_balance=a.subscribed,
                paid_balance=a.paid,
                refund_due_balance=a.refund_due,
                recorded_by=a.created_by,
                **extra,
            )
        )


def seed_governance(*, rng: random.Random, faker: Faker, size: str) -> None:
    today = timezone.localdate()
    coordinator = User.objects.get(email=DEMO_LOGINS[Role.COORDINATOR])
    lead = User.objects.get(email=DEMO_LOGINS[Role.PEER_SUPPORT_LEAD])
    cooperative = Collective.objects.get(kind=CollectiveKind.COOPERATIVE)
    governance.share_terms_save(
        actor=coordinator,
        collective=cooperative,
        nominal_value=NOMINAL_VALUE,
        minimum_shares=MINIMUM_SHARES,
        refund_delay_months=60,
    )
    if size == "demo":
        _associates_with_services(rng, faker, cooperative, coordinator, today)
    else:
        _associates_in_bulk(rng, faker, cooperative, coordinator, today)
    _cooperative_bodies(rng, faker, cooperative, coordinator, today, size)
    for club in Collective.objects.filter(kind=CollectiveKind.PEER_HELP).order_by("pk"):
        _club_bodies(rng, faker, club, lead, today, size)


# --- associates --------------------------------------------------------------------------


@dataclass
class Admission:
    """Someone who becomes an associate, drawn before anything is written."""

    admitted_on: datetime.date
    category: str
    shares: int
    address: str
    postcode: str
    commune: str
    person: CollectivePerson | None = None
    legal_name: str = ""
    representative: str = ""
    email: str = ""
    paid_at_admission: Decimal = Decimal("0")
    left_on: datetime.date | None = None
    exit_reason: str = ""


def _draw_admissions(rng, faker, cooperative, today, actor) -> list[Admission]:
    """The members who became associates (their path's "associé" step), two coordinators,
    supporters, the founding association and the town."""
    founded = cooperative.founded_on
    steps = (
        PathStep.objects.filter(stage=Stage.ASSOCIATE).select_related("member").order_by("on", "pk")
    )
    people = []
    admissions = []
    for step in steps:
        member: Member = step.member
        person = CollectivePerson(
            collective=cooperative,
            member=member,
            user=member.user,
            first_name=member.first_name,
            last_name=member.last_name,
            email=member.email,
            phone=member.phone,
            joined_on=step.on,
        )
        shares = rng.choice([4, 8, 12, 20])
        admission = Admission(
            admitted_on=step.on,
            category=AssociateCategory.EMPLOYEE,
            shares=shares,
            address=faker.street_address(),
            postcode=member.postcode or "93100",
            commune=member.commune or "Montreuil",
            person=person,
            paid_at_admission=MONTHLY_PAYMENT * rng.choice([1, 2, 4]),
        )
        if member.stage == Stage.EXITED and member.exited_on:
            admission.left_on = member.exited_on
            admission.exit_reason = EXIT_REASONS.get(member.exit_reason, AssociateExit.RESIGNATION)
        people.append(person)
        admissions.append(admission)
    staff = User.objects.filter(role=Role.COORDINATOR, is_active=True).order_by("pk")[:2]
    for user in staff:
        person = CollectivePerson(
            collective=cooperative,
            user=user,
            first_name=user.first_name,
            last_name=user.last_name,
            email=user.email,
            joined_on=founded,
        )
        people.append(person)
        admissions.append(
            Admission(
                admitted_on=founded,
                category=AssociateCategory.EMPLOYEE,
                shares=20,
                address=faker.street_address(),
                postcode="75011",
                commune="Paris",
                person=person,
                paid_at_admission=NOMINAL_VALUE * 20,
            )
        )
    for index in range(3):
        first_name, last_name = faker.first_name(), faker.last_name()
        joined = founded + datetime.timedelta(
            days=rng.randint(30, max(31, (today - founded).days // 2))
        )
        person = CollectivePerson(
            collective=cooperative,
            first_name=first_name,
            last_name=last_name,
            email=f"{slugify(first_name)}.{slugify(last_name)}@exemple.fr",
            joined_on=joined,
        )
        people.append(person)
        admissions.append(
            Admission(
                admitted_on=joined,
                category=AssociateCategory.SUPPORTER,
                shares=2 * MINIMUM_SHARES,
                address=faker.street_address(),
                postcode="93100",
                commune="Montreuil",
                person=person,
                paid_at_admission=NOMINAL_VALUE * 2 * MINIMUM_SHARES,
                # The last one resigned some months ago: refunded within the delay.
                left_on=today - datetime.timedelta(days=200) if index == 2 else None,
                exit_reason=AssociateExit.RESIGNATION if index == 2 else "",
            )
        )
    CollectivePerson.objects.bulk_create(people, batch_size=BATCH_SIZE)
    # As coop.collectives.person_join writes it: every membership starts with its arrival.
    MembershipEvent.objects.bulk_create(
        [
            MembershipEvent(
                person=person,
                kind=MembershipEventKind.JOINED,
                on=person.joined_on,
                recorded_by=actor,
            )
            for person in people
        ],
        batch_size=BATCH_SIZE,
    )
    admissions += [
        Admission(
            admitted_on=founded,
            category=AssociateCategory.PARTNER,
            shares=200,
            address="18 rue de la Fraternité",
            postcode="93100",
            commune="Montreuil",
            legal_name="Association Le Relais — addictologie et réduction des risques",
            representative=f"{faker.name()}, directrice",
            email="direction@le-relais.exemple.fr",
            paid_at_admission=NOMINAL_VALUE * 200,
        ),
        Admission(
            admitted_on=founded + datetime.timedelta(days=200),
            category=AssociateCategory.PUBLIC_AUTHORITY,
            shares=40,
            address="Place Jean-Jaurès",
            postcode="93100",
            commune="Montreuil",
            legal_name="Commune de Montreuil",
            representative=f"{faker.name()}, adjointe à l'économie sociale et solidaire",
            email="ess@montreuil.exemple.fr",
            paid_at_admission=NOMINAL_VALUE * 40,
        ),
    ]
    admissions.sort(
        key=lambda a: (a.admitted_on, a.legal_name, a.person.last_name if a.person else "")
    )
    return admissions


def _close_memberships(admissions: list[Admission], actor: User) -> None:
    """Who left the cooperative left its collective the same day, as
    coop.collectives.person_leave writes it."""
    leaving = [a for a in admissions if a.person is not None and a.left_on]
    for admission in leaving:
        admission.person.left_on = admission.left_on
    CollectivePerson.objects.bulk_update([a.person for a in leaving], ["left_on"])
    MembershipEvent.objects.bulk_create(
        [
            MembershipEvent(
                person=a.person, kind=MembershipEventKind.LEFT, on=a.left_on, recorded_by=actor
            )
            for a in leaving
        ]
    )


def _associates_with_services(rng, faker, cooperative, coordinator, today) -> None:
    admissions = _draw_admissions(rng, faker, cooperative, today, coordinator)
    for admission in admissions:
        associate = governance.associate_admit(
            actor=coordinator,
            collective=cooperative,
            category=admission.category,
            admitted_on=admission.admitted_on,
            shares=admission.shares,
            address=admission.address,
            postcode=admission.postcode,
            commune=admission.commune,
            person=admission.person,
            legal_name=admission.legal_name,
            representative=admission.representative,
            email=admission.email,
            paid_amount=admission.paid_at_admission,
        )
        end = admission.left_on or today
        month = 1
        while associate.unpaid > 0 and add_months(admission.admitted_on, month) <= end:
            governance.shares_pay(
                actor=coordinator,
                associate=associate,
                on=add_months(admission.admitted_on, month),
                amount=min(MONTHLY_PAYMENT, associate.unpaid),
                note="Retenue sur salaire",
            )
            associate.refresh_from_db()
            month += 1
        if admission.left_on:
            governance.associate_leave(
                actor=coordinator,
                associate=associate,
                on=admission.left_on,
                reason=admission.exit_reason,
            )
            associate.refresh_from_db()
            paid_on = add_months(admission.left_on, 12)
            if associate.refund_due and paid_on <= today:
                governance.refund_pay(
                    actor=coordinator,
                    associate=associate,
                    on=paid_on,
                    amount=associate.refund_due,
                    note="Virement",
                )
    _close_memberships(admissions, coordinator)
    # A supporter gives two of their fully paid shares to another.
    supporters = list(
        Associate.objects.filter(
            collective=cooperative, category=AssociateCategory.SUPPORTER, left_on__isnull=True
        ).order_by("number")
    )
    if len(supporters) >= 2:
        giver, receiver = supporters[1], supporters[0]
        on = max(giver.movements.last().on, receiver.movements.last().on, today - 60 * ONE_DAY)
        governance.shares_transfer(
            actor=coordinator,
            associate=giver,
            to=receiver,
            on=on,
            shares=2,
            note="Cession entre soutiens",
        )


def _associates_in_bulk(rng, faker, cooperative, coordinator, today) -> None:
    ledgers = []
    admissions = _draw_admissions(rng, faker, cooperative, today, coordinator)
    for number, admission in enumerate(admissions, start=1):
        associate = Associate(
            collective=cooperative,
            number=number,
            person=admission.person,
            legal_name=admission.legal_name,
            representative=admission.representative,
            email=admission.email,
            address=admission.address,
            postcode=admission.postcode,
            commune=admission.commune,
            category=admission.category,
            admitted_on=admission.admitted_on,
            left_on=admission.left_on,
            exit_reason=admission.exit_reason,
            created_by=coordinator,
            shares=0,
            subscribed=Decimal("0"),
            paid=Decimal("0"),
            refund_due=Decimal("0"),
        )
        ledger = Ledger(associate)
        value = NOMINAL_VALUE * admission.shares
        ledger.add(
            ShareMovementKind.SUBSCRIPTION,
            admission.admitted_on,
            shares=admission.shares,
            amount=value,
            subscribed=value,
            unit_value=NOMINAL_VALUE,
            note="Souscription à l'admission",
        )
        first = min(admission.paid_at_admission, value)
        if first:
            ledger.add(ShareMovementKind.PAYMENT, admission.admitted_on, amount=first, paid=first)
        end = admission.left_on or today
        month = 1
        while (
            associate.paid < associate.subscribed
            and add_months(admission.admitted_on, month) <= end
        ):
            amount = min(MONTHLY_PAYMENT, associate.subscribed - associate.paid)
            ledger.add(
                ShareMovementKind.PAYMENT,
                add_months(admission.admitted_on, month),
                amount=amount,
                paid=amount,
                note="Retenue sur salaire",
            )
            month += 1
        if admission.left_on:
            refund = associate.paid
            ledger.add(
                ShareMovementKind.REFUND,
                admission.left_on,
                shares=-associate.shares,
                amount=refund,
                subscribed=-associate.subscribed,
                paid=-associate.paid,
                refund=refund,
                unit_value=NOMINAL_VALUE,
                due_on=add_months(admission.left_on, 60),
            )
            paid_on = add_months(admission.left_on, 12)
            if refund and paid_on <= today:
                ledger.add(
                    ShareMovementKind.REFUND_PAYMENT,
                    paid_on,
                    amount=refund,
                    refund=-refund,
                    note="Virement",
                )
        ledgers.append(ledger)
    Associate.objects.bulk_create([ledger.associate for ledger in ledgers], batch_size=BATCH_SIZE)
    ShareMovement.objects.bulk_create(
        [row for ledger in ledgers for row in ledger.rows], batch_size=BATCH_SIZE
    )
    _close_memberships(admissions, coordinator)


# --- bodies and meetings -------------------------------------------------------------------


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _past_meeting(
    rng: random.Random,
    body: Body,
    *,
    actor: User,
    title: str,
    day: datetime.date,
    hour: int,
    place: str,
    agenda: list,
    presence: tuple[float, float],
    chair: str,
    notes: str = "",
) -> Meeting | None:
    """A meeting held on `day`: convened within the notice period, attendance with a few
    proxies, decisions voted on the agenda's items, closed with its minutes. None when the
    body had nobody to convene that day."""
    roster = governance.body_roster(body, day)
    if not roster:
        return None
    starts_at = _at(day, hour)
    meeting = Meeting.objects.create(
        body=body,
        title=title,
        starts_at=starts_at,
        place=place,
        convened_at=starts_at - datetime.timedelta(days=body.notice_days + rng.randint(1, 6)),
        convened_by=actor,
        created_by=actor,
        created_at=starts_at - datetime.timedelta(days=body.notice_days + 10),
    )
    items = AgendaItem.objects.bulk_create(
        [
            AgendaItem(meeting=meeting, position=index, title=item_title)
            for index, (item_title, _decisions) in enumerate(agenda, start=1)
        ]
    )
    rate = rng.uniform(*presence)
    participants = []
    for entry in roster:
        roll = rng.random()
        if roll < rate:
            attendance = MeetingAttendance.PRESENT
        elif roll < rate + (1 - rate) * 0.3:
            attendance = MeetingAttendance.REPRESENTED
        elif roll < rate + (1 - rate) * 0.6:
            attendance = MeetingAttendance.EXCUSED
        else:
            attendance = MeetingAttendance.ABSENT
        participants.append(
            MeetingParticipant(
                meeting=meeting,
                person=entry.person,
                associate=entry.associate,
                name=entry.name[:300],
                email=entry.email,
                seat_kind=entry.seat_kind,
                attendance=attendance,
            )
        )
    present = [p for p in participants if p.attendance == MeetingAttendance.PRESENT]
    carried: dict[int, int] = {}
    for participant in participants:
        if participant.attendance != MeetingAttendance.REPRESENTED:
            continue
        holders = [i for i, p in enumerate(present) if carried.get(i, 0) < body.max_proxies]
        if not holders:
            participant.attendance = MeetingAttendance.EXCUSED
            continue
        index = rng.choice(holders)
        carried[index] = carried.get(index, 0) + 1
        participant.proxy_holder = present[index]
    # Holders first, so that the proxies point at saved rows.
    MeetingParticipant.objects.bulk_create(present, batch_size=BATCH_SIZE)
    MeetingParticipant.objects.bulk_create(
        [p for p in participants if p.attendance != MeetingAttendance.PRESENT],
        batch_size=BATCH_SIZE,
    )
    quorum = governance.quorum_of(meeting, participants)
    decisions = []
    if quorum.reached:
        for item, (_item_title, item_decisions) in zip(items, agenda, strict=True):
            for decision_title, kind in item_decisions:
                voters = quorum.voters - rng.randint(0, max(0, quorum.voters // 10))
                against = rng.randint(0, max(0, voters // 6))
                abstain = rng.randint(0, max(0, voters // 8))
                votes_for = max(0, voters - against - abstain)
                majority = body.majority_for(kind)
                decisions.append(
                    Decision(
                        meeting=meeting,
                        agenda_item=item,
                        position=len(decisions) + 1,
                        title=decision_title,
                        kind=kind,
                        majority=majority,
                        votes_for=votes_for,
                        votes_against=against,
                        votes_abstain=abstain,
                        result=governance.majority_result(
                            majority, votes_for=votes_for, against=against, abstain=abstain
                        ),
                        recorded_by=actor,
                        recorded_at=starts_at + datetime.timedelta(hours=1),
                    )
                )
        Decision.objects.bulk_create(decisions)
    meeting.chair = chair
    meeting.notes = notes
    meeting.quorum_percent = body.quorum_percent
    meeting.quorum_reached = quorum.reached
    meeting.closed_at = starts_at + datetime.timedelta(hours=2)
    meeting.closed_by = actor
    meeting.save()
    return meeting


def _upcoming_meeting(
    rng, body, *, actor, title, day, hour, place, agenda, convene: bool
) -> Meeting:
    """A meeting to come: its agenda ready; convened (today, with the roster kept) or not."""
    meeting = Meeting.objects.create(
        body=body,
        title=title,
        starts_at=_at(day, hour),
        place=place,
        created_by=actor,
    )
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(meeting=meeting, position=index, title=item_title)
            for index, (item_title, _decisions) in enumerate(agenda, start=1)
        ]
    )
    if convene:
        MeetingParticipant.objects.bulk_create(
            [
                MeetingParticipant(
                    meeting=meeting,
                    person=entry.person,
                    associate=entry.associate,
                    name=entry.name[:300],
                    email=entry.email,
                    seat_kind=entry.seat_kind,
                )
                for entry in governance.body_roster(body, day)
            ]
        )
        meeting.convened_at = timezone.now()
        meeting.convened_by = actor
        meeting.save(update_fields=["convened_at", "convened_by"])
    return meeting


def _hold_election(rng, body, meeting, *, actor, seats, term_ends_on, candidates) -> None:
    """An election held at `meeting` (of the general assembly) through the services. The
    votes are distinct, so that no tie decides the last seat, and the first candidate
    leads the count."""
    voters = governance.quorum_of(meeting).voters
    if voters < 2 or len(candidates) < 2:
        return
    election = governance.election_create(
        actor=actor,
        body=body,
        held_on=timezone.localtime(meeting.starts_at).date(),
        seats_to_fill=min(seats, len(candidates) - 1),
        term_ends_on=term_ends_on,
        meeting=meeting,
    )
    added = [
        governance.candidate_add(actor=actor, election=election, **holder) for holder in candidates
    ]
    pool = range(1, voters + 1)
    counts = sorted(rng.sample(pool, k=min(len(added), len(pool))), reverse=True)
    votes = {c.pk: counts[i] if i < len(counts) else 0 for i, c in enumerate(added)}
    governance.election_count(actor=actor, election=election, voters=voters, votes=votes)


def _cooperative_bodies(rng, faker, cooperative, coordinator, today, size) -> None:
    assembly = governance.body_create(
        actor=coordinator,
        collective=cooperative,
        kind=BodyKind.GENERAL_ASSEMBLY,
        name="Assemblée générale des associé·es",
    )
    board = governance.body_create(
        actor=coordinator,
        collective=cooperative,
        kind=BodyKind.BOARD,
        name="Conseil d'administration",
        size=8,
    )
    place = "Salle des fêtes, 2 place Jean-Jaurès, Montreuil"
    first_year = cooperative.founded_on.year + 1
    last_june = datetime.date(today.year if today.month > 6 else today.year - 1, 6, 20)
    years = list(range(first_year, last_june.year + 1))
    staff = Associate.objects.filter(
        collective=cooperative, person__user__role=Role.COORDINATOR
    ).select_related("person")
    founders = Associate.objects.filter(collective=cooperative, person__isnull=True).order_by(
        "number"
    )
    for index, year in enumerate(years):
        day = datetime.date(year, 6, 20)
        agenda = list(ASSEMBLY_AGENDA)
        if index == len(years) - 1:
            agenda.insert(3, STATUTES_ITEM)
        election_year = index % 3 == 0
        if election_year:
            agenda.insert(len(agenda) - 1, ("Élection au conseil d'administration", []))
        meeting = _past_meeting(
            rng,
            assembly,
            actor=coordinator,
            title=f"Assemblée générale ordinaire {year}",
            day=day,
            hour=14,
            place=place,
            agenda=agenda,
            presence=(0.35, 0.6),
            chair=str(staff[0].person) if staff else "La présidence",
            notes="Les associé·es ont échangé sur l'activité de l'année et les projets à venir.",
        )
        if election_year and meeting is not None:
            current = list(
                Associate.objects.current(day)
                .filter(
                    collective=cooperative,
                    person__isnull=False,
                    category=AssociateCategory.EMPLOYEE,
                )
                .exclude(person__user__role=Role.COORDINATOR)
                .select_related("person")
                .order_by("number")
            )
            picks = rng.sample(current, k=min(len(current), 7))
            _hold_election(
                rng,
                board,
                meeting,
                actor=coordinator,
                seats=5,
                term_ends_on=add_years(day, 3) - ONE_DAY,
                candidates=[{"person": a.person} for a in picks],
            )
            if index == 0:
                for associate in staff[:1]:
                    governance.seat_add(
                        actor=coordinator,
                        body=board,
                        kind=SeatKind.STAFF,
                        person=associate.person,
                        starts_on=day,
                    )
                for associate in founders[:1]:
                    governance.seat_add(
                        actor=coordinator,
                        body=board,
                        kind=SeatKind.FOUNDING,
                        associate=associate,
                        starts_on=day,
                    )
    quarters = DEMO_BOARD_QUARTERS if size == "demo" else 4 * len(years)
    for quarter in range(quarters, 0, -1):
        day = today - datetime.timedelta(days=91 * quarter - rng.randint(0, 10))
        if day <= datetime.date(first_year, 6, 20):
            continue
        _past_meeting(
            rng,
            board,
            actor=coordinator,
            title=f"Conseil d'administration du {day:%d/%m/%Y}",
            day=day,
            hour=18,
            place="Locaux de la coopérative, Montreuil",
            agenda=BOARD_AGENDA,
            presence=(0.6, 0.95),
            chair=str(staff[0].person) if staff else "La présidence",
        )
    _upcoming_meeting(
        rng,
        board,
        actor=coordinator,
        title="Conseil d'administration de rentrée",
        day=today + datetime.timedelta(days=12),
        hour=18,
        place="Locaux de la coopérative, Montreuil",
        agenda=BOARD_AGENDA,
        convene=True,
    )
    _upcoming_meeting(
        rng,
        assembly,
        actor=coordinator,
        title=f"Assemblée générale extraordinaire {today.year}",
        day=today + datetime.timedelta(days=35),
        hour=14,
        place=place,
        agenda=[STATUTES_ITEM, ("Questions diverses", [])],
        convene=False,
    )


def _club_bodies(rng, faker, club, lead, today, size) -> None:
    assembly = governance.body_create(
        actor=lead, collective=club, kind=BodyKind.GENERAL_ASSEMBLY, name="Assemblée du club"
    )
    council = governance.body_create(
        actor=lead,
        collective=club,
        kind=BodyKind.COLLECTIVE_COUNCIL,
        name="Conseil du club",
        size=7,
    )
    place = f"{club.name}, salle commune"
    demo_user = User.objects.get(email=DEMO_LOGINS[Role.ENTREPRENEUR])
    # The club's assembly meets once a year; the latest one two months ago.
    first = club.founded_on + datetime.timedelta(days=120)
    days = []
    day = today - datetime.timedelta(days=60)
    while day >= first:
        days.insert(0, day)
        day = add_years(day, -1)
    for index, day in enumerate(days):
        meeting = _past_meeting(
            rng,
            assembly,
            actor=lead,
            title=f"Assemblée du club {day.year}",
            day=day,
            hour=14,
            place=place,
            agenda=CLUB_ASSEMBLY_AGENDA[:3]
            + [("Élection du conseil du club", [])]
            + CLUB_ASSEMBLY_AGENDA[3:],
            presence=(0.15, 0.35),
            chair="Un·e membre du club, élu·e par l'assemblée",
        )
        if meeting is None:
            continue
        # Candidates: current members who joined before the vote; in the latest vote the
        # demo login stands first (and leads the count).
        people = list(
            CollectivePerson.objects.current()
            .filter(collective=club, joined_on__lte=day)
            .order_by("joined_on", "pk")[:60]
        )
        mine = [p for p in people if p.user_id == demo_user.pk]
        others = [p for p in people if p.user_id != demo_user.pk]
        picks = (mine if index == len(days) - 1 else []) + rng.sample(others, k=min(len(others), 6))
        next_day = days[index + 1] if index + 1 < len(days) else add_years(day, 1)
        _hold_election(
            rng,
            council,
            meeting,
            actor=lead,
            seats=4,
            term_ends_on=next_day - ONE_DAY,
            candidates=[{"person": person} for person in picks],
        )
        if index == 0 and council.seats.exists():
            founder = next((p for p in others if not council.seats.filter(person=p).exists()), None)
            if founder is not None:
                governance.seat_add(
                    actor=lead, body=council, kind=SeatKind.FOUNDING, person=founder, starts_on=day
                )
    months = DEMO_COUNCIL_MONTHS if size == "demo" else 12 * len(days)
    for month in range(months, 0, -1):
        day = add_months(today, -month).replace(day=10)
        if not days or day <= days[0]:
            continue
        topic, decision = COUNCIL_TOPICS[month % len(COUNCIL_TOPICS)]
        _past_meeting(
            rng,
            council,
            actor=lead,
            title=f"Conseil du club — {topic.lower()}",
            day=day,
            hour=16,
            place=place,
            agenda=[(topic, [(decision, DecisionKind.ORDINARY)]), ("Questions diverses", [])],
            presence=(0.6, 0.9),
            chair="La ou le membre élu·e qui anime le conseil",
            notes=rng.choice(COUNCIL_NOTES),
        )
    _upcoming_meeting(
        rng,
        council,
        actor=lead,
        title="Conseil du club — préparation de la fête",
        day=today + datetime.timedelta(days=9),
        hour=16,
        place=place,
        agenda=[
            ("Fête du club", [("Programme de la fête", DecisionKind.ORDINARY)]),
            ("Questions diverses", []),
        ],
        convene=True,
    )


__all__ = ["seed_governance"]
