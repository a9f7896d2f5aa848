"""Quotes, invoices and credit notes: every write, as services (STYLE.md).

An entrepreneur drafts quotes and invoices for their own activity; a coordinator may draft
for anyone they accompany. Only a coordinator or an accountant issues. Issuing is the one
moment an invoice receives its number, freezes what it prints and gets its PDF; after it,
the database refuses any change (migration coop.0005)."""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.enums import MissionKind, MissionStatus, SessionStatus
from activities.models import Mission, Session
from coop.enums import (
    ClientKind,
    InvoiceKind,
    InvoiceStatus,
    QuoteStatus,
    Unit,
    VatRate,
)
from coop.models import (
    Client,
    ContributionRate,
    CooperativeProfile,
    Invoice,
    InvoiceLine,
    NumberCounter,
    Quote,
    QuoteLine,
)
from coop.money import line_net, to_cents, totals_of
from members.enums import Role
from members.models import Member, User

# The longest payment term the Code de commerce allows (L441-10): 60 days after issuance.
MAX_PAYMENT_DAYS = 60
# The fixed indemnity for recovery costs owed by business clients paying late (D441-5).
RECOVERY_INDEMNITY = Decimal("40.00")
# Mission kinds that are services to private individuals at home (tax credit, CGI 199 sexdecies).
HOME_SERVICE_KINDS = frozenset({MissionKind.GARDENING, MissionKind.SEWING, MissionKind.SMALL_WORKS})
ISSUERS = (Role.COORDINATOR, Role.ACCOUNTANT)


# --- Who may do what ---------------------------------------------------------------------


def _require_role(actor: User, *roles: Role) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.role in roles):
        raise PermissionDenied


def _require_author(actor: User, entrepreneur: Member) -> None:
    """An entrepreneur writes for themselves; a coordinator for any member. A deactivated
    account writes nothing."""
    if not (actor.is_authenticated and actor.is_active):
        raise PermissionDenied
    if actor.role == Role.COORDINATOR:
        return
    if actor.role == Role.ENTREPRENEUR and entrepreneur.user_id == actor.pk:
        return
    raise PermissionDenied


def cooperative_profile() -> CooperativeProfile:
    profile = CooperativeProfile.current()
    if profile is None:
        raise ValidationError(
            _(
                "La fiche de la coopérative n'est pas remplie (raison sociale, SIREN, TVA…) : "
                "un·e administrateur·rice la remplit dans l'administration."
            )
        )
    return profile


def contribution_rate_for(member: Member, day: date, profile: CooperativeProfile) -> Decimal:
    """The member's own rate on that day if one is set, else the cooperative's."""
    own = ContributionRate.objects.filter(member=member).on(day).order_by("-starts_on").first()
    return own.rate if own else profile.contribution_rate


# --- Lines -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: str = VatRate.STANDARD
    unit: str = Unit.HOUR
    discount_percent: Decimal = Decimal("0")
    session: Session | None = None


def _check_line(line: LineInput) -> None:
    errors = {}
    if not line.description.strip():
        errors["description"] = _("Écrivez ce qui est vendu.")
    if line.quantity <= 0:
        errors["quantity"] = _("La quantité est supérieure à zéro.")
    if line.unit_price < 0:
        errors["unit_price"] = _("Le prix unitaire ne peut pas être négatif.")
    if line.vat_rate not in VatRate.values:
        errors["vat_rate"] = _("Choisissez un taux de TVA : 20, 10, 5,5, 2,1 ou 0 %.")
    if not Decimal("0") <= line.discount_percent <= Decimal("100"):
        errors["discount_percent"] = _("La remise est comprise entre 0 et 100 %.")
    if errors:
        raise ValidationError(errors)


def _line_fields(line: LineInput) -> dict:
    return {
        "description": line.description.strip(),
        "quantity": line.quantity,
        "unit": line.unit,
        "unit_price": line.unit_price,
        "vat_rate": line.vat_rate,
        "discount_percent": line.discount_percent,
        "net": line_net(
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
        ),
        "session": line.session,
    }


def _recompute_totals(document: Quote | Invoice) -> None:
    totals = totals_of(
        (net, Decimal(rate)) for net, rate in document.lines.values_list("net", "vat_rate")
    )
    document.net, document.vat, document.gross = totals.net, totals.vat, totals.gross
    document.save(update_fields=["net", "vat", "gross"])


