from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ArrivalRoute(models.TextChoices):
    """How the person came to the peer mediator."""

    SELF = "self", _("De sa propre initiative")
    ADDICTION_CARE = "addiction_care", _("Centre de soins en addictologie (CSAPA, CAARUD)")
    PSYCHIATRIC_SERVICE = "psychiatric_service", _("Service de psychiatrie (CMP, hôpital)")
    SOCIAL_WORKER = "social_worker", _("Travailleur·se social·e")
    PEER = "peer", _("Un·e autre pair")
    FAMILY = "family", _("Famille ou proches")
    OTHER = "other", _("Autre")


class Housing(models.TextChoices):
    STABLE = "stable", _("Logement personnel stable")
    FAMILY_OR_FRIENDS = "family_or_friends", _("Hébergé·e par la famille ou des proches")
    SUPPORTED = "supported", _("Logement accompagné ou hébergement social (CHRS, pension…)")
    EMERGENCY = "emergency", _("Hébergement d'urgence")
    STREET = "street", _("Sans abri")
    INSTITUTION = "institution", _("Hôpital, prison ou autre institution")
    UNDISCLOSED = "undisclosed", _("Non renseigné")


class Resource(models.TextChoices):
    """The person's main resource (one answer: the one they live on most)."""

    EMPLOYMENT = "employment", _("Revenus d'un emploi")
    RSA = "rsa", _("RSA")
    AAH = "aah", _("AAH")
    OTHER = "other", _("Autre ressource (chômage, pension…)")
    NONE = "none", _("Aucune ressource")
    UNDISCLOSED = "undisclosed", _("Non renseigné")


class CareFollowUp(models.TextChoices):
    """Whether the person is followed by care services."""

    ADDICTION = "addiction", _("Suivi en addictologie")
    MENTAL_HEALTH = "mental_health", _("Suivi en psychiatrie ou santé mentale")
    BOTH = "both", _("Suivi en addictologie et en santé mentale")
    GENERAL_PRACTITIONER = "general_practitioner", _("Médecin généraliste seulement")
    INTERRUPTED = "interrupted", _("Suivi interrompu")
    NONE = "none", _("Aucun suivi")
    UNDISCLOSED = "undisclosed", _("Non renseigné")


class Checkpoint(models.TextChoices):
    """When a situation is recorded: at entry, then 28 days and 6 months after closing
    (for the research)."""

    ENTRY = "entry", _("À l'entrée")
    DAY_28 = "day_28", _("28 jours après la fin")
    MONTH_6 = "month_6", _("6 mois après la fin")

    @property
    def days_after_closing(self) -> int:
        return {"entry": 0, "day_28": 28, "month_6": 182}[self.value]

    @property
    def earliest_days_after_closing(self) -> int:
        """A later situation may be recorded a little early (the person is met a few
        days before the date), never right after closing."""
        return {"entry": 0, "day_28": 21, "month_6": 168}[self.value]


class AgeBand(models.TextChoices):
    """Age at opening, the generalised form kept after erasure."""

    UNDER_18 = "under_18", _("Moins de 18 ans")
    FROM_18_TO_24 = "18_24", _("18 – 24 ans")
    FROM_25_TO_34 = "25_34", _("25 – 34 ans")
    FROM_35_TO_44 = "35_44", _("35 – 44 ans")
    FROM_45_TO_54 = "45_54", _("45 – 54 ans")
    FROM_55_TO_64 = "55_64", _("55 – 64 ans")
    FROM_65 = "65_plus", _("65 ans et plus")
    UNKNOWN = "unknown", _("Âge inconnu")

    @classmethod
    def of(cls, birth_year: int | None, year: int) -> "AgeBand":
        """The band of someone born in `birth_year`, in `year` (age = difference of years:
        the birth date itself is never asked)."""
        if birth_year is None:
            return cls.UNKNOWN
        age = year - birth_year
        for limit, band in (
            (18, cls.UNDER_18),
            (25, cls.FROM_18_TO_24),
            (35, cls.FROM_25_TO_34),
            (45, cls.FROM_35_TO_44),
            (55, cls.FROM_45_TO_54),
            (65, cls.FROM_55_TO_64),
        ):
            if age < limit:
                return band
        return cls.FROM_65


