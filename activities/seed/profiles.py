"""How each kind of mission runs in the demo and load-test data set, and the French
words it is told in: visit rhythm, times, audiences, themes, prices, expenses, titles,
notes, and the reasons coordinators give when they send something back."""

import datetime
from dataclasses import dataclass

from activities.enums import (
    AudienceKind,
    ExpenseKind,
    MissionKind,
    SessionStatus,
    Theme,
)
from coop.enums import ClientKind
from members.enums import Activity


@dataclass(frozen=True)
class Profile:
    """How a kind of mission runs."""

    # Visit days: (fewest, most) in the large size, and in the demo.
    visits: tuple[int, int]
    demo_visits: tuple[int, int]
    # Days from one visit to the next, and sessions on a visit day.
    every: tuple[int, int]
    per_day: tuple[int, ...]
    starts: tuple[datetime.time, ...]
    durations: tuple[int, ...]
    # Share of sessions held remotely, and of those held away from the client's site.
    remote: float
    elsewhere: float
    themes: tuple[Theme, ...]
    # (fewest, most) themes of a mission.
    mission_themes: tuple[int, int]
    # Euros per session (excluding VAT), to agree a price.
    price: tuple[int, int]
    # Chance that a session has expenses, and their kinds.
    expense_chance: float
    expense_kinds: dict[ExpenseKind, int]
    # Saturday visits happen (private gardens).
    saturdays: bool
    titles: tuple[str, ...]
    description: str
    notes: tuple[str, ...]


def _times(*values: str) -> tuple[datetime.time, ...]:
    return tuple(datetime.time.fromisoformat(value) for value in values)