def _next_position(document: Quote | Invoice) -> int:
    last = document.lines.aggregate(last=models.Max("position"))["last"]
    return 0 if last is None else last + 1


def _add_lines(document: Quote | Invoice, line_model, lines: list[LineInput]) -> None:
    position = _next_position(document)
    for line in lines:
        _check_line(line)
        line_model.objects.create(
            **{"quote" if line_model is QuoteLine else "invoice": document},
            position=position,
            **_line_fields(line),
        )
        position += 1


def _session_line(session: Session, mission: Mission) -> LineInput:
    """A validated session billed at the mission's price per planned session."""
    planned = max(mission.planned_sessions, 1)
    return LineInput(
        description=_("%(title)s — séance du %(day)s")
        % {"title": mission.title, "day": session.date.strftime("%d/%m/%Y")},
        quantity=Decimal("1"),
        unit=Unit.SESSION,
        unit_price=to_cents(mission.agreed_price / planned),
        vat_rate=VatRate.STANDARD,
        session=session,
    )


# --- Quotes ------------------------------------------------------------------------------


def _check_quote_editable(quote: Quote) -> None:
    if quote.status not in (QuoteStatus.DRAFT, QuoteStatus.SENT):
        raise ValidationError(_("Ce devis a reçu une réponse : il ne change plus."))


@transaction.atomic
def quote_create(
    *,
    actor: User,
    entrepreneur: Member,
    client: Client,
    title: str,
    mission: Mission | None = None,
    valid_until: date | None = None,
    vat_exemption: str = "",
    notes: str = "",
    lines: list[LineInput] = (),
) -> Quote:
    _require_author(actor, entrepreneur)
    if mission is not None and mission.client_id != client.pk:
        raise ValidationError({"client": _("Le client du devis est celui de la mission.")})
    quote = Quote.objects.create(
        entrepreneur=entrepreneur,
        client=client,
        mission=mission,
        title=title.strip(),
        valid_until=valid_until or timezone.localdate() + timedelta(days=30),
        vat_exemption=vat_exemption,
        notes=notes,
        created_by=actor,
    )
    _add_lines(quote, QuoteLine, list(lines))
    _recompute_totals(quote)
    return quote


def quote_from_mission(*, actor: User, mission: Mission, entrepreneur: Member) -> Quote:
    """A draft quote for a mission: one line per validated session not yet billed, or, when
    nothing was delivered yet, one line for the agreed price."""
    sessions = list(billable_sessions(mission).filter(entrepreneur=entrepreneur))
    if sessions:
        lines = [_session_line(session, mission) for session in sessions]
    else:
        lines = [
            LineInput(
                description=mission.title,
                quantity=Decimal(mission.planned_sessions or 1),
                unit=Unit.SESSION,
                unit_price=to_cents(mission.agreed_price / max(mission.planned_sessions, 1)),
            )
        ]
    return quote_create(
        actor=actor,
        entrepreneur=entrepreneur,
        client=mission.client,
        mission=mission,
        title=mission.title,
        lines=lines,
    )


@transaction.atomic
def quote_update(*, actor: User, quote: Quote, **fields) -> Quote:
    _require_author(actor, quote.entrepreneur)
    _check_quote_editable(quote)
    allowed = {"title", "valid_until", "vat_exemption", "notes"}
    for name, value in fields.items():
        if name not in allowed:
            raise TypeError(name)
        setattr(quote, name, value)
    quote.save()
    return quote


@transaction.atomic
def quote_line_add(*, actor: User, quote: Quote, line: LineInput) -> QuoteLine:
    _require_author(actor, quote.entrepreneur)
    _check_quote_editable(quote)
    _add_lines(quote, QuoteLine, [line])
    _recompute_totals(quote)
    return quote.lines.order_by("-position").first()


@transaction.atomic
def quote_line_update(*, actor: User, line: QuoteLine, data: LineInput) -> QuoteLine:
    _require_author(actor, line.quote.entrepreneur)
    _check_quote_editable(line.quote)
    _check_line(data)
    for name, value in _line_fields(data).items():
        if name != "session":
            setattr(line, name, value)
    line.save()
    _recompute_totals(line.quote)
    return line


@transaction.atomic
def quote_line_remove(*, actor: User, line: QuoteLine) -> None:
    _require_author(actor, line.quote.entrepreneur)
    _check_quote_editable(line.quote)
    quote = line.quote
    line.delete()
    _recompute_totals(quote)


