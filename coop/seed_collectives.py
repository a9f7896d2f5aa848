"""The collectives of the demo and load-test data sets (a `manage.py seed` step): the
cooperative itself (its associates come with the governance step), and peer-help
collectives on the Clubhouse model with their charter versions and signatures, members
who join, leave and come back, work units, daily attendance on weekdays, the tasks
members took, reach-outs to members not seen for a while, and members' jobs.

The demo has one club, played through the services (coop.collectives) so that the data
is what the platform writes; the demo entrepreneur is a member who has not yet signed the
charter in force. The large size writes three clubs over ten years, with hundreds of
members each and their daily attendance, in bulk.

Everything comes from the `rng` and `faker` given, and dates are counted from today: the
same seed gives the same data.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify
from faker import Faker

from coop import collectives as services
from coop.enums import CollectiveKind, JobKind, MembershipEventKind
from coop.models import (
    Charter,
    CharterAcceptance,
    Collective,
    CollectivePerson,
    DailyAttendance,
    DailyTask,
    Job,
    MembershipEvent,
    Programme,
    ReachOut,
    WorkUnit,
)
from coop.seed import COOPP, PEER_HELP_COLLECTIVE
from members.enums import Role
from members.models import Member, User
from members.seed import DEMO_LOGINS

COOPERATIVE_NAME = "Entrepairs, coopérative d'activité et d'emploi"
CLUBS = {
    "demo": [("Club Les Passerelles", "Montreuil")],
    "large": [
        ("Club Les Passerelles", "Montreuil"),
        ("Club L'Escale", "Saint-Denis"),
        ("Club Le Phare", "Aubervilliers"),
    ],
}
HISTORY_YEARS = {"demo": 3, "large": 10}
# Memberships over the club's whole history.
MEMBERS_PER_CLUB = {"demo": 40, "large": 320}
# Members with an entrepreneur account, besides the demo entrepreneur.
MEMBERS_WITH_ACCOUNT = {"demo": 3, "large": 40}
# Tasks are noted for the latest weekdays only in the demo (each one goes through a
# service); the large size notes them all along.
DEMO_TASK_DAYS = 40
BATCH_SIZE = 5000
# The draw's roll for the first members, so that each story shows (see _plan_memberships).
STORIES = {1: 0.0, 2: 0.0, 3: 0.3}
ONE_DAY = datetime.timedelta(days=1)

WORK_UNITS = {
    "Cuisine": (
        "Préparer et servir le repas de midi.",
        [
            "Préparer le repas de midi",
            "Faire les courses au marché",
            "Servir le repas",
            "Faire la vaisselle",
            "Établir le menu de la semaine",
        ],
    ),
    "Accueil": (
        "Recevoir les membres et les visiteurs, répondre au téléphone.",
        [
            "Tenir l'accueil du matin",
            "Faire visiter le club à une nouvelle personne",
            "Répondre au téléphone",
            "Appeler des membres pour prendre des nouvelles",
        ],
    ),
    "Administration": (
        "Courrier, statistiques de fréquentation, comptes rendus.",
        [
            "Saisir les présences de la semaine",
            "Trier le courrier",
            "Rédiger le compte rendu de la réunion",
            "Préparer la réunion du club",
        ],
    ),
    "Emploi": (
        "Chercher des offres, préparer les entretiens, suivre les emplois de transition.",
        [
            "Chercher des offres d'emploi",
            "Préparer un entretien d'embauche",
            "Mettre à jour le tableau des emplois de transition",
            "Accompagner un membre à un entretien",
        ],
    ),
    "Journal du club": (
        "Écrire et mettre en page le journal mensuel.",
        ["Écrire un article", "Mettre en page le journal", "Prendre des photos d'une sortie"],
    ),
    "Entretien": (
        "Ranger, nettoyer, petites réparations.",
        ["Ranger la salle commune", "Nettoyer la cuisine", "Réparer une chaise"],
    ),
}

CHARTER_TEXTS = [
    "Le club est ouvert à toute personne qui vit ou a vécu des troubles psychiques, sans "
    "orientation ni limite de durée.\n"
    "Chacun·e participe à la vie du club selon ses envies : cuisine, accueil, "
    "administration, emploi.\n"
    "Les décisions se prennent ensemble, membres et salarié·es, en réunion du club.\n"
    "Ce qui se dit au club reste au club.",
    "Le club est ouvert à toute personne qui vit ou a vécu des troubles psychiques, sans "
    "orientation ni limite de durée. On peut partir quand on le décide et revenir quand on "
    "veut.\n"
    "Chacun·e participe à la vie du club selon ses envies et ses forces : cuisine, accueil, "
    "administration, emploi, journal.\n"
    "Les décisions se prennent ensemble, membres et salarié·es, en réunion du club ; les "
    "membres élus tiennent au moins la moitié des sièges du conseil.\n"
    "Ce qui se dit au club reste au club. Personne n'est obligé de parler de sa santé.\n"
    "Le club aide chacun·e à trouver ou retrouver un emploi : de transition, accompagné ou "
    "indépendant.",
]
COOPERATIVE_CHARTER = (
    "La coopérative appartient à celles et ceux qui y travaillent : une personne, une voix.\n"
    "Chaque entrepreneur·e décide de son activité et partage les services communs.\n"
    "Les savoirs d'expérience valent autant que les diplômes.\n"
    "Les résultats servent d'abord la coopérative et ses membres."
)
LEAVING_NOTES = [
    "A déménagé",
    "A repris un emploi à temps plein",
    "",
    "",
    "Souhaite faire une pause",
]
REACH_OUT_NOTES = ["Appel : va bien, reviendra bientôt", "Carte postale envoyée", "SMS", ""]
EMPLOYERS = {
    JobKind.TRANSITIONAL: [
        ("Restaurant Le Partage", "Commis de cuisine"),
        ("Mairie de Montreuil", "Agent·e d'accueil"),
        ("Librairie Folies d'encre", "Mise en rayon"),
        ("La Poste", "Tri du courrier"),
    ],
    JobKind.SUPPORTED: [
        ("Jardins de Cocagne", "Maraîchage"),
        ("Emmaüs Connect", "Réparation informatique"),
        ("Biocoop", "Employé·e de magasin"),
        ("Office de tourisme", "Accueil"),
    ],
    JobKind.INDEPENDENT: [
        ("Carrefour", "Hôte·sse de caisse"),
        ("Groupe hospitalier", "Brancardier·e"),
        ("Association Aurore", "Médiateur·rice pair"),
        ("Cabinet comptable", "Secrétariat"),
    ],
}
HOURS = {
    JobKind.TRANSITIONAL: (10, 20),
    JobKind.SUPPORTED: (15, 30),
    JobKind.INDEPENDENT: (20, 35),
}


@dataclass
class MembershipPlan:
    """One membership to write, and how its holder comes to the club."""

    first_name: str
    last_name: str
    email: str
    phone: str
    joined_on: datetime.date
    left_on: datetime.date | None = None
    leaving_note: str = ""
    user: User | None = None
    # How often they come on a weekday, and from when they stopped coming (inactive).
    propensity: float = 0.3
    fades_on: datetime.date | None = None
    follows: "MembershipPlan | None" = None
    person: CollectivePerson | None = field(default=None, repr=False)

    def runs_on(self, day: datetime.date) -> bool:
        return self.joined_on <= day and (self.left_on is None or day <= self.left_on)


def seed_collectives(*, rng: random.Random, faker: Faker, size: str, scale: float = 1.0) -> None:
    """The cooperative and its peer-help collectives. `scale` shrinks the number of
    members per club (at least ten), so that tests can run the large size's code path."""
    today = timezone.localdate()
    lead = User.objects.get(email=DEMO_LOGINS[Role.PEER_SUPPORT_LEAD])
    coordinator = User.objects.get(email=DEMO_LOGINS[Role.COORDINATOR])
    _seed_cooperative(coordinator, today=today, size=size)
    accounts = _member_accounts(size)
    members = max(10, round(MEMBERS_PER_CLUB[size] * scale))
    programme = Programme.objects.filter(name=PEER_HELP_COLLECTIVE).first()
    for index, (name, commune) in enumerate(CLUBS[size]):
        founded_on = today - datetime.timedelta(days=365 * HISTORY_YEARS[size] - rng.randint(0, 60))
        collective = services.collective_save(
            actor=lead,
            collective=Collective(
                name=name,
                kind=CollectiveKind.PEER_HELP,
                description=(
                    f"Un club ouvert à {commune} du lundi au vendredi, sur le modèle Clubhouse : "
                    "les membres font vivre le lieu avec l'équipe et s'entraident vers l'emploi."
                ),
                requires_elected_majority=True,
                founded_on=founded_on,
                programme=programme if index == 0 else None,
            ),
        )
        club_accounts = accounts[index :: len(CLUBS[size])]
        plans = _plan_memberships(
            rng, faker, founded_on=founded_on, today=today, count=members, accounts=club_accounts
        )
        if size == "demo":
            _write_with_services(rng, collective, plans, lead=lead, today=today)
        else:
            _write_in_bulk(rng, collective, plans, lead=lead, today=today)


