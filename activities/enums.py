from django.db import models
from django.utils.translation import gettext_lazy as _


class MissionKind(models.TextChoices):
    PREVENTION_WORKSHOP = "prevention_workshop", _("Atelier de prévention")
    PROFESSIONAL_TRAINING = "professional_training", _("Formation de professionnel·les")
    CARE_TEAM_AWARENESS = "care_team_awareness", _("Sensibilisation d'équipes soignantes")
    PEER_MEDIATION = "peer_mediation", _("Médiation par les pairs")
    GARDENING = "gardening", _("Service local : jardinage")
    SEWING = "sewing", _("Service local : couture")
    SMALL_WORKS = "small_works", _("Service local : petits travaux")


class MissionStatus(models.TextChoices):
    """proposed → planned → in progress → delivered → invoiced (set by invoicing)."""

    PROPOSED = "proposed", _("Proposée")
    PLANNED = "planned", _("Planifiée")
    IN_PROGRESS = "in_progress", _("En cours")
    DELIVERED = "delivered", _("Réalisée")
    INVOICED = "invoiced", _("Facturée")
    REFUSED = "refused", _("Refusée")


class Theme(models.TextChoices):
    ALCOHOL = "alcohol", _("Alcool")
    TOBACCO = "tobacco", _("Tabac")
    CANNABIS = "cannabis", _("Cannabis")
    OTHER_DRUGS = "other_drugs", _("Autres drogues")
    SCREENS = "screens", _("Écrans")
    GAMBLING = "gambling", _("Jeux d'argent")
    RISK_REDUCTION = "risk_reduction", _("Réduction des risques")
    MENTAL_HEALTH = "mental_health", _("Santé mentale et déstigmatisation")
    PEER_SUPPORT = "peer_support", _("Pair-aidance")
    OTHER = "other", _("Autre")


class AudienceKind(models.TextChoices):
    PUPILS = "pupils", _("Élèves")
    YOUNG_PEOPLE = "young_people", _("Jeunes")
    PROFESSIONALS = "professionals", _("Professionnel·les")
    GENERAL_PUBLIC = "general_public", _("Grand public")
    PEOPLE_IN_CARE = "people_in_care", _("Personnes accompagnées ou soignées")


class SessionStatus(models.TextChoices):
    """logged → validated (locked, billable) or returned (to correct, then logged again)."""

    LOGGED = "logged", _("À valider")
    VALIDATED = "validated", _("Validée")
    RETURNED = "returned", _("Renvoyée pour correction")


class ExpenseKind(models.TextChoices):
    TRANSPORT = "transport", _("Transport (billet, parking, péage)")
    MEALS = "meals", _("Repas")
    MATERIALS = "materials", _("Matériel")
    OTHER = "other", _("Autre")


class ExpenseStatus(models.TextChoices):
    PENDING = "pending", _("À valider")
    VALIDATED = "validated", _("Validée")
    RETURNED = "returned", _("Renvoyée")