def _quote_number(profile: CooperativeProfile, day: date) -> str:
    sequence = _take_number(profile.quote_series, day.year)
    return f"{profile.quote_series}-{day.year}-{sequence:05d}"


@transaction.atomic
def quote_send(*, actor: User, quote: Quote, to: list[str]) -> Quote:
    """Number the quote if it has no number yet, e-mail it to the client as a PDF."""
    from coop.documents import render_quote_pdf

    _require_author(actor, quote.entrepreneur)
    _check_quote_editable(quote)
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if not quote.lines.exists():
        raise ValidationError(_("Ajoutez au moins une ligne au devis avant de l'envoyer."))
    if _zero_rate_without_exemption(quote):
        raise ValidationError(
            {"vat_exemption": _("Une ligne est à 0 % : choisissez le motif d'exonération.")}
        )
    recipients = [address.strip() for address in to if address.strip()]
    if not recipients:
        raise ValidationError(_("Donnez au moins une adresse e-mail du client."))
    profile = cooperative_profile()
    today = timezone.localdate()
    if not quote.number:
        quote.number = _quote_number(profile, today)
    quote.status = QuoteStatus.SENT
    quote.sent_on = today
    quote.save(update_fields=["number", "status", "sent_on"])
    context = {"quote": quote, "profile": profile}
    message = EmailMessage(
        subject=render_to_string("coop/email/quote_subject.txt", context).strip(),
        body=render_to_string("coop/email/quote_message.txt", context),
        to=recipients,
        reply_to=[quote.entrepreneur.email] if quote.entrepreneur.email else [],
    )
    message.attach(f"devis-{quote.number}.pdf", render_quote_pdf(quote), "application/pdf")
    message.send()
    return quote


@transaction.atomic
def quote_answer(*, actor: User, quote: Quote, accepted: bool, on: date | None = None) -> Quote:
    _require_author(actor, quote.entrepreneur)
    if quote.status != QuoteStatus.SENT:
        raise ValidationError(_("Seul un devis envoyé peut être accepté ou refusé."))
    quote.status = QuoteStatus.ACCEPTED if accepted else QuoteStatus.REFUSED
    quote.answered_on = on or timezone.localdate()
    quote.save(update_fields=["status", "answered_on"])
    return quote


def _zero_rate_without_exemption(document: Quote | Invoice) -> bool:
    return not document.vat_exemption and document.lines.filter(vat_rate=VatRate.ZERO).exists()


# --- Draft invoices ----------------------------------------------------------------------


