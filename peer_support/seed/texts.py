"""The French words of the peer-support demo data: what mediators write after a meeting,
the goals people set, the partners they are referred to. Fiction throughout: no real
person, and partner names are generic."""

from peer_support.enums import GoalKind, Outcome, PartnerKind

PSEUDONYMS = (
    "Momo",
    "Titi",
    "La Fourmi",
    "Dédé",
    "Nini",
    "Le Grand",
    "Zaza",
    "Poupette",
    "Le Chat",
    "Jojo",
    "Kiki",
    "Loulou",
)

CONSENT_EXPLANATIONS = (
    "Expliqué à l'oral : ce que nous notons (prénom, année de naissance, commune, situation,"
    " nos rencontres), qui le lit (son médiateur, sa médiatrice et la référente), combien de"
    " temps (deux ans après la fin), et ses droits : voir, corriger, effacer.",
    "Lu ensemble la fiche d'information. La personne sait qu'elle peut tout consulter et"
    " demander l'effacement à tout moment, sans conséquence sur l'accompagnement.",
)
RESEARCH_EXPLANATION = (
    "Expliqué : des chiffres anonymes pour la recherche-action (jamais son nom ni nos notes),"
    " retrait possible à tout moment, sans conséquence sur l'accompagnement."
)

MEETING_NOTES = (
    "Café au local. Il a parlé de sa semaine, du manque le soir, et de ce qui l'aide.",
    "Elle était fatiguée mais contente d'être venue. On a regardé ensemble ses papiers CAF.",
    "Marche jusqu'au parc. Beaucoup parlé de son fils, qu'il aimerait revoir.",
    "Appel court : il va bien, a tenu son rendez-vous au CSAPA, fier de lui.",
    "Visite chez elle : appartement rangé, frigo presque vide. On a fait le point sur les"
    " aides alimentaires.",
    "Rechute ce week-end, beaucoup de honte. On a parlé de ma propre expérience, sans jugement.",
    "On a préparé ensemble le rendez-vous avec l'assistante sociale de demain.",
    "Il doute de son traitement, les effets le gênent. Je l'encourage à en parler au médecin.",
    "Bonne nouvelle : dossier AAH accepté. Elle veut fêter ça en venant à l'atelier.",
    "Visio difficile (connexion), mais elle a tenu à garder le rendez-vous.",
    "Il a trouvé une formation de cariste, on a regardé le financement.",
    "Parlé du logement : la chambre d'hôtel 115 se termine fin du mois.",
    "Elle dit dormir mieux depuis qu'elle voit le psychiatre du CMP.",
    "Séance au local avec son ami qui l'accompagne, ambiance détendue.",
    "Il a peur du regard des autres au travail. On a parlé de ce qu'il veut dire ou taire.",
)
NEXT_STEPS = (
    "Se revoir mardi au local.",
    "L'accompagner au CSAPA jeudi à 10 h.",
    "Appeler ensemble le SIAO lundi matin.",
    "Il rappelle la mission locale avant vendredi.",
    "Préparer le dossier de renouvellement RSA.",
    "Atelier pair-à-pair de la semaine prochaine : elle pense venir.",
    "Faire le point sur le traitement avec son médecin, puis m'en parler.",
    "Prendre rendez-vous chez le dentiste (CMU).",
)
GOAL_FREE_TEXTS = (
    "Revoir mes enfants le week-end",
    "Reprendre la guitare",
    "Ne plus avoir peur de prendre le métro",
    "Passer le permis de conduire",
    "Renouer avec ma sœur",
    "Cuisiner pour moi tous les jours",
)
PROGRESS_NOTES = {
    "in_progress": (
        "Premiers pas faits, il y croit.",
        "Dossier déposé, on attend la réponse.",
        "Ça avance doucement, à son rythme.",
    ),
    "reached": (
        "C'est fait ! Grande fierté.",
        "Objectif atteint, on a fêté ça au local.",
    ),
    "abandoned": (
        "Ce n'est plus sa priorité pour l'instant.",
        "Mis de côté d'un commun accord.",
    ),
}
PARTNERS: dict[PartnerKind, tuple[str, ...]] = {
    PartnerKind.ADDICTION_CARE: (
        "CSAPA du secteur",
        "CAARUD de la gare",
        "CSAPA hospitalier",
        "Consultation jeunes consommateurs",
    ),
    PartnerKind.PSYCHIATRIC_SERVICE: (
        "CMP du secteur",
        "Hôpital de jour",
        "Équipe mobile psychiatrie précarité",
    ),
    PartnerKind.EMPLOYMENT_SERVICE: ("France Travail", "Mission locale", "Chantier d'insertion"),
    PartnerKind.HOUSING: ("SIAO", "Pension de famille", "CHRS du quartier"),
    PartnerKind.SOCIAL_WORKER: (
        "Service social départemental",
        "CCAS",
        "Assistante sociale de l'hôpital",
    ),
    PartnerKind.OTHER: (
        "Association d'entraide",
        "Groupe d'entraide mutuelle (GEM)",
        "Maison de santé",
    ),
}
SHARED_INFO: dict[PartnerKind, tuple[str, ...]] = {
    PartnerKind.ADDICTION_CARE: (
        "Prénom, téléphone, demande de rendez-vous pour un suivi en addictologie.",
        "Demande de soins, consommations actuelles décrites par la personne.",
    ),
    PartnerKind.PSYCHIATRIC_SERVICE: (
        "Prénom, téléphone, souhait de reprendre un suivi psychiatrique.",
        "Difficultés de sommeil et idées sombres, avec l'accord de la personne.",
    ),
    PartnerKind.EMPLOYMENT_SERVICE: (
        "CV, projet professionnel, disponibilités.",
        "Souhait de formation, situation administrative.",
    ),
    PartnerKind.HOUSING: (
        "Situation d'hébergement, composition familiale, ressources.",
        "Demande de logement accompagné, téléphone.",
    ),
    PartnerKind.SOCIAL_WORKER: (
        "Situation administrative, droits à ouvrir (RSA, CSS).",
        "Demande d'aide pour un dossier de surendettement.",
    ),
    PartnerKind.OTHER: ("Prénom et téléphone, envie de rejoindre un groupe.",),
}
REFUSAL_REASONS = (
    "Pas de place avant trois mois.",
    "Hors secteur : adressé vers la structure de sa commune.",
    "Critères d'admission non remplis.",
    "La personne n'est pas venue au premier rendez-vous.",
)
OUTCOME_NOTES: dict[str, tuple[str, ...]] = {
    Outcome.GOALS_REACHED: ("Objectifs atteints, il garde notre numéro au cas où.",),
    Outcome.RELAY: ("Le CMP a pris le relais, elle y va seule maintenant.",),
    Outcome.PERSON_ENDED: ("Elle a souhaité arrêter, la porte reste ouverte.",),
    Outcome.LOST_CONTACT: ("Plus de nouvelles depuis deux mois malgré nos appels.",),
    Outcome.MOVED: ("Parti vivre chez sa famille en province.",),
}
WORKSHOP_TITLES = (
    "Groupe de parole : tenir dans la durée",
    "Atelier cuisine à petit budget",
    "Se préparer à un rendez-vous médical",
    "Raconter son parcours, si on le souhaite",
    "Sortie au musée et pique-nique",
    "Gérer les moments de manque",
    "Droits et démarches : le RSA, la CSS, l'AAH",
)
AWARENESS_TITLES = (
    "La pair-aidance en service d'addictologie",
    "Travailler avec un médiateur de santé pair",
    "Réduction des risques : le regard des pairs",
)
PLACES = (
    "Local de l'association",
    "Salle de la maison de quartier",
    "Jardin partagé",
    "Centre social",
)
GOAL_KINDS = (
    GoalKind.CARE_ADHERENCE,
    GoalKind.ACCESS_TO_RIGHTS,
    GoalKind.HOUSING,
    GoalKind.EMPLOYMENT_TRAINING,
    GoalKind.SOCIAL_LIFE,
    GoalKind.HEALTH,
)