def _seed_cooperative(coordinator: User, *, today: datetime.date, size: str) -> None:
    programme = Programme.objects.filter(name=COOPP).first()
    founded_on = today.replace(month=1, day=1) - datetime.timedelta(
        days=365 * (HISTORY_YEARS[size] + 1)
    )
    cooperative = services.collective_save(
        actor=coordinator,
        collective=Collective(
            name=COOPERATIVE_NAME,
            kind=CollectiveKind.COOPERATIVE,
            description="La coopérative elle-même : ses associé·es et ses instances.",
            founded_on=founded_on,
            programme=programme,
        ),
    )
    services.charter_publish(
        actor=coordinator,
        collective=cooperative,
        text=COOPERATIVE_CHARTER,
        effective_on=founded_on,
        adopted_by="Assemblée générale constitutive",
    )


def _member_accounts(size: str) -> list[User]:
    """The demo entrepreneur first, then other entrepreneurs' accounts, in a fixed order."""
    demo = User.objects.get(email=DEMO_LOGINS[Role.ENTREPRENEUR])
    others = User.objects.filter(role=Role.ENTREPRENEUR, is_active=True).exclude(pk=demo.pk)
    return [demo, *others.order_by("pk")[: MEMBERS_WITH_ACCOUNT[size]]]