PROFILES: dict[MissionKind, Profile] = {
    MissionKind.PREVENTION_WORKSHOP: Profile(
        visits=(2, 8),
        demo_visits=(2, 5),
        every=(6, 15),
        per_day=(1, 1, 2, 2, 3),
        starts=_times("08:30", "10:20", "13:30", "15:10"),
        durations=(55, 55, 55, 110, 90),
        remote=0.0,
        elsewhere=0.0,
        themes=(
            Theme.ALCOHOL,
            Theme.TOBACCO,
            Theme.CANNABIS,
            Theme.SCREENS,
            Theme.GAMBLING,
            Theme.OTHER_DRUGS,
        ),
        mission_themes=(2, 4),
        price=(110, 160),
        expense_chance=0.12,
        expense_kinds={ExpenseKind.TRANSPORT: 6, ExpenseKind.MATERIALS: 3, ExpenseKind.MEALS: 1},
        saturdays=False,
        titles=(
            "Prévention des conduites addictives — {level}",
            "Écrans, réseaux sociaux et sommeil — {level}",
            "Alcool, tabac, cannabis : en parler avec les {level}",
            "Paris sportifs et jeux d'argent — {level}",
        ),
        description=(
            "Ateliers en demi-groupe, préparés avec l'infirmière et la conseillère "
            "principale d'éducation. Une séance par classe."
        ),
        notes=(
            "Classe attentive, beaucoup de questions sur la chicha et la cigarette électronique.",
            "Deux élèves sont restés à la fin pour parler : orientés vers l'infirmière scolaire.",
            "Séance raccourcie par un exercice d'évacuation.",
            "Le professeur principal a participé. À refaire avec l'autre classe.",
            "Jeu du vrai-faux sur l'alcool : très bon accueil.",
            "Groupe agité au début, plus calme en petits groupes.",
            "Questions sur les écrans et le sommeil. Affiches laissées au CDI.",
            "Les élèves ont rempli le questionnaire de fin de séance.",
        ),
    ),
    MissionKind.PROFESSIONAL_TRAINING: Profile(
        visits=(1, 5),
        demo_visits=(1, 3),
        every=(7, 21),
        per_day=(1,),
        starts=_times("09:00", "09:30"),
        durations=(180, 210, 360, 420),
        remote=0.15,
        elsewhere=0.1,
        themes=(
            Theme.RISK_REDUCTION,
            Theme.MENTAL_HEALTH,
            Theme.PEER_SUPPORT,
            Theme.ALCOHOL,
            Theme.OTHER_DRUGS,
        ),
        mission_themes=(1, 3),
        price=(450, 900),
        expense_chance=0.3,
        expense_kinds={ExpenseKind.TRANSPORT: 5, ExpenseKind.MEALS: 4, ExpenseKind.MATERIALS: 1},
        saturdays=False,
        titles=(
            "Formation « Accueillir une personne qui consomme »",
            "Formation « Repérage précoce et intervention brève »",
            "Formation à la pair-aidance pour les équipes",
            "Premiers pas en réduction des risques",
        ),
        description="Formation des équipes, avec un support remis à chaque participant·e.",
        notes=(
            "Formation de l'équipe du matin. Bons échanges sur l'accueil sans jugement.",
            "Les participant·es veulent une deuxième journée sur la réduction des risques.",
            "Support remis en PDF. Évaluation : très satisfaits.",
            "Un peu de retard au démarrage, programme tenu quand même.",
        ),
    ),
    MissionKind.CARE_TEAM_AWARENESS: Profile(
        visits=(2, 6),
        demo_visits=(2, 4),
        every=(10, 30),
        per_day=(1,),
        starts=_times("10:00", "13:30", "14:00"),
        durations=(90, 120, 150),
        remote=0.1,
        elsewhere=0.0,
        themes=(Theme.MENTAL_HEALTH, Theme.PEER_SUPPORT, Theme.RISK_REDUCTION),
        mission_themes=(1, 3),
        price=(250, 400),
        expense_chance=0.2,
        expense_kinds={ExpenseKind.TRANSPORT: 7, ExpenseKind.MEALS: 2, ExpenseKind.OTHER: 1},
        saturdays=False,
        titles=(
            "Sensibilisation des équipes : stigmatisation et santé mentale",
            "Travailler avec un·e médiateur·rice de santé pair",
            "Sensibilisation : le savoir expérientiel dans le soin",
        ),
        description="Temps d'échange avec l'équipe soignante, pendant la réunion de service.",
        notes=(
            "Échanges sur les mots qui stigmatisent. L'équipe demande des ressources.",
            "Présentation du rôle de médiateur·rice de santé pair, questions sur le secret.",
            "Cas pratiques préparés avec le cadre de santé.",
        ),
    ),
    MissionKind.PEER_MEDIATION: Profile(
        visits=(84, 352),
        demo_visits=(6, 14),
        every=(2, 4),
        per_day=(1,),
        starts=_times("09:30", "13:30", "14:00"),
        durations=(120, 180, 180, 210),
        remote=0.08,
        elsewhere=0.1,
        themes=(
            Theme.RISK_REDUCTION,
            Theme.PEER_SUPPORT,
            Theme.MENTAL_HEALTH,
            Theme.OTHER_DRUGS,
            Theme.ALCOHOL,
        ),
        mission_themes=(2, 4),
        price=(140, 200),
        expense_chance=0.1,
        expense_kinds={ExpenseKind.TRANSPORT: 8, ExpenseKind.MEALS: 1, ExpenseKind.OTHER: 1},
        saturdays=False,
        titles=(
            "Permanence de médiation par les pairs",
            "Accompagnement vers le soin (aller-vers)",
            "Groupe de parole entre pairs",
        ),
        description=(
            "Présence d'un·e médiateur·rice de santé pair : accueil, écoute, "
            "accompagnement vers les soins et les droits."
        ),
        notes=(
            "Permanence calme. Trois personnes reçues, une orientation vers l'assistante sociale.",
            "Accompagnement d'une personne à son rendez-vous au CMP.",
            "Groupe de parole : six participant·es, thème « reprendre confiance ».",
            "Distribution de matériel de réduction des risques et échanges.",
            "Visite à domicile annulée par la personne : appel téléphonique à la place.",
            "Beaucoup de monde aujourd'hui. Besoin d'un deuxième binôme le mardi.",
        ),
    ),
    MissionKind.GARDENING: Profile(
        visits=(40, 170),
        demo_visits=(4, 10),
        every=(7, 7),
        per_day=(1,),
        starts=_times("08:00", "09:00", "14:00"),
        durations=(120, 180, 240),
        remote=0.0,
        elsewhere=0.0,
        themes=(Theme.OTHER,),
        mission_themes=(1, 1),
        price=(60, 120),
        expense_chance=0.3,
        expense_kinds={ExpenseKind.MATERIALS: 7, ExpenseKind.TRANSPORT: 3},
        saturdays=True,
        titles=(
            "Entretien du jardin",
            "Jardin partagé de la résidence",
            "Taille des haies et tonte",
        ),
        description="Entretien régulier des espaces verts, déchets verts évacués.",
        notes=(
            "Tonte et taille des haies.",
            "Plantation des bulbes avec les résident·es.",
            "Désherbage et paillage des massifs.",
            "Ramassage des feuilles, évacuation en déchetterie.",
        ),
    ),
    MissionKind.SEWING: Profile(
        visits=(13, 90),
        demo_visits=(3, 8),
        every=(7, 7),
        per_day=(1,),
        starts=_times("09:30", "14:00"),
        durations=(120, 150, 180),
        remote=0.0,
        elsewhere=0.0,
        themes=(Theme.OTHER,),
        mission_themes=(1, 1),
        price=(40, 90),
        expense_chance=0.25,
        expense_kinds={ExpenseKind.MATERIALS: 8, ExpenseKind.TRANSPORT: 2},
        saturdays=False,
        titles=("Retouches de costumes pour le spectacle", "Atelier couture et réemploi"),
        description="Retouches et petites séries, tissus fournis ou de récupération.",
        notes=(
            "Ourlets et reprises sur douze pantalons.",
            "Atelier couture : sacs en tissu récupéré.",
            "Retouches des costumes pour le spectacle de fin d'année.",
        ),
    ),
    MissionKind.SMALL_WORKS: Profile(
        visits=(26, 104),
        demo_visits=(3, 8),
        every=(1, 2),
        per_day=(1,),
        starts=_times("08:00", "08:30", "09:00"),
        durations=(180, 240, 420),
        remote=0.0,
        elsewhere=0.0,
        themes=(Theme.OTHER,),
        mission_themes=(1, 1),
        price=(120, 260),
        expense_chance=0.35,
        expense_kinds={ExpenseKind.MATERIALS: 8, ExpenseKind.TRANSPORT: 2},
        saturdays=False,
        titles=(
            "Peinture du local",
            "Petits travaux de rénovation",
            "Remise en état d'un logement",
        ),
        description="Petits travaux : peinture, rebouchage, pose d'étagères.",
        notes=(
            "Peinture du couloir, deuxième couche.",
            "Pose d'étagères et réparation d'une porte.",
            "Rebouchage des fissures, ponçage.",
        ),
    ),
}
# What each trade usually does (relative weights).
KINDS_BY_ACTIVITY: dict[str, dict[MissionKind, int]] = {
    Activity.PREVENTION: {
        MissionKind.PREVENTION_WORKSHOP: 8,
        MissionKind.PROFESSIONAL_TRAINING: 1,
        MissionKind.CARE_TEAM_AWARENESS: 1,
    },
    Activity.PEER_MEDIATION: {
        MissionKind.PEER_MEDIATION: 6,
        MissionKind.CARE_TEAM_AWARENESS: 2,
        MissionKind.PREVENTION_WORKSHOP: 1,
        MissionKind.PROFESSIONAL_TRAINING: 1,
    },
    Activity.TRAINING: {
        MissionKind.PROFESSIONAL_TRAINING: 6,
        MissionKind.CARE_TEAM_AWARENESS: 2,
        MissionKind.PREVENTION_WORKSHOP: 2,
    },
    Activity.CARE: {
        MissionKind.CARE_TEAM_AWARENESS: 4,
        MissionKind.PEER_MEDIATION: 3,
        MissionKind.PROFESSIONAL_TRAINING: 3,
    },
    Activity.GARDENING: {MissionKind.GARDENING: 1},
    Activity.SEWING: {MissionKind.SEWING: 1},
    Activity.SMALL_WORKS: {MissionKind.SMALL_WORKS: 1},
    Activity.OTHER: {
        MissionKind.GARDENING: 1,
        MissionKind.SMALL_WORKS: 1,
        MissionKind.SEWING: 1,
        MissionKind.PREVENTION_WORKSHOP: 1,
    },
}
# Who asks for each kind of mission (client kind: weight), and, where it matters, which
# of those clients (the start of their name).
CLIENTS_BY_KIND: dict[MissionKind, dict[str, int]] = {
    MissionKind.PREVENTION_WORKSHOP: {
        ClientKind.SCHOOL: 75,
        ClientKind.ASSOCIATION: 15,
        ClientKind.LOCAL_AUTHORITY: 10,
    },
    MissionKind.PROFESSIONAL_TRAINING: {
        ClientKind.HEALTH_SOCIAL: 40,
        ClientKind.ASSOCIATION: 25,
        ClientKind.LOCAL_AUTHORITY: 20,
        ClientKind.COMPANY: 15,
    },
    MissionKind.CARE_TEAM_AWARENESS: {ClientKind.HEALTH_SOCIAL: 80, ClientKind.ASSOCIATION: 20},
    MissionKind.PEER_MEDIATION: {ClientKind.HEALTH_SOCIAL: 70, ClientKind.ASSOCIATION: 30},
    MissionKind.GARDENING: {
        ClientKind.INDIVIDUAL: 35,
        ClientKind.LOCAL_AUTHORITY: 20,
        ClientKind.ASSOCIATION: 20,
        ClientKind.HEALTH_SOCIAL: 15,
        ClientKind.COMPANY: 10,
    },
    MissionKind.SEWING: {
        ClientKind.ASSOCIATION: 45,
        ClientKind.INDIVIDUAL: 30,
        ClientKind.COMPANY: 25,
    },
    MissionKind.SMALL_WORKS: {
        ClientKind.INDIVIDUAL: 40,
        ClientKind.ASSOCIATION: 30,
        ClientKind.LOCAL_AUTHORITY: 15,
        ClientKind.COMPANY: 15,
    },
}
CLIENT_NAMES: dict[tuple[MissionKind, str], tuple[str, ...]] = {
    (MissionKind.PREVENTION_WORKSHOP, ClientKind.ASSOCIATION): (
        "Centre social",
        "Mission locale",
        "Maison des jeunes",
        "Club de prévention",
    ),
    (MissionKind.PREVENTION_WORKSHOP, ClientKind.LOCAL_AUTHORITY): ("Ville de", "Département"),
    (MissionKind.PEER_MEDIATION, ClientKind.HEALTH_SOCIAL): (
        "CSAPA",
        "CAARUD",
        "Centre d'hébergement",
        "Service de psychiatrie",
        "Centre médico",
        "Hôpital de jour",
    ),
    (MissionKind.PEER_MEDIATION, ClientKind.ASSOCIATION): (
        "Centre social",
        "Club de prévention",
        "Épicerie solidaire",
        "Mission locale",
    ),
    (MissionKind.CARE_TEAM_AWARENESS, ClientKind.ASSOCIATION): ("Centre social", "Club de"),
    (MissionKind.GARDENING, ClientKind.HEALTH_SOCIAL): (
        "EHPAD",
        "Centre d'hébergement",
        "Hôpital de jour",
    ),
    (MissionKind.GARDENING, ClientKind.LOCAL_AUTHORITY): ("Ville de", "Centre communal"),
    (MissionKind.GARDENING, ClientKind.COMPANY): ("Hôtel", "Logistique", "Transports"),
    (MissionKind.GARDENING, ClientKind.ASSOCIATION): (
        "Centre social",
        "Régie de quartier",
        "Ressourcerie",
    ),
    (MissionKind.SEWING, ClientKind.ASSOCIATION): (
        "Centre social",
        "Maison des jeunes",
        "Ressourcerie",
        "Épicerie solidaire",
    ),
    (MissionKind.SEWING, ClientKind.COMPANY): ("Atelier", "Hôtel"),
    (MissionKind.SMALL_WORKS, ClientKind.LOCAL_AUTHORITY): ("Ville de", "Centre communal"),
    (MissionKind.SMALL_WORKS, ClientKind.COMPANY): ("Bâtiment", "Hôtel", "Habitat"),
}
# Chance that a second entrepreneur works on the mission.
PAIRED = {
    MissionKind.PREVENTION_WORKSHOP: 0.2,
    MissionKind.PROFESSIONAL_TRAINING: 0.2,
    MissionKind.CARE_TEAM_AWARENESS: 0.25,
    MissionKind.PEER_MEDIATION: 0.1,
}
DEFAULT_PAIRED = 0.06
SESSION_RETURN_REASONS = (
    "La durée ne correspond pas au planning prévu avec le client : merci de corriger.",
    "Merci de préciser dans la note ce qui a été fait pendant la séance.",
    "La date ne correspond pas à celle prévue avec le client : pouvez-vous la confirmer ?",
)
# Reasons that apply only to some sessions: with pupils, and with a long way travelled.
CLASS_RETURN_REASON = (
    "Le nombre d'élèves semble élevé pour une seule classe : pouvez-vous vérifier ?"
)
KILOMETRES_RETURN_REASON = "Les kilomètres paraissent élevés pour ce trajet : merci de vérifier."
# From this many tenths of a kilometre, a coordinator may query the distance.
FAR_TENTHS = 200
EXPENSE_RETURN_REASONS = (
    "Le justificatif est illisible : merci de reprendre la photo.",
    "Le ticket ne correspond pas à la date de la séance.",
    "Le montant ne correspond pas au justificatif.",
)
REFUSAL_REASONS = (
    "Ce client est déjà suivi par une autre entrepreneure de la coopérative : voyons "
    "ensemble comment travailler en binôme.",
    "Le prix proposé ne couvre pas vos frais de déplacement : reprenons le devis ensemble "
    "avant de valider.",
    "Une intervention auprès de mineur·es demande d'abord une convention avec l'établissement.",
)
# Expense amounts in cents: (lowest, highest).
EXPENSE_CENTS = {
    ExpenseKind.TRANSPORT: (190, 4800),
    ExpenseKind.MEALS: (850, 1890),
    ExpenseKind.MATERIALS: (450, 9500),
    ExpenseKind.OTHER: (300, 3000),
}
PREVENTION_LEVELS = {
    "Collège": ("classes de 6e", "classes de 5e", "classes de 4e", "classes de 3e"),
    "Lycée": ("classes de seconde", "classes de première", "lycéen·nes"),
    "": ("jeunes du quartier", "adolescent·es", "jeunes de 16 à 25 ans"),
}


