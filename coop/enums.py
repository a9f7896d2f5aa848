from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("À envoyer")
    SENDING = "sending", _("En cours d'envoi")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec définitif")


class ClientKind(models.TextChoices):
    SCHOOL = "school", _("Établissement scolaire")
    LOCAL_AUTHORITY = "local_authority", _("Collectivité")
    COMPANY = "company", _("Entreprise")
    ASSOCIATION = "association", _("Association")
    HEALTH_SOCIAL = "health_social", _("Établissement sanitaire ou social")
    INDIVIDUAL = "individual", _("Particulier")
