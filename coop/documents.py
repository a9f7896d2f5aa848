"""The cooperative's documents as PDF: quotes, draft invoice previews, and issued invoices
and credit notes.

An issued document prints only what the invoice froze when it was issued (seller, buyer,
VAT breakdown, penalty rate, payment terms, VAT on debits, lines), never the live
cooperative profile or client: re-rendering an old invoice prints what the client
received. Issued documents are Factur-X: WeasyPrint's PDF/A-3b with the EN 16931 XML
(coop.facturx) embedded by the `factur-x` package. Documents are French whatever the
reader's language: they are legal documents of a French company."""

import base64
import functools
import importlib.resources
import io
import logging
import mimetypes
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import facturx as facturx_package
import weasyprint
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from weasyprint.css import ColorProfile
from weasyprint.text.fonts import FontConfiguration

from coop.billing import buyer_details, seller_details
from coop.enums import SupplyNature, Unit, VatExemption, VatRate
from coop.facturx import (
    Mentions,
    facturx_xml,
    invoice_mentions,
    mentions,
    percent_text,
    seller_legal_information,
)
from coop.models import CooperativeProfile, Invoice, Quote
from coop.money import format_euros, totals_of

__all__ = [
    "facturx_xml",
    "render_invoice_pdf",
    "render_invoice_preview_pdf",
    "render_quote_pdf",
]

logger = logging.getLogger(__name__)

TEMPLATES = "coop/pdf/"
# A logo bigger than this is not embedded: it would weigh on every invoice.
LOGO_MAX_BYTES = 2 * 1024 * 1024
OUTPUT_INTENT = "entrepairs-srgb"


# --- What a page prints ------------------------------------------------------------------


@dataclass(frozen=True)
class PrintedLine:
    description: str
    quantity: str
    unit: str
    unit_price: str
    vat_rate: str
    discount: str
    net: str


@dataclass(frozen=True)
class PrintedVat:
    rate: str
    base: str
    tax: str


def _css_string(text: str) -> str:
    """A quoted CSS string for a margin box: every character that is not plainly safe is
    escaped, so no value can close the string or the <style> element."""
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,°")
    return '"' + "".join(char if char in safe else f"\\{ord(char):06x}" for char in text) + '"'


def _running_title(title: str, number: str) -> str:
    """What heads the pages after the first: `Facture FA-2026-00001`."""
    return _css_string(f"{title} {number}".strip())


