from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    """What a person does on the platform. One role per account: a person who needs two
    (a coordinator who is also an accountant) gets two accounts, so that what each sees
    stays plain, above all for health data."""

    ADMINISTRATOR = "administrator", _("Administrateur·rice")
    COORDINATOR = "coordinator", _("Chargé·e d'accompagnement")
    ENTREPRENEUR = "entrepreneur", _("Entrepreneur·e salarié·e")
    PEER_SUPPORT_LEAD = "peer_support_lead", _("Référent·e pair-aidance")
    ACCOUNTANT = "accountant", _("Comptable")
    FUNDER = "funder", _("Financeur")
    RESEARCHER = "researcher", _("Chercheur·e")

    @classmethod
    def requiring_two_factor(cls) -> frozenset["Role"]:
        """Roles that reach many people's data must pass a second factor before any page."""
        return frozenset(
            {cls.ADMINISTRATOR, cls.COORDINATOR, cls.PEER_SUPPORT_LEAD, cls.ACCOUNTANT}
        )


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    ACCEPTED = "accepted", _("Acceptée")
    REVOKED = "revoked", _("Annulée")
    EXPIRED = "expired", _("Expirée")


class Stage(models.TextChoices):
    """The path through the cooperative, in order."""

    WELCOME = "welcome", pgettext_lazy("path stage", "Accueil")
    CAPE = "cape", _("CAPE")
    CESA = "cesa", _("CESA")
    ASSOCIATE = "associate", _("Associé·e")
    EXITED = "exited", _("Sortie")


class ContractKind(models.TextChoices):
    CAPE = "cape", _("CAPE — contrat d'appui au projet d'entreprise")
    CESA = "cesa", _("CESA — contrat d'entrepreneur salarié associé")


class Activity(models.TextChoices):
    """The member's trade (métier)."""

    PREVENTION = "prevention", _("Prévention")
    PEER_MEDIATION = "peer_mediation", _("Médiation par les pairs")
    TRAINING = "training", _("Formation")
    CARE = "care", _("Soin et accompagnement")
    GARDENING = "gardening", _("Jardinage")
    SEWING = "sewing", _("Couture")
    SMALL_WORKS = "small_works", _("Petits travaux")
    OTHER = "other", _("Autre")


class Gender(models.TextChoices):
    WOMAN = "woman", _("Femme")
    MAN = "man", _("Homme")
    NON_BINARY = "non_binary", _("Non binaire")
    UNDISCLOSED = "undisclosed", _("Non renseigné")


class ExitReason(models.TextChoices):
    EMPLOYMENT = "employment", _("Emploi salarié")
    OWN_COMPANY = "own_company", _("Création de sa propre entreprise")
    TRAINING = "training", _("Formation")
    CAPE_NOT_RENEWED = "cape_not_renewed", _("Fin du CAPE sans suite")
    CESA_DEADLINE = "cesa_deadline", _("Pas devenu·e associé·e dans les trois ans")
    HEALTH = "health", _("Raisons de santé")
    PERSONAL = "personal", _("Choix personnel")
    OTHER = "other", _("Autre")


class ConsentScope(models.TextChoices):
    HEALTH_PROFILE = "health_profile", _("Traitement du profil (ancien·ne usager·ère)")
    RESEARCH = "research", _("Utilisation pour la recherche-action")


class DocumentKind(models.TextChoices):
    CONTRACT = "contract", _("Contrat")
    CERTIFICATE = "certificate", _("Attestation ou diplôme")
    IDENTITY = "identity", _("Pièce administrative")
    OTHER = "other", _("Autre")


class TrainingKind(models.TextChoices):
    PEER_SUPPORT_DU = "peer_support_du", _("DU Pair-aidance & savoirs expérientiels")
    FIRST_AID = "first_aid", _("Premiers secours (PSC1, SST)")
    PREVENTION = "prevention", _("Prévention des addictions")
    OTHER = "other", _("Autre")


class AppointmentMode(models.TextChoices):
    IN_PERSON = "in_person", _("En présentiel")
    PHONE = "phone", _("Par téléphone")
    VIDEO = "video", _("En visio")


class AppointmentStatus(models.TextChoices):
    PLANNED = "planned", _("Prévu")
    HELD = "held", _("Réalisé")
    MISSED = "missed", _("Absent·e")
    CANCELLED = "cancelled", _("Annulé")


class Attendance(models.TextChoices):
    REGISTERED = "registered", _("Inscrit·e")
    PRESENT = "present", _("Présent·e")
    ABSENT = "absent", _("Absent·e")
    EXCUSED = "excused", _("Excusé·e")


class AccessAction(models.TextChoices):
    VIEW = "view", _("Consultation")
    CHANGE = "change", _("Modification")
    DOWNLOAD = "download", _("Téléchargement")


class SituationCheckpoint(models.TextChoices):
    """When an entrepreneur's situation is recorded: at entry (the information meeting
    opens the path), at the exit, then 28 days and 6 months after the exit (ESF+)."""

    ENTRY = "entry", _("À l'entrée")
    EXIT = "exit", _("À la sortie")
    DAY_28 = "day_28", _("28 jours après la sortie")
    MONTH_6 = "month_6", _("6 mois après la sortie")

    @property
    def days_after_exit(self) -> int | None:
        """The day the situation describes, counted from the exit (None: the entry)."""
        return {"entry": None, "exit": 0, "day_28": 28, "month_6": 182}[self.value]

    @property
    def earliest_days_after_exit(self) -> int | None:
        """The first day it may be recorded, counted from the exit: the exit situation
        from the exit interview, two weeks before; a later one a little early (the
        person is met a few days before the date), never right after the exit."""
        return {"entry": None, "exit": -14, "day_28": 21, "month_6": 168}[self.value]


class Resource(models.TextChoices):
    """The person's main resource (one answer: the one they live on most). The same keys
    as peer_support's, so that research can set both side by side."""

    EMPLOYMENT = "employment", _("Revenus d'un emploi")
    RSA = "rsa", _("RSA")
    AAH = "aah", _("AAH")
    OTHER = "other", _("Autre ressource (chômage, pension…)")
    NONE = "none", _("Aucune ressource")
    UNDISCLOSED = "undisclosed", _("Non renseigné")
