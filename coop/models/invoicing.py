"""What the cooperative sells with: its legal identity, quotes, invoices and credit notes.

The cooperative is the legal seller of every document; each one is made on behalf of one
entrepreneur, whose account receives the revenue. An issued invoice or credit note is a
legal document: the database itself refuses to change or delete it (see the migration
`coop.0005_invoice_immutable`)."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from localflavor.fr.models import FRSIRENField, FRSIRETField

from coop.enums import (
    InvoiceKind,
    InvoiceStatus,
    LegalForm,
    QuoteStatus,
    SupplyNature,
    Unit,
    VatExemption,
    VatRate,
)
from members.enums import Role

MONEY = {"max_digits": 12, "decimal_places": 2}
PERCENT = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
}

SERIES_CODE = RegexValidator(
    r"^[A-Z]{1,8}$", _("Une série s'écrit en lettres capitales, sans espace (par exemple FA).")
)


def _is_active_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def sees_all_invoicing(user) -> bool:
    """Coordinators issue, accountants keep the books, administrators configure: they see
    every quote and invoice. Funders and researchers never see one."""
    return _is_active_user(user) and user.role in (
        Role.COORDINATOR,
        Role.ACCOUNTANT,
        Role.ADMINISTRATOR,
    )


class CooperativeProfile(models.Model):
    """The cooperative as a seller: one row. Issuing an invoice copies what it prints, so
    that changing the profile never changes an invoice already issued."""

    name = models.CharField(_("raison sociale"), max_length=200)
    legal_form = models.CharField(_("forme juridique"), max_length=16, choices=LegalForm.choices)
    share_capital = models.DecimalField(
        _("capital social (€)"),
        help_text=_("Pour une coopérative à capital variable, le capital minimum statutaire."),
        **MONEY,
    )
    variable_capital = models.BooleanField(_("à capital variable"), default=True)
    siren = FRSIRENField(_("SIREN"))
    siret = FRSIRETField(_("SIRET du siège"))
    rcs = models.CharField(
        _("immatriculation RCS"), max_length=100, help_text=_("Par exemple : RCS Lyon")
    )
    vat_number = models.CharField(_("numéro de TVA intracommunautaire"), max_length=20)
    ape_code = models.CharField(_("code APE"), max_length=6, blank=True)
    address = models.CharField(_("adresse"), max_length=300)
    postcode = models.CharField(_("code postal"), max_length=5)
    commune = models.CharField(_("commune"), max_length=120)
    email = models.EmailField(_("adresse e-mail"))
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11)
    logo = models.ImageField(_("logo"), upload_to="cooperative/", blank=True)

    payment_terms_days = models.PositiveSmallIntegerField(
        _("délai de paiement (jours)"),
        default=30,
        validators=[MaxValueValidator(60)],
        help_text=_("60 jours au plus après la date d'émission (Code de commerce, L441-10)."),
    )
    late_penalty_rate = models.DecimalField(
        _("taux des pénalités de retard (%)"), default=Decimal("12.00"), **PERCENT
    )
    contribution_rate = models.DecimalField(
        _("taux de contribution coopérative (%)"),
        default=Decimal("10.00"),
        help_text=_("Pourcentage du chiffre d'affaires hors taxes encaissé."),
        **PERCENT,
    )
    vat_on_debits = models.BooleanField(
        _("TVA sur les débits"),
        default=False,
        help_text=_("Option pour le paiement de la TVA d'après les débits (mention imprimée)."),
    )
    sap_declaration = models.CharField(
        _("déclaration services à la personne"),
        max_length=40,
        blank=True,
        help_text=_("Numéro SAP : vide si la coopérative n'est pas déclarée."),
    )
    reminder_days = models.CharField(
        _("relances automatiques (jours après l'échéance)"),
        max_length=40,
        default="7,30",
        help_text=_("Par exemple « 7,30 » : une relance 7 jours puis 30 jours après l'échéance."),
    )
    salary_cost_ratio = models.DecimalField(
        _("coût employeur pour 1 € net"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.80"),
        validators=[MinValueValidator(Decimal("1"))],
        help_text=_("Sert à dire à l'entrepreneur·e ce qu'il ou elle peut se verser en net."),
    )
    invoice_series = models.CharField(
        _("série des factures"), max_length=8, default="FA", validators=[SERIES_CODE]
    )
    credit_note_series = models.CharField(
        _("série des avoirs"), max_length=8, default="AV", validators=[SERIES_CODE]
    )
    quote_series = models.CharField(
        _("série des devis"), max_length=8, default="DE", validators=[SERIES_CODE]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("coopérative")
        verbose_name_plural = _("coopérative")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1),
                name="cooperative_profile_single",
                violation_error_message=_("La coopérative n'a qu'une fiche."),
            ),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def current(cls) -> "CooperativeProfile | None":
        return cls.objects.filter(pk=1).first()

    @property
    def reminder_delays(self) -> list[int]:
        """The automatic reminders' delays, in days after the due date, in order."""
        delays = set()
        for part in self.reminder_days.split(","):
            part = part.strip()
            if part.isdigit() and 0 < int(part) <= 365:
                delays.add(int(part))
        return sorted(delays)