def _day(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _quantity(value: Decimal) -> str:
    """`2`, `1,5`, `0,25`: a quantity without useless zeros."""
    return f"{Decimal(value):.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _printed_lines(lines) -> list[PrintedLine]:
    return [
        PrintedLine(
            description=line.description,
            quantity=_quantity(line.quantity),
            unit=str(Unit(line.unit).label),
            unit_price=format_euros(line.unit_price),
            vat_rate=percent_text(line.vat_rate),
            discount=percent_text(line.discount_percent) if line.discount_percent else "",
            net=format_euros(line.net),
        )
        for line in lines
    ]


def _printed_vat(groups) -> list[PrintedVat]:
    """VAT per rate from {rate, base, tax} (strings when frozen on an invoice)."""
    return [
        PrintedVat(
            rate=percent_text(group["rate"]),
            base=format_euros(Decimal(group["base"])),
            tax=format_euros(Decimal(group["tax"])),
        )
        for group in groups
    ]


def _groups_of(lines) -> tuple:
    totals = totals_of((line.net, line.vat_rate_decimal) for line in lines)
    groups = [
        {"rate": group.rate, "base": group.base, "tax": group.tax} for group in totals.by_rate
    ]
    return totals, groups


def _logo_data_uri(name: str) -> str:
    """The logo file as a data URI (the PDF fetches nothing), or "" when it is gone."""
    if not name:
        return ""
    try:
        if default_storage.size(name) > LOGO_MAX_BYTES:
            logger.warning("Logo %s too big to embed in documents.", name)
            return ""
        with default_storage.open(name, "rb") as handle:
            content = handle.read()
    except Exception:
        # A lost or unreadable logo must not stop an invoice from being issued or reprinted.
        logger.warning("Logo %s unreadable: documents print without it.", name, exc_info=True)
        return ""
    mimetype = mimetypes.guess_type(name)[0] or "image/png"
    return f"data:{mimetype};base64,{base64.b64encode(content).decode()}"


def _seller_context(seller: dict) -> dict:
    if not seller:
        return {}
    return {
        **seller,
        "legal_information": seller_legal_information(seller),
        "logo_uri": _logo_data_uri(seller.get("logo", "")),
    }


def _live_seller(profile: CooperativeProfile | None) -> dict:
    return seller_details(profile) if profile else {}


def _service_dates(start: date | None, end: date | None) -> str:
    if start is None:
        return ""
    if end is None or end == start:
        return _("le %(day)s") % {"day": _day(start)}
    return _("du %(start)s au %(end)s") % {"start": _day(start), "end": _day(end)}


def _exemption_text(code: str, lines) -> str:
    """The exemption wording, printed only when a line is at 0 %."""
    if code and any(line.vat_rate == VatRate.ZERO for line in lines):
        return str(VatExemption(code).label)
    return ""


# --- Rendering ---------------------------------------------------------------------------


def _in_french(render):
    """Documents are French, whatever the language of the person asking for them."""

    @functools.wraps(render)
    def wrapper(*args, **kwargs):
        with translation.override("fr"):
            return render(*args, **kwargs)

    return wrapper


_per_thread = threading.local()


def _font_config() -> FontConfiguration:
    """One font configuration per thread, reused: building it is a third of a render, and
    Pango's font map is not to be shared between threads."""
    if not hasattr(_per_thread, "font_config"):
        _per_thread.font_config = FontConfiguration()
    return _per_thread.font_config


@functools.cache
def _srgb_profile() -> bytes:
    with (importlib.resources.files("weasyprint.pdf") / "sRGB2014.icc").open("rb") as handle:
        return handle.read()


def _without_producer(document, pdf) -> None:
    """factur-x rewrites the XMP metadata and names its own producer there; PDF/A wants
    the document information to agree with the XMP, so WeasyPrint's is left out."""
    pdf.info.pop("Producer", None)


def _pdf(template: str, context: dict, *, archival: bool = False) -> bytes:
    """The PDF of a document template; `archival` makes it PDF/A-3b (fonts embedded,
    sRGB output intent, XMP identification), the base of a Factur-X invoice."""
    html = render_to_string(TEMPLATES + template, context)
    # No base URL: the templates carry their styles and embed their images.
    document = weasyprint.HTML(string=html)
    if not archival:
        return document.write_pdf(font_config=_font_config())
    # WeasyPrint's own sRGB output intent opens its ICC file and never closes it; the same
    # profile, read once, is given under our name so that no file is left open.
    profile = ColorProfile(
        io.BytesIO(_srgb_profile()), "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"])
    )
    return document.write_pdf(
        font_config=_font_config(),
        finisher=_without_producer,
        pdf_variant="pdf/a-3b",
        output_intent=OUTPUT_INTENT,
        color_profiles={OUTPUT_INTENT: profile},
    )


def _invoice_context(
    invoice: Invoice,
    lines: list,
    *,
    seller: dict,
    buyer: dict,
    vat_groups,
    totals,
    payment_terms_days: int | None,
    found: Mentions,
    entrepreneur: str,
    draft: bool,
) -> dict:
    credited = invoice.credited_invoice if invoice.is_credit_note else None
    net, vat, gross = totals
    title = _("Avoir") if credited else _("Facture")
    draft_label = _("Brouillon — sans valeur comptable")
    return {
        "draft": draft,
        "draft_label": draft_label,
        "title": title,
        "running_title": _running_title(title, draft_label if draft else invoice.number),
        "document_title": invoice.title,
        "number": "" if draft else invoice.number,
        "issued_on": "" if draft else _day(invoice.issued_on),
        "due_on": _day(invoice.due_on),
        "payment_terms_days": payment_terms_days,
        "is_credit_note": credited is not None,
        "credited_number": credited.number if credited else "",
        "credited_on": _day(credited.issued_on) if credited else "",
        "reason": invoice.reason,
        "seller": _seller_context(seller),
        "buyer": buyer,
        "is_business": bool(buyer.get("is_business")),
        "is_public": bool(buyer.get("is_public")),
        "chorus_service_code": invoice.chorus_service_code,
        "chorus_commitment": invoice.chorus_commitment,
        "purchase_order": invoice.purchase_order,
        "entrepreneur": entrepreneur,
        "service_dates": _service_dates(invoice.service_start, invoice.service_end),
        "nature": str(SupplyNature(invoice.nature).label),
        "lines": _printed_lines(lines),
        "has_discount": any(line.discount_percent for line in lines),
        "vat_rows": _printed_vat(vat_groups),
        "net": format_euros(net),
        "vat": format_euros(vat),
        "gross": format_euros(gross),
        "exemption": _exemption_text(invoice.vat_exemption, lines),
        "mentions": found,
        "notes": invoice.notes,
    }


