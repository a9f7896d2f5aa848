"""The yearly tax-credit attestation of services to private persons at home (*services à
la personne*, CGI art. 199 sexdecies; Code du travail art. D7233-1 and following).

A cooperative declared for these services (its SAP declaration number) gives each private
client, early in the next year, an attestation of what they actually paid in the year for
services done at their home: the cooperative's identity and declaration number, the
client's name and address, the nature of the services, the total paid in the year, a
summary of the work done (who worked, when, how long), and the date. Only invoices marked
`home_service` count, and only payments made in the year (a reversal of a mistaken
payment takes its amount back). Payments by CESU are shown apart: the part of them an
employer or a works council prefinanced gives no tax credit, and the client must say so in
their tax return."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import weasyprint
from django.db.models import OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Lower
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify

from activities.enums import MissionKind
from coop.enums import ClientKind, InvoiceStatus, PaymentMethod, Unit
from coop.models import Client, CooperativeProfile, Invoice, InvoiceLine
from coop.money import ZERO, format_euros
from coop.treasury import (
    counted_payments,
    money_field,
    payment_amount_expression,
    zero_money,
)

TEMPLATE = "coop/accounting/tax_credit_attestation.html"
SIXTY = Decimal("60")

# How the attestation names the services, in the words of Code du travail art. D7231-1.
NATURES = {
    MissionKind.GARDENING: "Petits travaux de jardinage",
    MissionKind.SMALL_WORKS: "Petit bricolage dit « homme toutes mains »",
    MissionKind.SEWING: "Entretien du linge (couture) au domicile",
}


def has_declaration(profile: CooperativeProfile | None) -> bool:
    return bool(profile and profile.sap_declaration.strip())


def year_range(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def home_service_payments(year: int):
    """The year's payments for services at the home of a private person."""
    start, end = year_range(year)
    return counted_payments().filter(
        invoice__home_service=True,
        invoice__client__kind=ClientKind.INDIVIDUAL,
        paid_on__gte=start,
        paid_on__lte=end,
    )


def _client_sum(payments):
    return Coalesce(
        Subquery(
            payments.filter(invoice__client=OuterRef("pk"))
            .order_by()
            .values("invoice__client")
            .annotate(total=Sum(payment_amount_expression()))
            .values("total")[:1],
            output_field=money_field(),
        ),
        zero_money(),
    )


def clients_for_year(year: int, clients=None):
    """Private clients who paid something for home services in the year, with `paid` and
    `paid_cesu`, by name; the sums are computed in the same query."""
    clients = Client.objects.all() if clients is None else clients
    payments = home_service_payments(year)
    return (
        clients.filter(kind=ClientKind.INDIVIDUAL)
        .annotate(
            paid=_client_sum(payments),
            paid_cesu=_client_sum(payments.filter(method=PaymentMethod.CESU)),
        )
        .filter(paid__gt=0)
        .order_by(Lower("name"), "pk")
    )


@dataclass(frozen=True)
class Intervention:
    when: str  # a day, or the invoice's service period
    day: datetime.date  # to sort
    worker: str
    nature: str
    hours: Decimal


@dataclass(frozen=True)
class PaidInvoice:
    number: str
    issued_on: datetime.date
    paid: Decimal


@dataclass
class Attestation:
    year: int
    profile: CooperativeProfile
    client: Client
    made_on: datetime.date
    paid: Decimal = ZERO
    paid_cesu: Decimal = ZERO
    invoices: list[PaidInvoice] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)

    @property
    def hours(self) -> Decimal:
        return sum((item.hours for item in self.interventions), ZERO)

    @property
    def workers(self) -> list[str]:
        return sorted({item.worker for item in self.interventions})

    @property
    def natures(self) -> list[str]:
        return sorted({item.nature for item in self.interventions})


def _line_hours(line: InvoiceLine) -> Decimal:
    """Hours of work a line bills: its quantity in hours, or the duration of the session
    it bills; nothing for other units (a flat fee, kilometres)."""
    if line.unit == Unit.HOUR:
        return line.quantity
    if line.session is not None:
        return Decimal(line.session.duration_minutes) / SIXTY * line.quantity
    return ZERO