def _weekdays(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += ONE_DAY
    return days


def _phone(rng: random.Random) -> str:
    return "0" + str(rng.choice([6, 7])) + "".join(f" {rng.randint(0, 99):02d}" for _ in range(4))


def _plan_memberships(
    rng: random.Random,
    faker: Faker,
    *,
    founded_on: datetime.date,
    today: datetime.date,
    count: int,
    accounts: list[User],
) -> list[MembershipPlan]:
    """Who joins when, how often they come, who stops coming, who leaves and comes back.
    The first account joins eight months ago; the other accounts at random."""
    span = (today - founded_on).days
    plans = []
    for index in range(count):
        user = accounts[index] if index < len(accounts) else None
        if user is not None:
            first_name, last_name, email = user.first_name, user.last_name, user.email
        else:
            first_name, last_name = faker.first_name(), faker.last_name()
            email = f"{slugify(first_name)}.{slugify(last_name)}{index}@exemple.fr"
        if index == 0:
            joined_on = today - datetime.timedelta(days=240)
        else:
            # More members joined in the club's first year, then a steady flow.
            offset = int(span * rng.random() ** 1.3)
            joined_on = min(founded_on + datetime.timedelta(days=offset), today - 2 * ONE_DAY)
        plan = MembershipPlan(
            first_name=first_name,
            last_name=last_name,
            email=email if rng.random() < 0.6 or user else "",
            phone=_phone(rng) if rng.random() < 0.9 else "",
            joined_on=joined_on,
            user=user,
            propensity=rng.uniform(0.05, 0.5) if index else 0.5,
        )
        # Each story at least once, whatever the draw: a departure and a return (1), a
        # departure (2), a member who no longer comes (3).
        if index in STORIES:
            plan.joined_on = joined_on = founded_on + datetime.timedelta(days=rng.randint(0, 60))
        roll = STORIES.get(index, rng.random())
        life = (today - joined_on).days
        if index and roll < 0.15 and life > 60:
            # Left, by their own decision; a third of them came back.
            plan.left_on = joined_on + datetime.timedelta(days=rng.randint(30, life - 20))
            plan.leaving_note = rng.choice(LEAVING_NOTES)
            if index == 1 or (index != 2 and rng.random() < 0.35):
                back_on = plan.left_on + datetime.timedelta(
                    days=rng.randint(1, max(1, (today - plan.left_on).days - 1))
                )
                plans.append(plan)
                plan = MembershipPlan(
                    first_name=first_name,
                    last_name=last_name,
                    email=plan.email,
                    phone=plan.phone,
                    joined_on=back_on,
                    user=user,
                    propensity=rng.uniform(0.1, 0.5),
                    follows=plan,
                )
        elif index and roll < 0.5 and life > 90:
            # Still a member, no longer coming: the reach-out list's people.
            plan.fades_on = today - datetime.timedelta(days=rng.randint(20, min(life - 30, 400)))
        plans.append(plan)
    return plans


def _presence(rng: random.Random, plans: list[MembershipPlan], days: list[datetime.date]):
    """For each weekday, the plans of the members who came (in the plans' order)."""
    by_day: dict[datetime.date, list[MembershipPlan]] = {}
    for plan in plans:
        for day in days:
            if not plan.runs_on(day) or (plan.fades_on and day >= plan.fades_on):
                continue
            if rng.random() < plan.propensity:
                by_day.setdefault(day, []).append(plan)
    return by_day


def _draw_job(rng: random.Random, plan: MembershipPlan, today: datetime.date) -> dict | None:
    start_bound = plan.joined_on + datetime.timedelta(days=30)
    end_bound = plan.left_on or today
    if start_bound >= end_bound:
        return None
    kind = rng.choices(list(JobKind), weights=[5, 3, 2])[0]
    employer, position = rng.choice(EMPLOYERS[kind])
    starts_on = start_bound + datetime.timedelta(
        days=rng.randint(0, (end_bound - start_bound).days)
    )
    if kind == JobKind.TRANSITIONAL:
        # A transitional post lasts six to nine months, then passes to another member.
        ends_on = starts_on + datetime.timedelta(days=rng.randint(180, 270))
    elif rng.random() < 0.4:
        ends_on = starts_on + datetime.timedelta(days=rng.randint(60, 700))
    else:
        ends_on = None
    low, high = HOURS[kind]
    return {
        "kind": kind,
        "employer": employer,
        "position": position,
        "hours_per_week": Decimal(rng.randint(low * 2, high * 2)) / 2,
        "starts_on": starts_on,
        # A job whose end is still to come is running: its end is not known yet.
        "ends_on": ends_on if ends_on is not None and ends_on <= today else None,
    }


def _work_unit_rows(collective: Collective) -> list[WorkUnit]:
    return [
        WorkUnit(collective=collective, name=name, description=description)
        for name, (description, _tasks) in WORK_UNITS.items()
    ]


# --- the demo: through the services -----------------------------------------------------------


def _write_with_services(rng, collective, plans, *, lead, today):
    founded_on = collective.founded_on
    first_version = services.charter_publish(
        actor=lead,
        collective=collective,
        text=CHARTER_TEXTS[0],
        effective_on=founded_on,
        adopted_by="Réunion de fondation du club",
    )
    for plan in plans:
        if plan.follows is not None:
            continue
        plan.person = services.person_join(
            actor=lead,
            collective=collective,
            first_name=plan.first_name,
            last_name=plan.last_name,
            email=plan.email,
            phone=plan.phone,
            joined_on=plan.joined_on,
            user=plan.user,
        )
        if rng.random() < 0.9 or plan.user:
            # Signed on paper in their first week, noted by the team.
            services.charter_sign(
                actor=lead,
                charter=first_version,
                person=plan.person,
                on=min(today, plan.joined_on + datetime.timedelta(days=7)),
            )
    second_version = services.charter_publish(
        actor=lead,
        collective=collective,
        text=CHARTER_TEXTS[1],
        effective_on=today - datetime.timedelta(days=90),
        adopted_by="Assemblée du club",
    )
    for plan in plans:
        if plan.follows is None and plan.user is None and rng.random() < 0.7:
            services.charter_sign(
                actor=lead,
                charter=second_version,
                person=plan.person,
                on=max(second_version.effective_on, plan.joined_on)
                + datetime.timedelta(days=rng.randint(0, 20)),
            )
    for plan in plans:
        if plan.follows is not None:
            previous = plan.follows
            services.person_leave(
                actor=lead, person=previous.person, on=previous.left_on, note=previous.leaving_note
            )
            previous.person.refresh_from_db()
            plan.person = services.person_come_back(
                actor=lead, person=previous.person, on=plan.joined_on
            )
    for plan in plans:
        if plan.left_on is not None and plan.person.left_on is None:
            # Leaving is the person's decision: noted by themselves when they have an account.
            services.person_leave(
                actor=plan.user or lead, person=plan.person, on=plan.left_on, note=plan.leaving_note
            )
    units = [
        services.work_unit_save(actor=lead, work_unit=unit) for unit in _work_unit_rows(collective)
    ]
    days = _weekdays(founded_on, today - ONE_DAY)
    by_day = _presence(rng, plans, days)
    task_days = set(days[-DEMO_TASK_DAYS:])
    for day in days:
        present = by_day.get(day, [])
        services.attendance_record(
            actor=lead, collective=collective, day=day, present=[plan.person.pk for plan in present]
        )
        if day not in task_days or not present:
            continue
        attendances = {
            attendance.person_id: attendance
            for attendance in DailyAttendance.objects.filter(person__collective=collective, day=day)
        }
        for plan in present:
            if rng.random() < 0.6:
                unit = rng.choice(units)
                services.task_add(
                    actor=lead,
                    attendance=attendances[plan.person.pk],
                    work_unit=unit,
                    description=rng.choice(WORK_UNITS[unit.name][1]),
                )
    for plan in plans:
        if rng.random() < 0.35:
            job = _draw_job(rng, plan, today)
            if job is not None:
                services.job_save(actor=lead, job=Job(person=plan.person, **job))
        reached_on = plan.fades_on and plan.fades_on + datetime.timedelta(days=rng.randint(14, 30))
        if reached_on and reached_on <= today and rng.random() < 0.5:
            services.reach_out_record(
                actor=lead, person=plan.person, on=reached_on, note=rng.choice(REACH_OUT_NOTES)
            )


# --- the large size: in bulk --------------------------------------------------------------------


def _write_in_bulk(rng, collective, plans, *, lead, today):
    members = {
        member.user_id: member.pk
        for member in Member.objects.filter(
            user__in=[plan.user for plan in plans if plan.user is not None]
        )
    }
    for plan in plans:
        plan.person = CollectivePerson(
            collective=collective,
            user=plan.user,
            member_id=members.get(plan.user.pk) if plan.user else None,
            first_name=plan.first_name,
            last_name=plan.last_name,
            email=plan.email,
            phone=plan.phone,
            joined_on=plan.joined_on,
            left_on=plan.left_on,
        )
    CollectivePerson.objects.bulk_create([plan.person for plan in plans], batch_size=BATCH_SIZE)
    events = []
    for plan in plans:
        if plan.follows is None:
            events.append(
                MembershipEvent(
                    person=plan.person,
                    kind=MembershipEventKind.JOINED,
                    on=plan.joined_on,
                    recorded_by=lead,
                )
            )
        else:
            events.append(
                MembershipEvent(
                    person=plan.person,
                    kind=MembershipEventKind.CAME_BACK,
                    on=plan.joined_on,
                    previous=plan.follows.person,
                    origin=plan.follows.person,
                    recorded_by=lead,
                )
            )
        if plan.left_on is not None:
            events.append(
                MembershipEvent(
                    person=plan.person,
                    kind=MembershipEventKind.LEFT,
                    on=plan.left_on,
                    note=plan.leaving_note,
                    recorded_by=plan.user if plan.user and rng.random() < 0.5 else lead,
                )
            )
    MembershipEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
    _charters_in_bulk(rng, collective, plans, lead=lead, today=today)
    units = WorkUnit.objects.bulk_create(_work_unit_rows(collective))
    days = _weekdays(collective.founded_on, today - ONE_DAY)
    by_day = _presence(rng, plans, days)
    attendances, tasks = [], []

    def flush():
        DailyAttendance.objects.bulk_create(attendances, batch_size=BATCH_SIZE)
        DailyTask.objects.bulk_create(tasks, batch_size=BATCH_SIZE)
        attendances.clear()
        tasks.clear()

    for day in days:
        for plan in by_day.get(day, []):
            attendance = DailyAttendance(person=plan.person, day=day, recorded_by=lead)
            attendances.append(attendance)
            if rng.random() < 0.5:
                unit = rng.choice(units)
                tasks.append(
                    DailyTask(
                        attendance=attendance,
                        work_unit=unit,
                        description=rng.choice(WORK_UNITS[unit.name][1]),
                        recorded_by=lead,
                    )
                )
        if len(attendances) >= BATCH_SIZE:
            flush()
    flush()
    jobs, reach_outs = [], []
    for plan in plans:
        if rng.random() < 0.35:
            job = _draw_job(rng, plan, today)
            if job is not None:
                jobs.append(Job(person=plan.person, recorded_by=lead, **job))
        reached_on = plan.fades_on and plan.fades_on + datetime.timedelta(days=rng.randint(14, 30))
        if reached_on and reached_on <= today and rng.random() < 0.5:
            reach_outs.append(
                ReachOut(
                    person=plan.person,
                    on=reached_on,
                    note=rng.choice(REACH_OUT_NOTES),
                    recorded_by=lead,
                )
            )
    Job.objects.bulk_create(jobs, batch_size=BATCH_SIZE)
    ReachOut.objects.bulk_create(reach_outs, batch_size=BATCH_SIZE)


def _charters_in_bulk(rng, collective, plans, *, lead, today):
    """A version of the charter every three years or so; each member signs the version
    in force when they join, and most sign each new one while they are members."""
    effective_dates = [collective.founded_on]
    while effective_dates[-1] + datetime.timedelta(days=3 * 365) < today:
        effective_dates.append(effective_dates[-1] + datetime.timedelta(days=3 * 365))
    charters = Charter.objects.bulk_create(
        Charter(
            collective=collective,
            version=number,
            text=CHARTER_TEXTS[min(number - 1, len(CHARTER_TEXTS) - 1)],
            effective_on=effective_on,
            adopted_by="Assemblée du club",
        )
        for number, effective_on in enumerate(effective_dates, start=1)
    )
    signatures = []
    for plan in plans:
        for index, charter in enumerate(charters):
            next_on = charters[index + 1].effective_on if index + 1 < len(charters) else None
            on = max(charter.effective_on, plan.joined_on) + datetime.timedelta(
                days=rng.randint(0, 14)
            )
            in_force = next_on is None or on < next_on
            if not in_force or on > today or not plan.runs_on(on) or rng.random() > 0.85:
                continue
            signatures.append(
                CharterAcceptance(
                    charter=charter,
                    person=plan.person,
                    accepted_on=on,
                    recorded_by=plan.user if plan.user and rng.random() < 0.5 else lead,
                )
            )
    CharterAcceptance.objects.bulk_create(signatures, batch_size=BATCH_SIZE)