def billable_sessions(mission: Mission):
    """The mission's validated sessions that no invoice bills yet. A session on a draft,
    requested or issued invoice is taken, unless a credit note gave it back in full."""
    credited = (
        InvoiceLine.objects.filter(
            credited_line=models.OuterRef("pk"), invoice__status=InvoiceStatus.ISSUED
        )
        .order_by()
        .values("credited_line")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    taken = (
        InvoiceLine.objects.filter(session__isnull=False, invoice__kind=InvoiceKind.INVOICE)
        .annotate(credited=models.functions.Coalesce(models.Subquery(credited), Decimal("0")))
        .filter(credited__lt=models.F("quantity"))
        .values("session")
    )
    return (
        Session.objects.filter(mission=mission, status=SessionStatus.VALIDATED)
        .exclude(pk__in=taken)
        .order_by("date", "start_time", "pk")
    )


@transaction.atomic
def invoice_create(
    *,
    actor: User,
    entrepreneur: Member,
    client: Client,
    title: str,
    mission: Mission | None = None,
    quote: Quote | None = None,
    lines: list[LineInput] = (),
    **fields,
) -> Invoice:
    _require_author(actor, entrepreneur)
    if mission is not None and mission.client_id != client.pk:
        raise ValidationError({"client": _("Le client de la facture est celui de la mission.")})
    fields.setdefault("home_service", bool(mission and mission.kind in HOME_SERVICE_KINDS))
    invoice = Invoice.objects.create(
        entrepreneur=entrepreneur,
        client=client,
        mission=mission,
        quote=quote,
        title=title.strip(),
        created_by=actor,
        **fields,
    )
    _add_lines(invoice, InvoiceLine, list(lines))
    _recompute_totals(invoice)
    return invoice


def invoice_from_quote(*, actor: User, quote: Quote) -> Invoice:
    """An accepted quote becomes a draft invoice with the same lines."""
    if quote.status != QuoteStatus.ACCEPTED:
        raise ValidationError(_("Seul un devis accepté devient une facture."))
    if quote.invoices.filter(kind=InvoiceKind.INVOICE).exists():
        raise ValidationError(_("Ce devis a déjà sa facture."))
    lines = [
        LineInput(
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            discount_percent=line.discount_percent,
        )
        for line in quote.lines.all()
    ]
    return invoice_create(
        actor=actor,
        entrepreneur=quote.entrepreneur,
        client=quote.client,
        mission=quote.mission,
        quote=quote,
        title=quote.title,
        vat_exemption=quote.vat_exemption,
        lines=lines,
    )


def invoice_from_sessions(
    *, actor: User, mission: Mission, entrepreneur: Member, sessions: list[Session]
) -> Invoice:
    """Validated sessions of a mission become a draft invoice, one line each."""
    if not sessions:
        raise ValidationError(_("Choisissez au moins une séance validée."))
    available = set(
        billable_sessions(mission).filter(entrepreneur=entrepreneur).values_list("pk", flat=True)
    )
    if any(session.pk not in available for session in sessions):
        raise ValidationError(_("Une des séances n'est pas validée ou est déjà sur une facture."))
    sessions = sorted(sessions, key=lambda session: (session.date, session.start_time))
    return invoice_create(
        actor=actor,
        entrepreneur=entrepreneur,
        client=mission.client,
        mission=mission,
        title=mission.title,
        service_start=sessions[0].date,
        service_end=sessions[-1].date,
        lines=[_session_line(session, mission) for session in sessions],
    )


def _check_invoice_editable(actor: User, invoice: Invoice) -> None:
    if invoice.status == InvoiceStatus.ISSUED:
        raise ValidationError(_("Une facture émise ne se modifie pas : faites un avoir."))
    if invoice.status == InvoiceStatus.REQUESTED and actor.role not in ISSUERS:
        raise ValidationError(
            _("Cette facture attend son émission : demandez à votre chargé·e d'accompagnement.")
        )
    if invoice.is_credit_note:
        _require_role(actor, *ISSUERS)
    elif actor.role not in ISSUERS:
        _require_author(actor, invoice.entrepreneur)


INVOICE_EDITABLE_FIELDS = frozenset(
    {
        "title",
        "service_start",
        "service_end",
        "due_on",
        "nature",
        "vat_exemption",
        "home_service",
        "purchase_order",
        "chorus_service_code",
        "chorus_commitment",
        "notes",
        "reason",
    }
)


@transaction.atomic
def invoice_update(*, actor: User, invoice: Invoice, **fields) -> Invoice:
    _check_invoice_editable(actor, invoice)
    for name, value in fields.items():
        if name not in INVOICE_EDITABLE_FIELDS:
            raise TypeError(name)
        setattr(invoice, name, value)
    if (
        invoice.service_start
        and invoice.service_end
        and invoice.service_end < invoice.service_start
    ):
        raise ValidationError({"service_end": _("La fin de la prestation précède son début.")})
    invoice.save()
    return invoice


@transaction.atomic
def invoice_line_add(*, actor: User, invoice: Invoice, line: LineInput) -> InvoiceLine:
    _check_invoice_editable(actor, invoice)
    if invoice.is_credit_note:
        raise ValidationError(_("Les lignes d'un avoir viennent de la facture qu'il annule."))
    _add_lines(invoice, InvoiceLine, [line])
    _recompute_totals(invoice)
    return invoice.lines.order_by("-position").first()


@transaction.atomic
def invoice_line_update(*, actor: User, line: InvoiceLine, data: LineInput) -> InvoiceLine:
    _check_invoice_editable(actor, line.invoice)
    if line.invoice.is_credit_note:
        raise ValidationError(_("Les lignes d'un avoir viennent de la facture qu'il annule."))
    _check_line(data)
    for name, value in _line_fields(data).items():
        if name != "session":
            setattr(line, name, value)
    line.save()
    _recompute_totals(line.invoice)
    return line


@transaction.atomic
def invoice_line_remove(*, actor: User, line: InvoiceLine) -> None:
    invoice = line.invoice
    _check_invoice_editable(actor, invoice)
    line.delete()
    _recompute_totals(invoice)


@transaction.atomic
def invoice_delete_draft(*, actor: User, invoice: Invoice) -> None:
    """A draft never issued leaves no trace: it had no number."""
    _check_invoice_editable(actor, invoice)
    invoice.lines.all().delete()
    invoice.delete()


@transaction.atomic
def invoice_request_issue(*, actor: User, invoice: Invoice) -> Invoice:
    """The entrepreneur hands the draft to the coordinators, who check and issue it."""
    _require_author(actor, invoice.entrepreneur)
    if invoice.status != InvoiceStatus.DRAFT:
        raise ValidationError(_("Cette facture n'est plus un brouillon."))
    if not invoice.lines.exists():
        raise ValidationError(_("Ajoutez au moins une ligne avant de demander l'émission."))
    invoice.status = InvoiceStatus.REQUESTED
    invoice.requested_at = timezone.now()
    invoice.save(update_fields=["status", "requested_at"])
    coordinator = invoice.entrepreneur.coordinator
    if coordinator is not None and coordinator.email:
        context = {"invoice": invoice}
        message = EmailMessage(
            subject=render_to_string("coop/email/issue_requested_subject.txt", context).strip(),
            body=render_to_string("coop/email/issue_requested_message.txt", context),
            to=[coordinator.email],
        )
        message.send()
    return invoice


@transaction.atomic
def invoice_send_back(*, actor: User, invoice: Invoice) -> Invoice:
    """A coordinator gives a requested invoice back to its entrepreneur as a draft."""
    _require_role(actor, *ISSUERS)
    if invoice.status != InvoiceStatus.REQUESTED:
        raise ValidationError(_("Seule une facture à émettre peut être rendue en brouillon."))
    invoice.status = InvoiceStatus.DRAFT
    invoice.save(update_fields=["status"])
    return invoice


# --- Issuing -----------------------------------------------------------------------------


def seller_details(profile: CooperativeProfile) -> dict:
    """What the documents print of the seller; frozen into each invoice at issuance."""
    return {
        "name": profile.name,
        "legal_form": profile.get_legal_form_display(),
        "share_capital": str(profile.share_capital),
        "variable_capital": profile.variable_capital,
        "siren": profile.siren,
        "siret": profile.siret,
        "rcs": profile.rcs,
        "vat_number": profile.vat_number,
        "ape_code": profile.ape_code,
        "address": profile.address,
        "postcode": profile.postcode,
        "commune": profile.commune,
        "email": profile.email,
        "phone": profile.phone,
        "iban": profile.iban,
        "bic": profile.bic,
        "sap_declaration": profile.sap_declaration,
        "logo": profile.logo.name if profile.logo else "",
    }


def buyer_details(client: Client) -> dict:
    return {
        "name": client.name,
        "kind": client.kind,
        "is_public": client.is_public,
        "is_business": client.kind != ClientKind.INDIVIDUAL,
        "siret": client.siret,
        "siren": client.siret[:9] if client.siret else "",
        "address": client.address,
        "postcode": client.postcode,
        "commune": client.commune,
        "email": client.email,
    }


def invoice_missing_mentions(invoice: Invoice, profile: CooperativeProfile | None) -> list[str]:
    """What a French invoice must print and this one could not: the list shown when issuing
    is refused (CGI art. 242 nonies A, Code de commerce L441-9, e-invoicing reform)."""
    missing = []
    if profile is None:
        return [_("la fiche de la coopérative (raison sociale, SIREN, RCS, TVA, adresse)")]
    for value, label in (
        (profile.siren, _("le SIREN de la coopérative")),
        (profile.rcs, _("l'immatriculation RCS de la coopérative")),
        (profile.vat_number, _("le numéro de TVA de la coopérative")),
        (
            profile.address and profile.postcode and profile.commune,
            _("l'adresse de la coopérative"),
        ),
    ):
        if not value:
            missing.append(label)
    client = invoice.client
    if not client.name:
        missing.append(_("le nom du client"))
    if not (client.address and client.postcode and client.commune):
        missing.append(_("l'adresse complète du client"))
    if client.kind != ClientKind.INDIVIDUAL and not client.siret:
        missing.append(_("le SIRET du client (son SIREN est imprimé)"))
    if client.is_public:
        if not invoice.chorus_service_code:
            missing.append(_("le code service Chorus Pro du client public"))
        if not invoice.chorus_commitment:
            missing.append(_("le numéro d'engagement du client public"))
    lines = list(invoice.lines.all())
    if not lines:
        missing.append(_("au moins une ligne"))
    if any(line.vat_rate == VatRate.ZERO for line in lines) and not invoice.vat_exemption:
        missing.append(_("le motif d'exonération de TVA des lignes à 0 %"))
    if invoice.service_start is None:
        missing.append(_("la date de la prestation"))
    if invoice.is_credit_note and not invoice.reason.strip():
        missing.append(_("le motif de l'avoir"))
    return missing


def _take_number(series: str, year: int) -> int:
    """The next number of a series and year, under a row lock held until the surrounding
    transaction ends: concurrent issuers wait for each other, none skips or repeats."""
    try:
        with transaction.atomic():
            NumberCounter.objects.get_or_create(series=series, year=year)
    except IntegrityError:
        pass  # created by a concurrent issuer in the meantime
    counter = NumberCounter.objects.select_for_update().get(series=series, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


@transaction.atomic
def invoice_issue(*, actor: User, invoice: Invoice, issued_on: date | None = None) -> Invoice:
    """Issue an invoice or a credit note: number, frozen details, Factur-X PDF and its
    SHA-256, mission marked invoiced (or given back by a credit note)."""
    from activities.services import mission_mark_invoiced, mission_reopen_after_credit
    from coop.documents import render_invoice_pdf

    _require_role(actor, *ISSUERS)
    invoice = Invoice.objects.select_for_update().select_related("client").get(pk=invoice.pk)
    if invoice.status == InvoiceStatus.ISSUED:
        raise ValidationError(
            _("Cette facture est déjà émise (%(number)s).") % {"number": invoice.number}
        )
    profile = CooperativeProfile.current()
    missing = invoice_missing_mentions(invoice, profile)
    if missing:
        raise ValidationError(
            _("Émission impossible, il manque : %(missing)s.") % {"missing": " ; ".join(missing)},
            code="missing_mentions",
        )
    if not invoice.is_credit_note and invoice.gross <= 0:
        raise ValidationError(_("Une facture a un montant supérieur à zéro."))
    issued_on = issued_on or timezone.localdate()
    latest = Invoice.objects.issued().aggregate(latest=models.Max("issued_on"))["latest"]
    if latest and issued_on < latest:
        raise ValidationError(
            _("La date d'émission ne peut pas précéder celle de la dernière facture (%(day)s).")
            % {"day": latest.strftime("%d/%m/%Y")}
        )
    due_on = invoice.due_on or issued_on + timedelta(days=profile.payment_terms_days)
    if due_on < issued_on or due_on > issued_on + timedelta(days=MAX_PAYMENT_DAYS):
        raise ValidationError(
            {
                "due_on": _(
                    "L'échéance est comprise entre la date d'émission et 60 jours après "
                    "(Code de commerce, L441-10)."
                )
            }
        )

    series = profile.credit_note_series if invoice.is_credit_note else profile.invoice_series
    invoice.series = series
    invoice.year = issued_on.year
    invoice.sequence = _take_number(series, issued_on.year)
    invoice.number = f"{series}-{issued_on.year}-{invoice.sequence:05d}"
    invoice.issued_on = issued_on
    invoice.due_on = due_on
    invoice.service_end = invoice.service_end or invoice.service_start
    # The entrepreneur on whose behalf the cooperative sells is printed: frozen with it.
    invoice.seller = {**seller_details(profile), "entrepreneur": invoice.entrepreneur.full_name}
    invoice.buyer = buyer_details(invoice.client)
    totals = totals_of((line.net, line.vat_rate_decimal) for line in invoice.lines.all())
    invoice.net, invoice.vat, invoice.gross = totals.net, totals.vat, totals.gross
    invoice.vat_breakdown = [
        {"rate": str(group.rate), "base": str(group.base), "tax": str(group.tax)}
        for group in totals.by_rate
    ]
    invoice.payment_terms_days = (due_on - issued_on).days
    invoice.late_penalty_rate = profile.late_penalty_rate
    invoice.vat_on_debits = profile.vat_on_debits
    invoice.contribution_rate = contribution_rate_for(invoice.entrepreneur, issued_on, profile)
    invoice.issued_by = actor
    invoice.issued_at = timezone.now()

    pdf = render_invoice_pdf(invoice)
    invoice.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    invoice.pdf.save(f"{invoice.number}.pdf", ContentFile(pdf), save=False)
    invoice.status = InvoiceStatus.ISSUED
    invoice.save()

    if invoice.mission_id:
        if invoice.is_credit_note:
            if _fully_credited(invoice.credited_invoice):
                mission_reopen_after_credit(mission=invoice.mission)
        elif invoice.mission.status == MissionStatus.DELIVERED:
            # An interim invoice of a mission still running (e.g. monthly) leaves it
            # open: its entrepreneur goes on logging sessions.
            mission_mark_invoiced(mission=invoice.mission)
    return invoice


# --- Credit notes ------------------------------------------------------------------------


def _credited_quantities(invoice: Invoice) -> dict[int, Decimal]:
    """Per line of the invoice, the quantity already cancelled by credit notes (issued or
    in preparation)."""
    rows = (
        InvoiceLine.objects.filter(credited_line__invoice=invoice)
        .values("credited_line")
        .annotate(total=Sum("quantity"))
    )
    return {row["credited_line"]: row["total"] for row in rows}


def _fully_credited(invoice: Invoice) -> bool:
    credited = (
        InvoiceLine.objects.filter(
            credited_line__invoice=invoice, invoice__status=InvoiceStatus.ISSUED
        )
        .values("credited_line")
        .annotate(total=Sum("quantity"))
    )
    done = {row["credited_line"]: row["total"] for row in credited}
    return all(done.get(line.pk, 0) >= line.quantity for line in invoice.lines.all())


@transaction.atomic
def credit_note_create(
    *,
    actor: User,
    invoice: Invoice,
    reason: str,
    quantities: dict[int, Decimal] | None = None,
) -> Invoice:
    """A draft credit note cancelling the whole invoice (`quantities` None) or part of it:
    {line id: quantity to cancel}. What is left to cancel is never exceeded."""
    _require_role(actor, *ISSUERS)
    if not invoice.is_issued or invoice.is_credit_note:
        raise ValidationError(_("Un avoir annule une facture émise."))
    if not reason.strip():
        raise ValidationError({"reason": _("Écrivez le motif de l'avoir.")})
    already = _credited_quantities(invoice)
    lines = list(invoice.lines.all())
    if quantities is None:
        quantities = {line.pk: line.quantity - already.get(line.pk, 0) for line in lines}
    wanted = []
    for line in lines:
        quantity = quantities.get(line.pk, Decimal("0")) or Decimal("0")
        if quantity < 0:
            raise ValidationError(_("Une quantité à annuler ne peut pas être négative."))
        left = line.quantity - already.get(line.pk, 0)
        if quantity > left:
            raise ValidationError(
                _("« %(line)s » : il reste %(left)s à annuler, pas %(quantity)s.")
                % {"line": line.description, "left": left, "quantity": quantity}
            )
        if quantity > 0:
            wanted.append((line, quantity))
    if not wanted:
        raise ValidationError(_("Rien à annuler : cette facture est déjà entièrement annulée."))
    credit_note = Invoice.objects.create(
        kind=InvoiceKind.CREDIT_NOTE,
        entrepreneur=invoice.entrepreneur,
        client=invoice.client,
        mission=invoice.mission,
        credited_invoice=invoice,
        title=_("Avoir sur la facture %(number)s") % {"number": invoice.number},
        reason=reason.strip(),
        service_start=invoice.service_start,
        service_end=invoice.service_end,
        nature=invoice.nature,
        vat_exemption=invoice.vat_exemption,
        home_service=invoice.home_service,
        purchase_order=invoice.purchase_order,
        chorus_service_code=invoice.chorus_service_code,
        chorus_commitment=invoice.chorus_commitment,
        created_by=actor,
    )
    for position, (line, quantity) in enumerate(wanted):
        InvoiceLine.objects.create(
            invoice=credit_note,
            position=position,
            credited_line=line,
            **{
                **_line_fields(
                    LineInput(
                        description=line.description,
                        quantity=quantity,
                        unit=line.unit,
                        unit_price=line.unit_price,
                        vat_rate=line.vat_rate,
                        discount_percent=line.discount_percent,
                    )
                ),
            },
        )
    _recompute_totals(credit_note)
    return credit_note