def _day_text(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _period_text(invoice: Invoice) -> str:
    start, end = invoice.service_start, invoice.service_end or invoice.service_start
    if start is None:
        return _day_text(invoice.issued_on)
    if start == end:
        return _day_text(start)
    return f"du {_day_text(start)} au {_day_text(end)}"


def _nature(invoice: Invoice) -> str:
    if invoice.mission_id and invoice.mission.kind in NATURES:
        return NATURES[invoice.mission.kind]
    return invoice.title


def attestation_for(
    client: Client,
    year: int,
    *,
    profile: CooperativeProfile,
    today: datetime.date | None = None,
) -> Attestation:
    """The attestation of one client for one year (what `clients_for_year` lists). The
    work summary lists each line of the invoices paid in the year, net of what credit
    notes cancelled, with its day (a session's) or the invoice's service period."""
    payments = home_service_payments(year).filter(invoice__client=client)
    paid_by_invoice = {
        row["invoice"]: row
        for row in payments.order_by()
        .values("invoice")
        .annotate(
            paid=Sum(payment_amount_expression()),
            cesu=Coalesce(
                Sum(payment_amount_expression(), filter=Q(method=PaymentMethod.CESU)), zero_money()
            ),
        )
    }
    credit_lines = InvoiceLine.objects.filter(invoice__status=InvoiceStatus.ISSUED)
    invoices = (
        Invoice.objects.filter(pk__in=paid_by_invoice)
        .select_related("entrepreneur", "mission")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=InvoiceLine.objects.select_related("session").prefetch_related(
                    Prefetch("credit_lines", queryset=credit_lines)
                ),
            )
        )
        .order_by("issued_on", "pk")
    )
    attestation = Attestation(
        year=year, profile=profile, client=client, made_on=today or timezone.localdate()
    )
    for invoice in invoices:
        row = paid_by_invoice[invoice.pk]
        paid = Decimal(row["paid"]).quantize(Decimal("0.01"))
        attestation.paid += paid
        attestation.paid_cesu += Decimal(row["cesu"]).quantize(Decimal("0.01"))
        attestation.invoices.append(PaidInvoice(invoice.number, invoice.issued_on, paid))
        for line in invoice.lines.all():
            cancelled = sum((credit.quantity for credit in line.credit_lines.all()), ZERO)
            kept = line.quantity - cancelled
            hours = (_line_hours(line) * kept / line.quantity).quantize(Decimal("0.01"))
            if hours <= 0:
                continue
            day = line.session.date if line.session else invoice.service_start
            attestation.interventions.append(
                Intervention(
                    when=_day_text(line.session.date) if line.session else _period_text(invoice),
                    day=day or invoice.issued_on,
                    worker=invoice.entrepreneur.full_name,
                    nature=_nature(invoice),
                    hours=hours,
                )
            )
    attestation.interventions.sort(key=lambda item: (item.day, item.worker))
    return attestation


def _hours_text(hours: Decimal) -> str:
    """2.5 → "2 h 30", 3 → "3 h" (no-break spaces: a duration never splits)."""
    minutes = int((hours * SIXTY).quantize(Decimal("1")))
    whole, rest = divmod(minutes, 60)
    return f"{whole}\xa0h\xa0{rest:02d}" if rest else f"{whole}\xa0h"


def render_attestation_pdf(attestation: Attestation) -> bytes:
    """The attestation as a PDF, in French (a document for the tax administration)."""
    profile = attestation.profile
    client = attestation.client
    context = {
        "attestation": attestation,
        "profile": profile,
        "legal_form": profile.get_legal_form_display(),
        "client": client,
        "paid": format_euros(attestation.paid),
        "paid_cesu": format_euros(attestation.paid_cesu) if attestation.paid_cesu else "",
        "hours": _hours_text(attestation.hours),
        "invoices": [
            {
                "number": item.number,
                "day": _day_text(item.issued_on),
                "paid": format_euros(item.paid),
            }
            for item in attestation.invoices
        ],
        "interventions": [
            {
                "when": item.when,
                "worker": item.worker,
                "nature": item.nature,
                "hours": _hours_text(item.hours),
            }
            for item in attestation.interventions
        ],
        "made_on": _day_text(attestation.made_on),
    }
    with translation.override("fr"):
        html = render_to_string(TEMPLATE, context)
    # No base URL: the template carries its styles and fetches nothing.
    return weasyprint.HTML(string=html).write_pdf()


def attestation_file_name(client: Client, year: int) -> str:
    return f"attestation-fiscale-{year}-{slugify(client.name)[:60] or client.pk}.pdf"
