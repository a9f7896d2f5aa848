"""The French words of the demo data set: places, skills, what appointments and
workshops are about, and what a consent explains."""

from coop.seed import COOPP, PEER_HELP_COLLECTIVE, PEER_NETWORK, SCHOOL_PREVENTION
from members.enums import Activity, ConsentScope, Stage

COMMUNES: dict[str, tuple[tuple[str, str], ...]] = {
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
    ),
    "75": (
        ("Paris", "75010"),
        ("Paris", "75011"),
        ("Paris", "75013"),
        ("Paris", "75018"),
        ("Paris", "75019"),
        ("Paris", "75020"),
    ),
    "13": (
        ("Marseille", "13001"),
        ("Marseille", "13003"),
        ("Marseille", "13013"),
        ("Marseille", "13015"),
        ("Aix-en-Provence", "13100"),
        ("Aubagne", "13400"),
        ("Vitrolles", "13127"),
    ),
    "59": (
        ("Lille", "59000"),
        ("Roubaix", "59100"),
        ("Tourcoing", "59200"),
        ("Wattrelos", "59150"),
        ("Dunkerque", "59140"),
        ("Valenciennes", "59300"),
    ),
    "69": (
        ("Lyon", "69001"),
        ("Lyon", "69003"),
        ("Lyon", "69007"),
        ("Lyon", "69008"),
        ("Villeurbanne", "69100"),
        ("Vénissieux", "69200"),
        ("Vaulx-en-Velin", "69120"),
    ),
}
UNIVERSITIES = {
    "93": "Université Sorbonne Paris Nord",
    "75": "Université Paris Cité",
    "13": "Aix-Marseille Université",
    "59": "Université de Lille",
    "69": "Université Claude Bernard Lyon 1",
}
PLACES = {
    "93": (
        "Maison des associations, Montreuil",
        "Locaux de la coopérative, Saint-Denis",
        "Centre social, Aubervilliers",
    ),
    "75": ("Tiers-lieu solidaire, Paris 20e", "Salle municipale, Paris 18e"),
    "13": ("Locaux de la coopérative, Marseille 3e", "Maison de quartier, Marseille 13e"),
    "59": ("Locaux de la coopérative, Lille", "Maison de quartier, Roubaix"),
    "69": ("Maison des associations, Villeurbanne", "Locaux de la coopérative, Lyon 7e"),
}
SKILLS = {
    Activity.PREVENTION: (
        "Animation de groupe",
        "Réduction des risques",
        "Prise de parole en public",
        "Conception d'ateliers de prévention",
    ),
    Activity.PEER_MEDIATION: (
        "Écoute active",
        "Médiation",
        "Accompagnement vers le soin",
        "Accès aux droits",
        "Réduction des risques",
    ),
    Activity.TRAINING: ("Animation de groupe", "Prise de parole en public", "Bureautique"),
    Activity.CARE: ("Écoute active", "Accompagnement vers le soin", "Accès aux droits"),
    Activity.GARDENING: ("Jardinage en permaculture", "Animation de groupe"),
    Activity.SEWING: ("Couture et retouches", "Animation de groupe"),
    Activity.SMALL_WORKS: ("Peinture et rénovation", "Petite maçonnerie"),
    Activity.OTHER: ("Bureautique", "Devis et facturation"),
}
CLIENTS = (
    "un collège de Montreuil",
    "un CSAPA",
    "un CAARUD",
    "la mairie",
    "un bailleur social",
    "un centre social",
    "une mission locale",
    "un hôpital de jour",
)
ACTIVITY_TOPICS = {
    Activity.PREVENTION: "Interventions de prévention des addictions auprès de {client}.",
    Activity.PEER_MEDIATION: "Accompagnements en médiation par les pairs pour {client}.",
    Activity.TRAINING: "Sessions de formation pour les équipes de {client}.",
    Activity.CARE: "Accompagnement de personnes à domicile, en lien avec {client}.",
    Activity.GARDENING: "Entretien d'espaces verts et jardin partagé pour {client}.",
    Activity.SEWING: "Retouches et petites séries pour {client}.",
    Activity.SMALL_WORKS: "Petits travaux de peinture et de rénovation pour {client}.",
    Activity.OTHER: "Premières missions pour {client}.",
}
STAGE_TOPICS = {
    Stage.WELCOME: (
        "Premier entretien : présentation de la coopérative, du CAPE et de l'accompagnement.",
        "Point sur le projet et sur les droits (RSA, chômage) pendant le CAPE.",
        "Visite des locaux et rencontre avec deux entrepreneur·es de la coopérative.",
    ),
    Stage.CAPE: (
        "Point du mois : premières missions, prix de journée, organisation de la semaine.",
        "Préparation d'un devis. Calcul du prix avec les frais de déplacement.",
        "Bilan du chiffre d'affaires du trimestre et de la trésorerie.",
        "Fatigue évoquée : rythme d'activité allégé pour le mois prochain.",
        "Point sur le renouvellement du CAPE et sur le passage en CESA.",
    ),
    Stage.CESA: (
        "Bilan de l'année : chiffre d'affaires, contribution coopérative, projets.",
        "Préparation du sociétariat : rôle des associé·es, assemblée générale.",
        "Développement : nouveaux clients, réponse à un appel à projets.",
        "Point sur le salaire et les frais professionnels.",
    ),
    Stage.ASSOCIATE: (
        "Point annuel : activité, charge de travail, formation continue.",
        "Participation à la gouvernance : candidature au conseil de coopérative.",
        "Transmission : accueil d'un·e nouvel·le entrepreneur·e en binôme.",
    ),
}
NEXT_STEPS = (
    "Envoyer le devis avant vendredi.",
    "Prendre rendez-vous avec la comptabilité pour la première facture.",
    "S'inscrire à l'atelier « Fixer ses prix et faire un devis ».",
    "Rassembler les justificatifs de frais du mois.",
    "Relancer le client pour le paiement.",
    "Prochain point dans un mois.",
    "Préparer le dossier pour le passage en CESA.",
    "Mettre à jour l'attestation de premiers secours.",
    "Appeler la mission locale pour la formation.",
)
MISSED_NEXT_STEP = "Rappeler la personne pour fixer un nouveau rendez-vous."
# (subject, description, the programme it usually belongs to)
WORKSHOP_SUBJECTS = (
    (
        "Découvrir la coopérative",
        "Droits et devoirs de l'entrepreneur·e salarié·e, le CAPE, le CESA.",
        COOPP,
    ),
    ("Fixer ses prix et faire un devis", "Calculer un prix juste, rédiger un devis.", COOPP),
    ("Tenir sa trésorerie", "Lire son compte d'activité, anticiper les mois creux.", COOPP),
    (
        "Parler de son parcours : le savoir expérientiel",
        "Raconter son expérience sans se mettre en danger.",
        PEER_NETWORK,
    ),
    (
        "Prendre soin de soi quand on accompagne",
        "Repérer la fatigue, poser ses limites, demander de l'aide.",
        PEER_NETWORK,
    ),
    (
        "Animer un atelier de prévention au collège",
        "Préparer une séance, parler aux élèves, travailler avec l'équipe.",
        SCHOOL_PREVENTION,
    ),
    (
        "Réduction des risques : outils et actualités",
        "Les outils à jour et les partenaires du territoire.",
        PEER_NETWORK,
    ),
    (
        "Utiliser la plateforme depuis son téléphone",
        "Noter une mission en une minute, retrouver ses factures.",
        COOPP,
    ),
    (
        "Devenir associé·e : la gouvernance",
        "Le sociétariat, l'assemblée générale, le conseil de coopérative.",
        COOPP,
    ),
    (
        "Jardin partagé : préparer la saison",
        "Semis, plan du jardin, répartition des tâches.",
        PEER_HELP_COLLECTIVE,
    ),
    (
        "Atelier couture et réemploi",
        "Retouches, petites séries, prix de vente.",
        PEER_HELP_COLLECTIVE,
    ),
    (
        "Chantier collectif : petits travaux",
        "Sécurité, outillage, devis de petits travaux.",
        PEER_HELP_COLLECTIVE,
    ),
)
CONSENT_EXPLANATIONS = {
    ConsentScope.HEALTH_PROFILE: (
        "Être ancien·ne usager·ère est une donnée de santé. Seules les personnes chargées "
        "de l'accompagnement et la personne elle-même la voient. Le consentement peut être "
        "retiré à tout moment."
    ),
    ConsentScope.RESEARCH: (
        "Présentation de la recherche-action : les chiffres sont anonymes, aucun nom n'est "
        "transmis aux chercheur·es. Participation libre, retrait possible à tout moment."
    ),
}