class ContributionRateQuerySet(models.QuerySet):
    def on(self, day: date):
        return self.filter(starts_on__lte=day).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=day)
        )


class ContributionRate(models.Model):
    """A member's own contribution rate for a period, in place of the cooperative's."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="contribution_rates"
    )
    rate = models.DecimalField(_("taux (%)"), **PERCENT)
    starts_on = models.DateField(_("à partir du"))
    ends_on = models.DateField(_("jusqu'au"), null=True, blank=True)
    reason = models.CharField(_("motif"), max_length=200, blank=True)

    objects = ContributionRateQuerySet.as_manager()

    class Meta:
        verbose_name = _("taux de contribution particulier")
        verbose_name_plural = _("taux de contribution particuliers")
        ordering = ["member", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate__gte=0, rate__lte=100),
                name="contribution_rate_percent",
                violation_error_message=_("Un taux est compris entre 0 et 100 %."),
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="contribution_rate_dates_in_order",
                violation_error_message=_("La fin de la période précède son début."),
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.rate} %"


class NumberCounter(models.Model):
    """The last number given in a series for a year. Numbers are taken under a row lock
    inside the issuing transaction: a rolled-back issue gives its number back, so numbers
    run without gap or duplicate."""

    series = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="number_counter_once"),
        ]

    def __str__(self):
        return f"{self.series}-{self.year}: {self.last}"


class DocumentLine(models.Model):
    """A line of a quote or an invoice. `net` is stored rounded (coop.money.line_net)."""

    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    description = models.CharField(_("désignation"), max_length=300)
    quantity = models.DecimalField(
        _("quantité"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit = models.CharField(_("unité"), max_length=3, choices=Unit.choices, default=Unit.HOUR)
    unit_price = models.DecimalField(
        _("prix unitaire HT (€)"), validators=[MinValueValidator(Decimal("0"))], **MONEY
    )
    vat_rate = models.CharField(
        _("taux de TVA"), max_length=5, choices=VatRate.choices, default=VatRate.STANDARD
    )
    discount_percent = models.DecimalField(_("remise (%)"), default=Decimal("0"), **PERCENT)
    net = models.DecimalField(_("montant HT (€)"), editable=False, **MONEY)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def __str__(self):
        return self.description

    @property
    def vat_rate_decimal(self) -> Decimal:
        return Decimal(self.vat_rate)


class DocumentTotals(models.Model):
    net = models.DecimalField(_("total HT (€)"), default=Decimal("0"), editable=False, **MONEY)
    vat = models.DecimalField(_("TVA (€)"), default=Decimal("0"), editable=False, **MONEY)
    gross = models.DecimalField(_("total TTC (€)"), default=Decimal("0"), editable=False, **MONEY)

    class Meta:
        abstract = True


class QuoteQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Coordinators, accountants and administrators see every quote; an entrepreneur
        their own."""
        if not _is_active_user(user):
            return self.none()
        if sees_all_invoicing(user):
            return self.all()
        if user.role == Role.ENTREPRENEUR:
            return self.filter(entrepreneur__user=user)
        return self.none()


