from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


class LegalForm(models.TextChoices):
    SCOP_SARL = "scop_sarl", _("SCOP SARL")
    SCOP_SA = "scop_sa", _("SCOP SA")
    SCOP_SAS = "scop_sas", _("SCOP SAS")
    SCIC_SARL = "scic_sarl", _("SCIC SARL")
    SCIC_SAS = "scic_sas", _("SCIC SAS")
    SCIC_SA = "scic_sa", _("SCIC SA")


class VatRate(models.TextChoices):
    """The French VAT rates (CGI art. 278 and following). Stored as the rate's text so
    that a line keeps exactly the rate it was sold at."""

    STANDARD = "20.00", _("20 %")
    INTERMEDIATE = "10.00", _("10 %")
    REDUCED = "5.50", _("5,5 %")
    SPECIAL = "2.10", _("2,1 %")
    ZERO = "0.00", _("0 % (exonéré)")


class VatExemption(models.TextChoices):
    """Why a 0 % line carries no VAT. The label is what the document prints; the
    e-invoice carries it with the EN 16931 exemption code VATEX-EU-132 (exemptions of
    article 132 of the VAT directive, which these CGI articles transpose)."""

    TRAINING = (
        "training",
        _("Exonération de TVA, article 261-4-4°-a du CGI (formation professionnelle continue)"),
    )
    CARE = (
        "care",
        _(
            "Exonération de TVA, article 261-4-1° du CGI "
            "(soins des professions médicales et paramédicales)"
        ),
    )
    SOCIAL = (
        "social",
        _(
            "Exonération de TVA, article 261-7-1°-b du CGI "
            "(services sociaux d'un organisme sans but lucratif)"
        ),
    )

    @property
    def vatex_code(self) -> str:
        return "VATEX-EU-132"


class Unit(models.TextChoices):
    """Units of a line, with their UN/ECE Recommendation 20 code for the e-invoice."""

    HOUR = "HUR", pgettext_lazy("unit", "heure")
    DAY = "DAY", pgettext_lazy("unit", "jour")
    SESSION = "C62", pgettext_lazy("unit", "séance")
    FLAT = "LS", pgettext_lazy("unit", "forfait")
    KILOMETRE = "KMT", pgettext_lazy("unit", "km")


class SupplyNature(models.TextChoices):
    """What the invoice sells, a mention the e-invoicing reform adds (CGI art. 242 nonies A)."""

    SERVICES = "services", _("Prestations de services")
    GOODS = "goods", _("Livraison de biens")
    MIXED = "mixed", _("Mixte (biens et services)")


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SENT = "sent", _("Envoyé")
    ACCEPTED = "accepted", _("Accepté")
    REFUSED = "refused", _("Refusé")


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Facture")
    CREDIT_NOTE = "credit_note", _("Avoir")


class InvoiceStatus(models.TextChoices):
    """A draft is the entrepreneur's; a requested one waits for a coordinator; an issued
    one is a legal document that never changes."""

    DRAFT = "draft", _("Brouillon")
    REQUESTED = "requested", _("À émettre")
    ISSUED = "issued", _("Émise")


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("Virement")
    CHEQUE = "cheque", _("Chèque")
    CARD = "card", _("Carte bancaire")
    CASH = "cash", _("Espèces")
    DIRECT_DEBIT = "direct_debit", _("Prélèvement")
    CESU = "cesu", _("CESU")


class RecoveryKind(models.TextChoices):
    REMINDER_MANUAL = "reminder_manual", _("Relance envoyée à la main")
    REMINDER_AUTOMATIC = "reminder_automatic", _("Relance automatique")
    PHONE_CALL = "phone_call", _("Appel téléphonique")
    FORMAL_NOTICE = "formal_notice", _("Mise en demeure")
    NOTE = "note", _("Note")


class ExpensePaidBy(models.TextChoices):
    COOPERATIVE = "cooperative", _("Payé par la coopérative")
    ENTREPRENEUR = "entrepreneur", _("Avancé par l'entrepreneur·e (à rembourser)")


