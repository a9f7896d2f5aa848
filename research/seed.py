"""The research step of the demo and load-test data sets (`manage.py seed`): the funders
of each seeded programme and their contact people, the funder and researcher accounts
that read the programmes, and the members each programme covers.

Runs after the steps that tag missions, appointments, workshops and follow-ups with a
programme (coop.seed.seed_programmes creates the programmes themselves): a member is
covered by a programme from the first day something of theirs was tagged with it.
Contacts are fictional, with addresses under the reserved `.example` domain (as the
clients of coop.seed), so that no report can reach a real person.
"""

import datetime
import random
from collections.abc import Iterable

from django.db.models import Min
from django.utils import timezone
from django.utils.text import slugify
from faker import Faker

from activities.models import Mission
from coop.models import Programme
from coop.seed import COOPP, PEER_HELP_COLLECTIVE, PEER_NETWORK, SCHOOL_PREVENTION
from members.enums import AppointmentStatus, Attendance, Role
from members.models import Appointment, Member, User, WorkshopRegistration
from members.seed import DEMO_LOGINS
from peer_support.models import FollowUp
from research.enums import FunderKind
from research.models import Funder, FunderContact, ProgrammeMember

# The funders of each seeded programme, the main one (named as `Programme.funder`) first.
FUNDERS: dict[str, tuple[tuple[str, str], ...]] = {
    COOPP: (
        ("Fondation de France", FunderKind.FOUNDATION),
        ("Fondation des Solidarités urbaines", FunderKind.FOUNDATION),
    ),
    PEER_NETWORK: (
        ("Fonds social européen plus (FSE+)", FunderKind.EUROPEAN_FUND),
        (
            "Direction régionale de l'économie, de l'emploi, du travail et des solidarités",
            FunderKind.STATE,
        ),
    ),
    PEER_HELP_COLLECTIVE: (("Agence régionale de santé Île-de-France", FunderKind.HEALTH_AGENCY),),
    SCHOOL_PREVENTION: (
        ("Département de la Seine-Saint-Denis", FunderKind.LOCAL_AUTHORITY),
        (
            "Mission interministérielle de lutte contre les drogues et les conduites addictives",
            FunderKind.STATE,
        ),
    ),
}
# What people at a funder do.
POSITIONS: dict[str, tuple[str, ...]] = {
    FunderKind.FOUNDATION: (
        "Chargée de programme",
        "Responsable des partenariats",
        "Chargé de mission",
    ),
    FunderKind.EUROPEAN_FUND: ("Gestionnaire FSE+", "Chargée de contrôle de service fait"),
    FunderKind.STATE: ("Chargé de mission insertion", "Cheffe de projet"),
    FunderKind.HEALTH_AGENCY: (
        "Chargée de mission addictions",
        "Référent santé mentale",
        "Responsable du pôle prévention",
    ),
    FunderKind.LOCAL_AUTHORITY: ("Chargée de mission prévention", "Chef de service jeunesse"),
    FunderKind.OTHER: ("Chargé·e de mission",),
}
CONTACTS_PER_FUNDER = (1, 3)
# The demo logins read these programmes (the funder's one gets its reports by e-mail).
DEMO_FUNDER_READS = (COOPP, PEER_HELP_COLLECTIVE)
DEMO_RESEARCHER_READS = (COOPP, PEER_NETWORK)
BATCH_SIZE = 1000


def seed_research(*, rng: random.Random, faker: Faker, size: str) -> None:
    programmes = list(Programme.objects.order_by("pk"))
    if not programmes:
        return
    _seed_funders(rng, faker, programmes)
    _seed_readers(rng, programmes)
    _seed_members_covered(programmes)


# --- funders and contacts -------------------------------------------------------------------


def _seed_funders(rng: random.Random, faker: Faker, programmes: list[Programme]) -> None:
    wanted: dict[str, str] = {}  # name -> kind
    attached: list[tuple[str, Programme]] = []
    for programme in programmes:
        funders = FUNDERS.get(programme.name, ((programme.funder, FunderKind.OTHER),))
        for name, kind in funders:
            wanted.setdefault(name, kind)
            attached.append((name, programme))
    funders = {
        funder.name: funder
        for funder in Funder.objects.bulk_create(
            [Funder(name=name, kind=kind) for name, kind in wanted.items()]
        )
    }
    Through = Funder.programmes.through
    Through.objects.bulk_create(
        [Through(funder_id=funders[name].pk, programme_id=p.pk) for name, p in attached]
    )

    contacts = []
    for funder in funders.values():
        domain = f"{slugify(funder.name)[:30].strip('-')}.example"
        taken: set[str] = set()
        for _index in range(rng.randint(*CONTACTS_PER_FUNDER)):
            first_name, last_name = faker.first_name(), faker.last_name()
            email = _unique(f"{slugify(first_name)}.{slugify(last_name)}", domain, taken)
            contacts.append(
                FunderContact(
                    funder=funder,
                    full_name=f"{first_name} {last_name}",
                    position=rng.choice(POSITIONS[funder.kind]),
                    email=email,
                    # Most follow the programme; some only want to be known.
                    receives_reports=rng.random() < 0.8,
                )
            )
    # The demo funder's login is a contact of its first programme's main funder: its
    # monthly reports land in a mailbox one can look at.
    demo_funder = User.objects.filter(email=DEMO_LOGINS[Role.FUNDER]).first()
    first = next((p for p in programmes if p.name == DEMO_FUNDER_READS[0]), None)
    if demo_funder is not None and first is not None:
        main = FUNDERS.get(first.name, ((first.funder, ""),))[0][0]
        contacts.append(
            FunderContact(
                funder=funders[main],
                full_name=demo_funder.get_full_name(),
                position="Chargée de programme",
                email=demo_funder.email,
                receives_reports=True,
            )
        )
    FunderContact.objects.bulk_create(contacts, batch_size=BATCH_SIZE)