class Quote(DocumentTotals):
    """A price offer made by the cooperative on behalf of one entrepreneur. Numbered when
    it is first sent; its lines can change until the client accepts or refuses it."""

    entrepreneur = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="quotes",
        verbose_name=_("entrepreneur·e"),
    )
    client = models.ForeignKey(
        "coop.Client", on_delete=models.PROTECT, related_name="quotes", verbose_name=_("client")
    )
    mission = models.ForeignKey(
        "activities.Mission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotes",
        verbose_name=_("mission"),
    )
    title = models.CharField(_("objet"), max_length=200)
    number = models.CharField(_("numéro"), max_length=20, blank=True)
    status = models.CharField(
        _("état"), max_length=16, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT
    )
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    vat_exemption = models.CharField(
        _("motif d'exonération de TVA"), max_length=16, choices=VatExemption.choices, blank=True
    )
    notes = models.TextField(_("conditions particulières"), blank=True)
    sent_on = models.DateField(_("envoyé le"), null=True, blank=True)
    answered_on = models.DateField(_("réponse le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = QuoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("devis")
        verbose_name_plural = _("devis")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=QuoteStatus.values),
                name="quote_status_valid",
                violation_error_message=_("État de devis inconnu."),
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=~models.Q(number=""),
                name="quote_number_unique",
                violation_error_message=_("Ce numéro de devis existe déjà."),
            ),
            models.CheckConstraint(
                condition=models.Q(status=QuoteStatus.DRAFT) | ~models.Q(number=""),
                name="quote_sent_has_number",
                violation_error_message=_("Un devis envoyé a un numéro."),
            ),
        ]

    def __str__(self):
        return self.number or _("Devis en préparation : %(title)s") % {"title": self.title}

    @property
    def is_editable(self) -> bool:
        return self.status in (QuoteStatus.DRAFT, QuoteStatus.SENT)