class AccountExpenseKind(models.TextChoices):
    SUPPLIER_INVOICE = "supplier_invoice", _("Facture fournisseur")
    EXPENSE_REPORT = "expense_report", _("Note de frais")
    SALARY = "salary", _("Salaire (coût employeur)")


class CollectiveKind(models.TextChoices):
    COOPERATIVE = "cooperative", _("La coopérative")
    PEER_HELP = "peer_help", _("Collectif d'entraide (modèle Clubhouse)")


# --- Collectives' life (Clubhouse model) ---------------------------------------------------


class MembershipEventKind(models.TextChoices):
    """What happened to a membership. Leaving is always the person's own decision."""

    JOINED = "joined", _("Arrivée")
    LEFT = "left", _("Départ")
    CAME_BACK = "came_back", _("Retour")


class JobKind(models.TextChoices):
    """The three kinds of employment of the Clubhouse model."""

    TRANSITIONAL = "transitional", _("Emploi de transition")
    SUPPORTED = "supported", _("Emploi accompagné")
    INDEPENDENT = "independent", _("Emploi indépendant")


# --- Governance: associates, shares, bodies, meetings (coop.models.governance) -----------


class AssociateCategory(models.TextChoices):
    """The categories of associates (the *collèges* of a SCIC; a SCOP has employees and
    outside associates)."""

    EMPLOYEE = "employee", _("Salarié·es et entrepreneur·es salarié·es")
    BENEFICIARY = "beneficiary", _("Bénéficiaires")
    SUPPORTER = "supporter", _("Soutiens et bénévoles")
    PUBLIC_AUTHORITY = "public_authority", _("Collectivités publiques")
    PARTNER = "partner", _("Partenaires")


class AssociateExit(models.TextChoices):
    RESIGNATION = "resignation", _("Démission")
    EMPLOYMENT_END = "employment_end", _("Fin du contrat de travail")
    EXCLUSION = "exclusion", _("Exclusion")
    DEATH = "death", _("Décès")
    DISSOLUTION = "dissolution", _("Dissolution de la personne morale")


class ShareMovementKind(models.TextChoices):
    SUBSCRIPTION = "subscription", _("Souscription")
    PAYMENT = "payment", _("Libération (versement)")
    TRANSFER_OUT = "transfer_out", _("Cession : parts cédées")
    TRANSFER_IN = "transfer_in", _("Cession : parts reçues")
    REFUND = "refund", _("Retrait : parts annulées, à rembourser")
    REFUND_PAYMENT = "refund_payment", _("Remboursement versé")


class BodyKind(models.TextChoices):
    GENERAL_ASSEMBLY = "general_assembly", _("Assemblée générale")
    BOARD = "board", _("Conseil d'administration")
    COLLECTIVE_COUNCIL = "collective_council", _("Conseil du collectif")


class SeatKind(models.TextChoices):
    """Why a person holds a seat. Only elected seats count towards the elected majority."""

    ELECTED = "elected", _("Élu·e")
    STAFF = "staff", _("Équipe salariée")
    FOUNDING = "founding", _("Membre fondateur·rice")
    CO_OPTED = "co_opted", _("Coopté·e")


class MajorityRule(models.TextChoices):
    SIMPLE = "simple", _("Majorité des suffrages exprimés")
    ABSOLUTE = "absolute", _("Majorité absolue des votant·es (abstentions comprises)")
    TWO_THIRDS = "two_thirds", _("Deux tiers des suffrages exprimés")
    UNANIMITY = "unanimity", _("Unanimité des votant·es")


class DecisionKind(models.TextChoices):
    ORDINARY = "ordinary", _("Décision ordinaire")
    EXTRAORDINARY = "extraordinary", _("Décision extraordinaire (statuts, capital, dissolution)")


class DecisionResult(models.TextChoices):
    ADOPTED = "adopted", _("Adoptée")
    REJECTED = "rejected", _("Rejetée")


class MeetingAttendance(models.TextChoices):
    EXPECTED = "expected", _("Convoqué·e (présence non notée)")
    PRESENT = "present", _("Présent·e")
    REPRESENTED = "represented", _("Représenté·e (pouvoir donné)")
    EXCUSED = "excused", _("Excusé·e")
    ABSENT = "absent", _("Absent·e")