# --- Small helpers --------------------------------------------------------------------


def pick(rng, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def at(day: datetime.date, hour: int, minute: int, zone) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def workday(day: datetime.date, saturdays: bool) -> datetime.date:
    """Sunday (and Saturday, unless allowed) moves to the Monday."""
    weekday = day.weekday()
    if weekday == 6 or (weekday == 5 and not saturdays):
        return day + datetime.timedelta(days=7 - weekday)
    return day


def school_year_start(day: datetime.date) -> datetime.date:
    """Prevention in schools starts between mid-September and May: a day in the summer
    moves to the next school year."""
    if (day.month, day.day) > (5, 15) and day.month < 9:
        return datetime.date(day.year, 9, 15)
    if day.month == 9 and day.day < 15:
        return day.replace(day=15)
    return day


def school_year_end(day: datetime.date) -> datetime.date:
    year = day.year if day.month < 9 else day.year + 1
    return datetime.date(year, 6, 20)


def draw_logged_at(rng, day, start, duration, zone, now) -> datetime.datetime:
    """Most sessions are logged the same day, soon after; some days later."""
    end = datetime.datetime(
        day.year, day.month, day.day, start.hour, start.minute, tzinfo=zone
    ) + datetime.timedelta(minutes=duration)
    roll = rng.random()
    if roll < 0.7:
        delay = datetime.timedelta(minutes=rng.randint(5, 360))
    elif roll < 0.95:
        delay = datetime.timedelta(hours=rng.randint(18, 72))
    else:
        delay = datetime.timedelta(days=rng.randint(4, 10))
    return max(min(end + delay, now - datetime.timedelta(minutes=1)), end)


def draw_session_status(rng, age: int, returned: float) -> SessionStatus:
    """Validated within weeks; the last ones wait; a few are sent back (and, once
    corrected, validated: the old ones are)."""
    if age > 60:
        return SessionStatus.VALIDATED
    if age <= 7:
        logged = 0.8
    elif age <= 21:
        logged = 0.35
    else:
        logged, returned = 0.08, returned / 2
    roll = rng.random()
    if roll < logged:
        return SessionStatus.LOGGED
    if roll < logged + returned:
        return SessionStatus.RETURNED
    return SessionStatus.VALIDATED


def audience_rule(kind: MissionKind, client_kind: str) -> tuple:
    """(main kind, fewest, most, second kind or None, its chance, fewest, most)."""
    if kind == MissionKind.PREVENTION_WORKSHOP:
        if client_kind == ClientKind.SCHOOL:
            return (AudienceKind.PUPILS, 14, 30, AudienceKind.PROFESSIONALS, 0.35, 1, 3)
        return (AudienceKind.YOUNG_PEOPLE, 5, 18, AudienceKind.PROFESSIONALS, 0.3, 1, 3)
    if kind == MissionKind.PROFESSIONAL_TRAINING:
        return (AudienceKind.PROFESSIONALS, 6, 16, None, 0, 0, 0)
    if kind == MissionKind.CARE_TEAM_AWARENESS:
        return (AudienceKind.PROFESSIONALS, 5, 20, AudienceKind.PEOPLE_IN_CARE, 0.2, 1, 6)
    if kind == MissionKind.PEER_MEDIATION:
        if client_kind == ClientKind.HEALTH_SOCIAL:
            return (AudienceKind.PEOPLE_IN_CARE, 1, 12, AudienceKind.PROFESSIONALS, 0.3, 1, 3)
        return (AudienceKind.GENERAL_PUBLIC, 2, 15, AudienceKind.PEOPLE_IN_CARE, 0.4, 1, 5)
    # Local services.
    if client_kind == ClientKind.INDIVIDUAL:
        return (AudienceKind.GENERAL_PUBLIC, 1, 2, None, 0, 0, 0)
    if client_kind == ClientKind.HEALTH_SOCIAL:
        return (AudienceKind.PEOPLE_IN_CARE, 2, 12, AudienceKind.PROFESSIONALS, 0.3, 1, 2)
    return (AudienceKind.GENERAL_PUBLIC, 1, 12, AudienceKind.YOUNG_PEOPLE, 0.1, 1, 6)


def title_for(rng, profile: Profile, client_name: str) -> str:
    title = rng.choice(profile.titles)
    if "{level}" in title:
        school = next((p for p in ("Collège", "Lycée") if client_name.startswith(p)), "")
        title = title.format(level=rng.choice(PREVENTION_LEVELS[school]))
    return title
