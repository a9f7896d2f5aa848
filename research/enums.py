from django.db import models
from django.utils.translation import gettext_lazy as _


class FunderKind(models.TextChoices):
    HEALTH_AGENCY = "health_agency", _("Agence régionale de santé (ARS)")
    FOUNDATION = "foundation", _("Fondation")
    EUROPEAN_FUND = "european_fund", _("Fonds européen (FSE+)")
    LOCAL_AUTHORITY = "local_authority", _("Collectivité territoriale")
    STATE = "state", _("État")
    OTHER = "other", _("Autre")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Mois")
    YEAR = "year", _("Année")
    CUSTOM = "custom", _("Période choisie")


class SnapshotStatus(models.TextChoices):
    """building → ready (figures stored, PDF rendered) → sent; failed when it broke."""

    BUILDING = "building", _("En préparation")
    READY = "ready", _("Prêt")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec")


class ExtractDataset(models.TextChoices):
    """What an extract holds: one row per person, or one row per event."""

    ENTREPRENEURS = "entrepreneurs", _("Entrepreneur·es (une ligne par personne)")
    FOLLOWUPS = "followups", _("Personnes accompagnées (une ligne par personne)")
    MEETINGS = "meetings", _("Rencontres de pair-aidance (une ligne par rencontre)")
    SESSIONS = "sessions", _("Séances de prévention (une ligne par séance)")


class ExtractStatus(models.TextChoices):
    """requested → approved (k-anonymity checked) → downloaded; or refused: by the
    coordinator, or by the k-anonymity check when asked, approved or downloaded."""

    REQUESTED = "requested", _("Demandée")
    APPROVED = "approved", _("Approuvée")
    REFUSED = "refused", _("Refusée")
    DOWNLOADED = "downloaded", _("Téléchargée")


# How far an extract generalises its quasi-identifiers. Each list runs from the finest
# to the coarsest: a refused request is asked again one step further down one of them.


class ExtractTerritory(models.TextChoices):
    DEPARTMENT = "department", _("Département")
    REGION = "region", _("Région")
    NONE = "none", _("Pas de territoire")


class ExtractDates(models.TextChoices):
    MONTH = "month", _("Mois")
    QUARTER = "quarter", _("Trimestre")
    YEAR = "year", _("Année")


class ExtractAges(models.TextChoices):
    ESF = "esf", _("Tranches FSE+ (moins de 18, 18 – 29, 30 – 54, 55 et plus)")
    WIDE = "wide", _("Deux tranches (moins de 30 ans, 30 ans et plus)")
    NONE = "none", _("Pas d'âge")