class QuoteLine(DocumentLine):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    session = models.ForeignKey(
        "activities.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(DocumentLine.Meta):
        verbose_name = _("ligne de devis")
        verbose_name_plural = _("lignes de devis")


class InvoiceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Coordinators, accountants and administrators see every invoice and credit note;
        an entrepreneur their own. Funders and researchers none."""
        if not _is_active_user(user):
            return self.none()
        if sees_all_invoicing(user):
            return self.all()
        if user.role == Role.ENTREPRENEUR:
            return self.filter(entrepreneur__user=user)
        return self.none()

    def issued(self):
        return self.filter(status=InvoiceStatus.ISSUED)

    def invoices(self):
        return self.filter(kind=InvoiceKind.INVOICE)

    def credit_notes(self):
        return self.filter(kind=InvoiceKind.CREDIT_NOTE)

    def with_paid(self):
        """`paid`: the sum of the payment journal's entries (reversals included)."""
        from coop.models.ledger import Payment

        paid = (
            Payment.objects.filter(invoice=models.OuterRef("pk"))
            .order_by()
            .values("invoice")
            .annotate(total=models.Sum("amount"))
            .values("total")
        )
        credited = (
            Invoice.objects.filter(
                credited_invoice=models.OuterRef("pk"), status=InvoiceStatus.ISSUED
            )
            .order_by()
            .values("credited_invoice")
            .annotate(total=models.Sum("gross"))
            .values("total")
        )
        zero = models.Value(Decimal("0"), output_field=models.DecimalField(**MONEY))
        return self.annotate(
            paid=models.functions.Coalesce(models.Subquery(paid), zero),
            credited=models.functions.Coalesce(models.Subquery(credited), zero),
        ).annotate(
            balance=models.ExpressionWrapper(
                models.F("gross") - models.F("paid") - models.F("credited"),
                output_field=models.DecimalField(**MONEY),
            )
        )

    def unpaid(self):
        """Issued invoices with something still to collect (needs `with_paid`)."""
        return self.issued().invoices().filter(balance__gt=0)

    def overdue(self, today: date):
        return self.unpaid().filter(due_on__lt=today)


class Invoice(DocumentTotals):
    """An invoice or a credit note (*avoir*) issued by the cooperative on behalf of one
    entrepreneur.

    A draft belongs to the entrepreneur; they ask a coordinator to issue it. Issuing gives
    it the next number of its series and year, freezes the seller's and the client's
    details, and archives the Factur-X PDF with its SHA-256. From then on the database
    refuses any change: a mistake is corrected by a credit note that references it."""

    kind = models.CharField(
        _("type"), max_length=16, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE
    )
    status = models.CharField(
        _("état"), max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    entrepreneur = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("entrepreneur·e"),
    )
    client = models.ForeignKey(
        "coop.Client", on_delete=models.PROTECT, related_name="invoices", verbose_name=_("client")
    )
    mission = models.ForeignKey(
        "activities.Mission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("mission"),
    )
    quote = models.ForeignKey(
        Quote,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("devis"),
    )
    # A credit note cancels all or part of one issued invoice.
    credited_invoice = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("facture annulée"),
    )
    title = models.CharField(_("objet"), max_length=200)
    reason = models.TextField(_("motif de l'avoir"), blank=True)

    # Numbering, given at issuance only.
    series = models.CharField(_("série"), max_length=8, blank=True)
    year = models.PositiveSmallIntegerField(_("année"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("rang"), null=True, blank=True)
    number = models.CharField(_("numéro"), max_length=24, blank=True)

    issued_on = models.DateField(_("date d'émission"), null=True, blank=True)
    service_start = models.DateField(_("début de la prestation"), null=True, blank=True)
    service_end = models.DateField(_("fin de la prestation"), null=True, blank=True)
    due_on = models.DateField(_("date d'échéance"), null=True, blank=True)
    nature = models.CharField(
        _("nature de l'opération"),
        max_length=16,
        choices=SupplyNature.choices,
        default=SupplyNature.SERVICES,
    )
    vat_exemption = models.CharField(
        _("motif d'exonération de TVA"), max_length=16, choices=VatExemption.choices, blank=True
    )
    home_service = models.BooleanField(
        _("service à la personne à domicile"),
        default=False,
        help_text=_("Ouvre droit au crédit d'impôt du client particulier (attestation annuelle)."),
    )
    purchase_order = models.CharField(_("référence du bon de commande"), max_length=50, blank=True)
    chorus_service_code = models.CharField(_("code service Chorus Pro"), max_length=100, blank=True)
    chorus_commitment = models.CharField(_("numéro d'engagement"), max_length=50, blank=True)
    notes = models.TextField(_("mentions particulières"), blank=True)

    # Frozen at issuance: what the PDF prints, whatever changes later.
    seller = models.JSONField(_("vendeur"), default=dict, blank=True, editable=False)
    buyer = models.JSONField(_("client facturé"), default=dict, blank=True, editable=False)
    vat_breakdown = models.JSONField(default=list, blank=True, editable=False)
    payment_terms_days = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    late_penalty_rate = models.DecimalField(
        null=True, blank=True, editable=False, max_digits=5, decimal_places=2
    )
    vat_on_debits = models.BooleanField(default=False, editable=False)
    contribution_rate = models.DecimalField(
        null=True, blank=True, editable=False, max_digits=5, decimal_places=2
    )
    pdf = models.FileField(upload_to="private/invoices/", max_length=300, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    requested_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        ordering = ["-issued_on", "-sequence", "-pk"]
        indexes = [
            models.Index(fields=["status", "issued_on"]),
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["entrepreneur", "issued_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=InvoiceKind.values),
                name="invoice_kind_valid",
                violation_error_message=_("Type de facture inconnu."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=InvoiceStatus.values),
                name="invoice_status_valid",
                violation_error_message=_("État de facture inconnu."),
            ),
            models.UniqueConstraint(
                fields=["series", "year", "sequence"],
                condition=models.Q(sequence__isnull=False),
                name="invoice_number_once",
                violation_error_message=_("Ce numéro de facture a déjà été donné."),
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=~models.Q(number=""),
                name="invoice_number_text_once",
                violation_error_message=_("Ce numéro de facture a déjà été donné."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=InvoiceStatus.ISSUED)
                | (
                    models.Q(sequence__isnull=False, issued_on__isnull=False, due_on__isnull=False)
                    & ~models.Q(number="")
                    & ~models.Q(pdf_sha256="")
                ),
                name="invoice_issued_complete",
                violation_error_message=_(
                    "Une facture émise a un numéro, une date, une échéance et son PDF."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=InvoiceKind.INVOICE, credited_invoice__isnull=True)
                    | models.Q(kind=InvoiceKind.CREDIT_NOTE, credited_invoice__isnull=False)
                ),
                name="invoice_credit_note_references_invoice",
                violation_error_message=_("Un avoir, et lui seul, annule une facture."),
            ),
            models.CheckConstraint(
                condition=models.Q(net__gte=0, vat__gte=0, gross__gte=0),
                name="invoice_totals_not_negative",
                violation_error_message=_("Les totaux d'une facture ne sont pas négatifs."),
            ),
        ]

    def __str__(self):
        if self.number:
            return self.number
        return pgettext_lazy("invoice", "Brouillon : %(title)s") % {"title": self.title}

    @property
    def is_issued(self) -> bool:
        return self.status == InvoiceStatus.ISSUED

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def is_editable(self) -> bool:
        return self.status == InvoiceStatus.DRAFT


class InvoiceLine(DocumentLine):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    # The validated session this line bills (an invoice), or the line it cancels (a
    # credit note): a session is billed once, and billable again once fully credited.
    session = models.ForeignKey(
        "activities.Session",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_lines",
    )
    credited_line = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_lines"
    )

    class Meta(DocumentLine.Meta):
        verbose_name = _("ligne de facture")
        verbose_name_plural = _("lignes de facture")