@_in_french
def render_invoice_preview_pdf(invoice: Invoice) -> bytes:
    """A draft or requested invoice as it would print if issued today, from the live
    cooperative profile and client: marked "Brouillon — sans valeur comptable", no number."""
    if invoice.is_issued:
        raise ValueError("An issued invoice is served from its archived PDF.")
    lines = list(invoice.lines.all())
    totals, groups = _groups_of(lines)
    profile = CooperativeProfile.current()
    seller = _live_seller(profile)
    buyer = buyer_details(invoice.client)
    if invoice.due_on:
        terms = max((invoice.due_on - timezone.localdate()).days, 0)
    else:
        terms = profile.payment_terms_days if profile else None
    context = _invoice_context(
        invoice,
        lines,
        seller=seller,
        buyer=buyer,
        vat_groups=groups,
        totals=(totals.net, totals.vat, totals.gross),
        payment_terms_days=terms,
        found=mentions(
            late_penalty_rate=profile.late_penalty_rate if profile else None,
            is_business=bool(buyer["is_business"]),
            vat_on_debits=bool(profile and profile.vat_on_debits),
            home_service=invoice.home_service,
            sap_declaration=seller.get("sap_declaration", ""),
        ),
        entrepreneur=invoice.entrepreneur.full_name,
        draft=True,
    )
    return _pdf("invoice.html", context)


@_in_french
def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The Factur-X PDF of an invoice or credit note being issued (or issued): PDF/A-3b
    printed from its frozen fields only, with its EN 16931 XML attached as
    `factur-x.xml`."""
    if not (invoice.number and invoice.issued_on and invoice.seller and invoice.buyer):
        raise ValueError("Only an invoice being issued (numbered, details frozen) prints.")
    lines = list(invoice.lines.all())
    context = _invoice_context(
        invoice,
        lines,
        seller=invoice.seller,
        buyer=invoice.buyer,
        vat_groups=invoice.vat_breakdown,
        totals=(invoice.net, invoice.vat, invoice.gross),
        payment_terms_days=invoice.payment_terms_days,
        found=invoice_mentions(invoice),
        # Frozen at issuance with the seller; older invoices name the member as they are.
        entrepreneur=invoice.seller.get("entrepreneur") or invoice.entrepreneur.full_name,
        draft=False,
    )
    pdf = _pdf("invoice.html", context, archival=True)
    seller, buyer = invoice.seller["name"], invoice.buyer["name"]
    kind = _("Avoir") if invoice.is_credit_note else _("Facture")
    title = f"{kind} {invoice.number}"
    subject = _("%(title)s du %(day)s, de %(seller)s à %(buyer)s") % {
        "title": title,
        "day": _day(invoice.issued_on),
        "seller": seller,
        "buyer": buyer,
    }
    return facturx_package.generate_from_binary(
        pdf,
        facturx_xml(invoice, lines),
        flavor="factur-x",
        level="en16931",
        # The XML is built by our code from validated data; the XSD check stays as the
        # last guard before a legal document is archived (a few milliseconds).
        check_xsd=True,
        pdf_metadata={
            "author": seller,
            "keywords": f"{kind}, Factur-X",
            "title": f"{title} — {seller}",
            "subject": subject,
        },
        lang="fr-FR",
    )


@_in_french
def render_quote_pdf(quote: Quote) -> bytes:
    """A quote as it is sent: the cooperative and the client as they are today (a quote is
    not frozen; the invoice made from it will be). Unnumbered, it is marked as a draft."""
    lines = list(quote.lines.all())
    totals, groups = _groups_of(lines)
    buyer = buyer_details(quote.client)
    profile = CooperativeProfile.current()
    title, draft_label = _("Devis"), _("Projet de devis — pas encore envoyé")
    context = {
        "draft": not quote.number,
        "draft_label": draft_label,
        "running_title": _running_title(title, quote.number or draft_label),
        "payment_terms_days": profile.payment_terms_days if profile else None,
        "title": title,
        "document_title": quote.title,
        "number": quote.number,
        "issued_on": _day(quote.sent_on or timezone.localtime(quote.created_at).date()),
        "valid_until": _day(quote.valid_until),
        "is_credit_note": False,
        "seller": _seller_context(_live_seller(profile)),
        "buyer": buyer,
        "is_business": bool(buyer["is_business"]),
        "entrepreneur": quote.entrepreneur.full_name,
        "lines": _printed_lines(lines),
        "has_discount": any(line.discount_percent for line in lines),
        "vat_rows": _printed_vat(groups),
        "net": format_euros(totals.net),
        "vat": format_euros(totals.vat),
        "gross": format_euros(totals.gross),
        "exemption": _exemption_text(quote.vat_exemption, lines),
        "notes": quote.notes,
    }
    return _pdf("quote.html", context)
