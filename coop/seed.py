"""The funded programmes of the demo and load-test data sets (a `manage.py seed` step).

Four programmes, as a CAE of the addiction and mental-health field runs them: the
entrepreneurs' cooperative itself funded by a foundation, a European peer-support network
(ESF+), a peer-help collective funded by the regional health agency, and prevention in
schools funded by the département. Their dates follow the data set's history (three
years for the demo, ten for the large size), counted from today.
"""

import datetime
import random

from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from faker import Faker

from coop.enums import ClientKind
from coop.models import Client, ClientContact, Programme

COOPP = "Co'Opp — coopérative d'entrepreneurs pairs"
PEER_NETWORK = "Réseau européen pair-aidance (FSE+)"
PEER_HELP_COLLECTIVE = "Collectif d'entraide (ARS Île-de-France)"
SCHOOL_PREVENTION = "Prévention en milieu scolaire (Département)"

HISTORY_YEARS = {"demo": 3, "large": 10}


def seed_programmes(*, rng: random.Random, faker: Faker, size: str) -> None:
    today = timezone.localdate()
    years = HISTORY_YEARS[size]
    # The school year that is running (it starts in September).
    school_year = today.year if today.month >= 9 else today.year - 1
    collective_start = _first_of_month(
        today - datetime.timedelta(days=rng.randint(600, 800) * years // 3)
    )
    collective_end = _last_of_month(today + datetime.timedelta(days=rng.randint(150, 300)))
    Programme.objects.bulk_create(
        [
            Programme(
                name=COOPP,
                funder="Fondation de France",
                territory="Seine-Saint-Denis et Paris",
                starts_on=datetime.date(today.year - years - 1, 9, 1),
            ),
            Programme(
                name=PEER_NETWORK,
                funder="Fonds social européen plus (FSE+)",
                territory=(
                    "Île-de-France, Hauts-de-France, Auvergne-Rhône-Alpes, "
                    "Provence-Alpes-Côte d'Azur"
                ),
                starts_on=datetime.date(today.year - min(years, 4), 1, 1),
                ends_on=datetime.date(today.year + 2, 12, 31),
            ),
            Programme(
                name=PEER_HELP_COLLECTIVE,
                funder="Agence régionale de santé Île-de-France",
                territory="Seine-Saint-Denis (Montreuil, Saint-Denis, Aubervilliers)",
                starts_on=collective_start,
                ends_on=collective_end,
            ),
            Programme(
                name=SCHOOL_PREVENTION,
                funder="Département de la Seine-Saint-Denis",
                territory="Collèges de la Seine-Saint-Denis",
                starts_on=datetime.date(school_year - years + 1, 9, 1),
                ends_on=datetime.date(school_year + 1, 8, 31),
            ),
        ]
    )


def _first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _last_of_month(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


# --- Clients ---------------------------------------------------------------------------
#
# The cooperative's client directory: schools, local authorities, companies, associations,
# health and social establishments, and a few private people for local services. Every
# name is fictional; SIRETs carry valid control keys; e-mail addresses are under the
# reserved `.example` domain and phone numbers in the ranges the French regulator keeps
# for fiction, so that nothing seeded can reach a real person.

# The members' territories (members.seed.path.DEPARTMENTS): clients are where the
# entrepreneurs live.
CLIENT_DEPARTMENTS: dict[str, dict[str, int]] = {
    "demo": {"93": 6, "75": 4},
    "large": {"93": 3, "75": 2, "13": 2, "59": 2, "69": 2},
}
# (commune, postcode) of each territory.
CLIENT_COMMUNES: dict[str, tuple[tuple[str, str], ...]] = {
    "93": (
        ("Montreuil", "93100"),
        ("Saint-Denis", "93200"),
        ("Aubervilliers", "93300"),
        ("Bobigny", "93000"),
        ("Pantin", "93500"),
        ("Bondy", "93140"),
        ("Aulnay-sous-Bois", "93600"),
        ("Bagnolet", "93170"),
        ("Saint-Ouen-sur-Seine", "93400"),
        ("Noisy-le-Sec", "93130"),
        ("Sevran", "93270"),
        ("Clichy-sous-Bois", "93390"),
        ("Drancy", "93700"),
        ("La Courneuve", "93120"),
        ("Romainville", "93230"),
        ("Rosny-sous-Bois", "93110"),
        ("Stains", "93240"),
        ("Épinay-sur-Seine", "93800"),
    ),
    "75": (
        ("Paris", "75010"),
        ("Paris", "75011"),
        ("Paris", "75012"),
        ("Paris", "75013"),
        ("Paris", "75014"),
        ("Paris", "75017"),
        ("Paris", "75018"),
        ("Paris", "75019"),
        ("Paris", "75020"),
    ),
    "13": (
        ("Marseille", "13001"),
        ("Marseille", "13003"),
        ("Marseille", "13013"),
        ("Marseille", "13014"),
        ("Marseille", "13015"),
        ("Aix-en-Provence", "13100"),
        ("Aubagne", "13400"),
        ("Vitrolles", "13127"),
        ("Martigues", "13500"),
        ("Arles", "13200"),
        ("Salon-de-Provence", "13300"),
        ("La Ciotat", "13600"),
    ),
    "59": (
        ("Lille", "59000"),
        ("Roubaix", "59100"),
        ("Tourcoing", "59200"),
        ("Wattrelos", "59150"),
        ("Dunkerque", "59140"),
        ("Valenciennes", "59300"),
        ("Villeneuve-d'Ascq", "59650"),
        ("Douai", "59500"),
        ("Maubeuge", "59600"),
        ("Armentières", "59280"),
    ),
    "69": (
        ("Lyon", "69001"),
        ("Lyon", "69003"),
        ("Lyon", "69007"),
        ("Lyon", "69008"),
        ("Lyon", "69009"),
        ("Villeurbanne", "69100"),
        ("Vénissieux", "69200"),
        ("Vaulx-en-Velin", "69120"),
        ("Bron", "69500"),
        ("Rillieux-la-Pape", "69140"),
        ("Saint-Priest", "69800"),
        ("Villefranche-sur-Saône", "69400"),
    ),
}
# The département as a local authority (Paris and Lyon have their own status).
DEPARTMENT_AUTHORITIES = {
    "93": "Département de la Seine-Saint-Denis",
    "75": "Ville de Paris — direction de la santé publique",
    "13": "Département des Bouches-du-Rhône",
    "59": "Département du Nord",
    "69": "Métropole de Lyon",
}
# Fictional phone ranges (ARCEP), by region.
PHONE_PREFIXES = {
    "93": "01 99 00",
    "75": "01 99 00",
    "13": "04 65 71",
    "69": "04 65 71",
    "59": "03 53 01",
}
# Clients by kind: fixed counts in the demo, shares of CLIENT_COUNT in the large size.
DEMO_CLIENTS = {
    ClientKind.SCHOOL: 10,
    ClientKind.LOCAL_AUTHORITY: 4,
    ClientKind.COMPANY: 4,
    ClientKind.ASSOCIATION: 6,
    ClientKind.HEALTH_SOCIAL: 9,
    ClientKind.INDIVIDUAL: 4,
}
CLIENT_KIND_SHARES = {
    ClientKind.SCHOOL: 30,
    ClientKind.LOCAL_AUTHORITY: 10,
    ClientKind.COMPANY: 13,
    ClientKind.ASSOCIATION: 21,
    ClientKind.HEALTH_SOCIAL: 18,
    ClientKind.INDIVIDUAL: 8,
}
LARGE_CLIENTS = 5000
CLIENT_BATCH_SIZE = 2000
# Clients an entrepreneur found (and proposed a mission for): in the demo, the fixed
# entrepreneur login's and two others'; in the large size, a share of the directory.
FOUND_CLIENT_DAYS_AGO = {"demo": (3, 8, 60)}
FOUND_CLIENT_SHARE = 0.04
FOUND_CLIENT_KINDS = {
    "care": {ClientKind.ASSOCIATION: 4, ClientKind.HEALTH_SOCIAL: 3},
    "local": {ClientKind.INDIVIDUAL: 2, ClientKind.ASSOCIATION: 2, ClientKind.COMPANY: 1},
}

NAMESAKES = (
    "Jean-Moulin",
    "Jean-Jaurès",
    "Paul-Éluard",
    "Louise-Michel",
    "Marie-Curie",
    "Victor-Hugo",
    "Jules-Ferry",
    "Romain-Rolland",
    "Pablo-Neruda",
    "Gustave-Courbet",
    "Henri-Wallon",
    "Lucie-Aubrac",
    "Simone-Veil",
    "Olympe-de-Gouges",
    "Angela-Davis",
    "Aimé-Césaire",
    "Albert-Camus",
    "Jacques-Prévert",
    "Émile-Zola",
    "Condorcet",
    "Georges-Brassens",
    "Françoise-Dolto",
    "Gisèle-Halimi",
    "Nelson-Mandela",
    "Rosa-Parks",
    "Joséphine-Baker",
    "Missak-Manouchian",
    "Germaine-Tillion",
    "Colette-Besson",
    "Jean-Vilar",
)
PLACE_NAMES = (
    "Les Tilleuls",
    "La Roseraie",
    "Le Trait d'union",
    "L'Escale",
    "Horizons",
    "Le Relais",
    "La Boussole",
    "Passerelle",
    "Le Phare",
    "Les Glycines",
    "Arc-en-ciel",
    "La Clairière",
    "L'Embellie",
    "Les Marronniers",
    "Le Cap",
    "La Traversée",
    "Rivages",
    "L'Oasis",
    "Les Acacias",
    "Le Pont",
)
# (name template, is public, SIREN prefix or "" for any, contact job titles). The
# templates take {namesake}, {place}, {commune}, {person}, {surname}, {authority}.
CLIENT_TEMPLATES: dict[str, tuple[tuple[str, bool, str, tuple[str, ...]], ...]] = {
    ClientKind.SCHOOL: (
        (
            "Collège {namesake}",
            True,
            "19",
            (
                "Principal·e",
                "Conseiller·ère principal·e d'éducation",
                "Infirmier·ère scolaire",
                "Principal·e adjoint·e",
            ),
        ),
        (
            "Collège {namesake}",
            True,
            "19",
            ("Principal·e", "Conseiller·ère principal·e d'éducation", "Assistant·e social·e"),
        ),
        (
            "Lycée {namesake}",
            True,
            "19",
            ("Proviseur·e", "Conseiller·ère principal·e d'éducation", "Infirmier·ère scolaire"),
        ),
        (
            "Lycée professionnel {namesake}",
            True,
            "19",
            ("Proviseur·e adjoint·e", "Conseiller·ère principal·e d'éducation"),
        ),
        ("Collège privé {place}", False, "", ("Chef·fe d'établissement", "Éducateur·rice")),
    ),
    ClientKind.LOCAL_AUTHORITY: (
        (
            "Ville de {commune} — service jeunesse",
            True,
            "21",
            ("Responsable du service jeunesse", "Animateur·rice prévention"),
        ),
        (
            "Ville de {commune} — direction de la santé",
            True,
            "21",
            ("Coordinateur·rice du contrat local de santé", "Coordinateur·rice du CLSM"),
        ),
        (
            "Centre communal d'action sociale de {commune}",
            True,
            "26",
            ("Directeur·rice du CCAS", "Travailleur·euse social·e"),
        ),
        (
            "Ville de {commune} — espaces verts",
            True,
            "21",
            ("Responsable des espaces verts", "Chef·fe d'équipe"),
        ),
        (
            "{authority}",
            True,
            "22",
            ("Chargé·e de mission prévention des conduites à risques", "Chef·fe de service"),
        ),
    ),
    ClientKind.COMPANY: (
        (
            "Transports {surname}",
            False,
            "",
            ("Responsable des ressources humaines", "Chargé·e de prévention"),
        ),
        ("{surname} Bâtiment", False, "", ("Gérant·e", "Conducteur·rice de travaux")),
        (
            "{place} Habitat (bailleur social)",
            False,
            "",
            ("Chargé·e de développement social", "Gardien·ne d'immeuble"),
        ),
        ("Hôtel {place}", False, "", ("Directeur·rice", "Gouvernant·e")),
        (
            "Logistique {surname} et associés",
            False,
            "",
            ("Responsable qualité de vie au travail", "Infirmier·ère du travail"),
        ),
        ("Atelier {surname} — retouches", False, "", ("Gérant·e",)),
    ),
    ClientKind.ASSOCIATION: (
        ("Centre social {place}", False, "", ("Directeur·rice", "Référent·e familles")),
        ("Mission locale de {commune}", False, "", ("Conseiller·ère", "Directeur·rice")),
        (
            "Maison des jeunes et de la culture de {commune}",
            False,
            "",
            ("Directeur·rice", "Animateur·rice"),
        ),
        (
            "Club de prévention spécialisée {place}",
            False,
            "",
            ("Chef·fe de service", "Éducateur·rice de rue"),
        ),
        ("Régie de quartier de {commune}", False, "", ("Coordinateur·rice", "Encadrant·e")),
        ("Épicerie solidaire {place}", False, "", ("Coordinateur·rice", "Bénévole référent·e")),
        ("Ressourcerie {place}", False, "", ("Coordinateur·rice",)),
    ),
    ClientKind.HEALTH_SOCIAL: (
        ("CSAPA {place}", False, "", ("Chef·fe de service", "Infirmier·ère", "Directeur·rice")),
        ("CAARUD {place}", False, "", ("Coordinateur·rice", "Éducateur·rice spécialisé·e")),
        (
            "Service de psychiatrie adulte — Centre hospitalier {person}",
            True,
            "26",
            ("Cadre de santé", "Psychiatre chef·fe de pôle", "Psychologue"),
        ),
        (
            "Centre médico-psychologique de {commune}",
            True,
            "26",
            ("Cadre de santé", "Infirmier·ère"),
        ),
        ("EHPAD {place}", False, "", ("Directeur·rice", "Animateur·rice", "Cadre de santé")),
        ("Hôpital de jour {place}", True, "26", ("Cadre de santé", "Ergothérapeute")),
        (
            "Centre d'hébergement et de réinsertion sociale {place}",
            False,
            "",
            ("Chef·fe de service", "Travailleur·euse social·e"),
        ),
    ),
    ClientKind.INDIVIDUAL: (("{person}", False, "", ()),),
}


def seed_clients(*, rng: random.Random, faker: Faker, size: str, scale: float = 1.0) -> None:
    """The client directory: each client with its SIRET (none for private people), its
    address in one of the members' territories and one to three contacts, created by a
    coordinator over the data set's history. A few were found by entrepreneurs, who
    created them to propose a mission (the activities step proposes it).

    The demo writes each client through the model's validation, the large size in bulk;
    `scale` shrinks the large directory, as in `seed_members`."""
    from members.enums import Activity, Role, Stage
    from members.models import Member, User
    from members.seed import DEMO_LOGINS

    # Dates, not instants, so that the same seed gives the same data at any hour.
    today = timezone.localdate()
    history_days = 365 * HISTORY_YEARS[size]
    departments = CLIENT_DEPARTMENTS[size]
    coordinators = list(User.objects.filter(role=Role.COORDINATOR, is_active=True).order_by("pk"))
    lead = next(c for c in coordinators if c.email == DEMO_LOGINS[Role.COORDINATOR])
    taken_sirets: set[str] = set(Client.objects.exclude(siret="").values_list("siret", flat=True))
    authorities: set[str] = set()

    if size == "demo":
        kinds = [kind for kind, count in DEMO_CLIENTS.items() for _ in range(count)]
    else:
        total = max(len(ClientKind), round(LARGE_CLIENTS * scale))
        kinds = rng.choices(
            list(CLIENT_KIND_SHARES), weights=list(CLIENT_KIND_SHARES.values()), k=total
        )
    clients, contacts = [], []
    for kind in kinds:
        department = _pick(rng, departments)
        # Most of the directory was built in the cooperative's first years.
        created_on = today - datetime.timedelta(
            days=history_days - int(history_days * 0.9 * rng.random() ** 2)
        )
        created_at = _at(created_on, rng.randint(9, 17))
        creator = lead if size == "demo" and rng.random() < 0.7 else rng.choice(coordinators)
        client, client_contacts = _draw_client(
            rng, faker, kind, department, taken_sirets=taken_sirets, authorities=authorities
        )
        client.created_by, client.created_at = creator, created_at
        clients.append(client)
        contacts.append(client_contacts)

    # Clients found by entrepreneurs: created by them, while on their path.
    finders = list(
        Member.objects.filter(
            user__isnull=False, stage__in=[Stage.CAPE, Stage.CESA, Stage.ASSOCIATE]
        )
        .select_related("user")
        .annotate(started_on=models.Min("contracts__start_date"))
        .order_by("pk")
    )
    demo_finder = next(m for m in finders if m.user.email == DEMO_LOGINS[Role.ENTREPRENEUR])
    if size == "demo":
        others = [m for m in finders if m is not demo_finder]
        found = list(
            zip([demo_finder, *rng.sample(others, 2)], FOUND_CLIENT_DAYS_AGO["demo"], strict=True)
        )
    else:
        count = max(2, round(len(kinds) * FOUND_CLIENT_SHARE))
        found = [(demo_finder, 3)]
        for _ in range(count - 1):
            finder = rng.choice(finders)
            window = max(21, (today - finder.started_on).days)
            # One in six recent enough for its proposal to wait for validation.
            days_ago = rng.randint(1, 20) if rng.random() < 1 / 6 else rng.randint(21, window)
            found.append((finder, days_ago))
    for finder, days_ago in found:
        # Someone of their trade's world: a care or social structure for peer mediators,
        # trainers and preventers; a neighbour, an association or a firm for local services.
        local = finder.activity in (Activity.GARDENING, Activity.SEWING, Activity.SMALL_WORKS)
        kind = _pick(rng, FOUND_CLIENT_KINDS["local" if local else "care"])
        department = finder.department if finder.department in departments else "93"
        client, client_contacts = _draw_client(
            rng, faker, kind, department, taken_sirets=taken_sirets, authorities=authorities
        )
        client.created_by = finder.user
        client.created_at = _at(today - datetime.timedelta(days=days_ago), rng.randint(9, 18))
        clients.append(client)
        contacts.append(client_contacts)

    if size == "demo":
        # What the client form writes: each client checked by the model (SIRET, postcode).
        for client, client_contacts in zip(clients, contacts, strict=True):
            client.full_clean()
            client.save()
            for contact in client_contacts:
                contact.client = client
                contact.full_clean()
                contact.save()
    else:
        Client.objects.bulk_create(clients, batch_size=CLIENT_BATCH_SIZE)
        for client, client_contacts in zip(clients, contacts, strict=True):
            for contact in client_contacts:
                contact.client = client
        ClientContact.objects.bulk_create(
            [contact for client_contacts in contacts for contact in client_contacts],
            batch_size=CLIENT_BATCH_SIZE,
        )


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _draw_client(
    rng: random.Random,
    faker: Faker,
    kind: str,
    department: str,
    *,
    taken_sirets: set[str],
    authorities: set[str],
) -> tuple[Client, list[ClientContact]]:
    while True:
        template, is_public, siren_prefix, job_titles = rng.choice(CLIENT_TEMPLATES[kind])
        # One département has one council.
        if template != "{authority}" or department not in authorities:
            break
    if template == "{authority}":
        authorities.add(department)
    commune, postcode = rng.choice(CLIENT_COMMUNES[department])
    person = f"{faker.first_name()} {faker.last_name()}"
    name = template.format(
        namesake=rng.choice(NAMESAKES),
        place=rng.choice(PLACE_NAMES),
        commune=commune,
        person=person,
        surname=faker.last_name(),
        authority=DEPARTMENT_AUTHORITIES[department],
    )
    if template == "{authority}":
        # The département's own offices.
        commune, postcode = CLIENT_COMMUNES[department][0 if department != "93" else 3]
    domain = f"{slugify(name)[:30].strip('-')}.example"
    individual = kind == ClientKind.INDIVIDUAL
    client = Client(
        name=name,
        kind=kind,
        siret="" if individual else siret(rng, siren_prefix, taken=taken_sirets),
        is_public=is_public,
        address=faker.street_address(),
        postcode=postcode,
        commune=commune,
        email=(f"{slugify(person)}@courriel.example" if individual else f"contact@{domain}"),
        phone=_client_phone(rng, department),
    )
    contacts = []
    for job_title in rng.sample(job_titles, min(len(job_titles), rng.randint(1, 3))):
        first_name, last_name = faker.first_name(), faker.last_name()
        contacts.append(
            ClientContact(
                name=f"{first_name} {last_name}",
                job_title=job_title,
                email=f"{slugify(first_name)}.{slugify(last_name)}@{domain}",
                phone=_client_phone(rng, department) if rng.random() < 0.8 else "",
            )
        )
    return client, contacts


def _client_phone(rng: random.Random, department: str) -> str:
    prefix = PHONE_PREFIXES[department] if rng.random() < 0.7 else "06 39 98"
    return f"{prefix} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"


def siret(rng: random.Random, prefix: str = "", *, taken: set[str] | None = None) -> str:
    """A SIRET with valid control keys: the SIREN (9 digits) and the whole SIRET (14)
    each pass the Luhn check, as INSEE numbers do. `prefix` starts the SIREN (19 for a
    public school, 21 a commune, 22 a département, 26 a public health establishment)."""
    while True:
        siren = prefix + "".join(str(rng.randint(0, 9)) for _ in range(8 - len(prefix)))
        siren += luhn_key(siren)
        nic = f"{rng.randint(1, 9999):04d}"
        number = siren + nic + luhn_key(siren + nic)
        # La Poste's SIREN follows another rule: never drawn.
        if not number.startswith("356000000") and (taken is None or number not in taken):
            if taken is not None:
                taken.add(number)
            return number


def luhn_key(digits: str) -> str:
    """The digit that makes `digits` + it pass the Luhn check."""
    total = 0
    # From the right of the completed number, every second digit is doubled: here that
    # is every digit at an even distance from the end of `digits`.
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)