def _unique(local: str, domain: str, taken: set[str]) -> str:
    email, n = f"{local}@{domain}", 1
    while email in taken:
        n += 1
        email = f"{local}{n}@{domain}"
    taken.add(email)
    return email


# --- readers --------------------------------------------------------------------------------


def _seed_readers(rng: random.Random, programmes: list[Programme]) -> None:
    """The demo logins read fixed programmes; every other funder account reads one
    programme, every other researcher one or two."""
    by_name = {p.name: p for p in programmes}
    pairs: set[tuple[int, int]] = set()
    readers = User.objects.filter(role__in=[Role.FUNDER, Role.RESEARCHER], is_active=True)
    for user in readers.order_by("pk"):
        if user.email == DEMO_LOGINS[Role.FUNDER]:
            chosen = [by_name[name] for name in DEMO_FUNDER_READS if name in by_name]
        elif user.email == DEMO_LOGINS[Role.RESEARCHER]:
            chosen = [by_name[name] for name in DEMO_RESEARCHER_READS if name in by_name]
        else:
            count = 1 if user.role == Role.FUNDER else rng.randint(1, 2)
            chosen = rng.sample(programmes, min(count, len(programmes)))
        pairs.update((p.pk, user.pk) for p in chosen)
    Through = Programme.readers.through
    Through.objects.bulk_create(
        [Through(programme_id=p, user_id=u) for p, u in sorted(pairs)], batch_size=BATCH_SIZE
    )


# --- members covered ------------------------------------------------------------------------


def _first_days(rows: Iterable[tuple[int, int, object]], into: dict) -> None:
    for programme_id, member_id, first in rows:
        if first is None:
            continue
        if isinstance(first, datetime.datetime):
            first = timezone.localdate(first)
        key = (programme_id, member_id)
        if key not in into or first < into[key]:
            into[key] = first


def tagged_first_days(today: datetime.date) -> dict[tuple[int, int], datetime.date]:
    """(programme, member) → the first day, up to today, that one of the member's
    missions, appointments, workshops or peer-support follow-ups was tagged with the
    programme: each source grouped in the database."""
    firsts: dict[tuple[int, int], datetime.date] = {}
    Staffing = Mission.entrepreneurs.through
    _first_days(
        Staffing.objects.filter(mission__programme__isnull=False, mission__starts_on__lte=today)
        .values("mission__programme", "member")
        .annotate(first=Min("mission__starts_on"))
        .values_list("mission__programme", "member", "first"),
        firsts,
    )
    _first_days(
        Appointment.objects.filter(programme__isnull=False, starts_at__date__lte=today)
        .exclude(status=AppointmentStatus.CANCELLED)
        .values("programme", "member")
        .annotate(first=Min("starts_at"))
        .values_list("programme", "member", "first"),
        firsts,
    )
    _first_days(
        WorkshopRegistration.objects.filter(
            workshop__programme__isnull=False, workshop__date__lte=today
        )
        .exclude(attendance__in=[Attendance.EXCUSED, Attendance.ABSENT])
        .values("workshop__programme", "member")
        .annotate(first=Min("workshop__date"))
        .values_list("workshop__programme", "member", "first"),
        firsts,
    )
    _first_days(
        FollowUp.objects.filter(programme__isnull=False, opened_on__lte=today)
        .values("programme", "mediator")
        .annotate(first=Min("opened_on"))
        .values_list("programme", "mediator", "first"),
        firsts,
    )
    return firsts


def _seed_members_covered(programmes: list[Programme]) -> None:
    today = timezone.localdate()
    by_pk = {p.pk: p for p in programmes}
    coordinator = (
        User.objects.filter(email=DEMO_LOGINS[Role.COORDINATOR]).first()
        or User.objects.filter(role=Role.COORDINATOR).order_by("pk").first()
    )
    if coordinator is None:
        return
    firsts = tagged_first_days(today)
    exits = dict(Member.objects.filter(exited_on__isnull=False).values_list("pk", "exited_on"))
    rows = []
    for (programme_id, member_id), first in sorted(firsts.items()):
        programme = by_pk.get(programme_id)
        if programme is None:
            continue
        joined_on = max(first, programme.starts_on)
        if programme.ends_on and joined_on > programme.ends_on:
            continue
        left_on = exits.get(member_id)
        if programme.ends_on and left_on and left_on > programme.ends_on:
            left_on = None  # still in when the programme ended
        if left_on and left_on < joined_on:
            continue
        rows.append(
            ProgrammeMember(
                programme_id=programme_id,
                member_id=member_id,
                joined_on=joined_on,
                left_on=left_on,
                added_by=coordinator,
                added_at=timezone.make_aware(
                    datetime.datetime.combine(joined_on, datetime.time(9))
                ),
            )
        )
    ProgrammeMember.objects.bulk_create(rows, batch_size=BATCH_SIZE)
