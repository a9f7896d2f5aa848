from django.db import models
from django.utils.translation import gettext_lazy as _


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