class EsfAgeBand(models.TextChoices):
    """The age bands the European Social Fund+ asks for (age at opening), kept after
    erasure like AgeBand. Research breaks figures down by them."""

    UNDER_18 = "under_18", _("Moins de 18 ans")
    FROM_18_TO_29 = "18_29", _("18 – 29 ans")
    FROM_30_TO_54 = "30_54", _("30 – 54 ans")
    FROM_55 = "55_plus", _("55 ans et plus")
    UNKNOWN = "unknown", _("Âge inconnu")

    @classmethod
    def of(cls, birth_year: int | None, year: int) -> "EsfAgeBand":
        """The band of someone born in `birth_year`, in `year` (age = difference of
        years, as AgeBand.of)."""
        if birth_year is None:
            return cls.UNKNOWN
        age = year - birth_year
        for limit, band in ((18, cls.UNDER_18), (30, cls.FROM_18_TO_29), (55, cls.FROM_30_TO_54)):
            if age < limit:
                return band
        return cls.FROM_55


class Outcome(models.TextChoices):
    """Why the follow-up ended."""

    GOALS_REACHED = "goals_reached", _("Objectifs atteints")
    RELAY = "relay", _("Relais pris par un partenaire")
    PERSON_ENDED = "person_ended", _("Fin souhaitée par la personne")
    LOST_CONTACT = "lost_contact", _("Perdu·e de vue")
    MOVED = "moved", _("Déménagement")
    HOSPITAL_OR_PRISON = "hospital_or_prison", _("Hospitalisation ou incarcération longue")
    DECEASED = "deceased", _("Décès")
    OTHER = "other", _("Autre")


class ConsentScope(models.TextChoices):
    PROCESSING = "processing", _("Traitement des données du suivi")
    RESEARCH = "research", _("Utilisation pour la recherche-action")


class GoalKind(models.TextChoices):
    """The catalogue of goals set with the person; FREE carries its own words."""

    CARE_ADHERENCE = "care_adherence", _("Accès et maintien dans les soins")
    ACCESS_TO_RIGHTS = "access_to_rights", _("Accès aux droits")
    HOUSING = "housing", _("Logement")
    EMPLOYMENT_TRAINING = "employment_training", _("Emploi ou formation")
    SOCIAL_LIFE = "social_life", _("Vie sociale")
    HEALTH = "health", _("Santé")
    FREE = "free", _("Objectif libre")


class GoalStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Pas commencé")
    IN_PROGRESS = "in_progress", _("En cours")
    REACHED = "reached", _("Atteint")
    ABANDONED = "abandoned", _("Abandonné")


class MeetingMode(models.TextChoices):
    PREMISES = "premises", _("Dans nos locaux")
    HOME_VISIT = "home_visit", _("Visite à domicile")
    OUTSIDE = "outside", _("À l'extérieur")
    PHONE = "phone", _("Par téléphone")
    VIDEO = "video", _("En visio")


class WorkshopKind(models.TextChoices):
    PEER_TO_PEER = "peer_to_peer", _("Atelier pair-à-pair")
    CARE_TEAM_AWARENESS = "care_team_awareness", _("Sensibilisation d'une équipe soignante")


class PartnerKind(models.TextChoices):
    ADDICTION_CARE = "addiction_care", _("Centre de soins en addictologie (CSAPA, CAARUD)")
    PSYCHIATRIC_SERVICE = "psychiatric_service", _("Service de psychiatrie (CMP)")
    EMPLOYMENT_SERVICE = "employment_service", _("Emploi (France Travail, mission locale…)")
    HOUSING = "housing", _("Logement ou hébergement (SIAO…)")
    SOCIAL_WORKER = "social_worker", _("Travailleur·se social·e")
    OTHER = "other", _("Autre partenaire")


class ReferralStatus(models.TextChoices):
    """sent → accepted, or refused (with the partner's reason)."""

    SENT = "sent", pgettext_lazy("referral", "Envoyée")
    ACCEPTED = "accepted", pgettext_lazy("referral", "Acceptée")
    REFUSED = "refused", pgettext_lazy("referral", "Refusée")


class ErasureReason(models.TextChoices):
    PERSON_REQUEST = "person_request", _("Effacement à la demande de la personne")
    RETENTION = "retention", _("Durée de conservation écoulée")


class AccessAction(models.TextChoices):
    """What was done with a person's record; the access log keeps one row per act."""

    LIST = "list", _("Affichage dans une liste")
    VIEW = "view", _("Consultation")
    CREATE = "create", _("Création")
    CHANGE = "change", _("Modification ou rectification")
    DELETE = "delete", _("Suppression (saisie par erreur)")
    EXPORT = "export", _("Export")
    ERASE = "erase", _("Effacement")
    ANONYMISE = "anonymise", _("Anonymisation (durée de conservation)")
