"""Issued invoices of every shape a document must print and a Factur-X must carry: made
through the real services (coop.billing), so numbers, frozen details and totals are what
the platform writes."""

import datetime
from decimal import Decimal

from django.utils import timezone

from coop import billing
from coop.enums import ClientKind, SupplyNature, Unit, VatExemption, VatRate
from members.enums import Role
from tests.activities.factories import ClientFactory
from tests.coop.factories import (
    BillableClientFactory,
    CooperativeProfileFactory,
    _valid_siret,
    draft_invoice,
    line,
)
from tests.members.factories import UserFactory

SAP_DECLARATION = "SAP123456789"


def issuer():
    return UserFactory(role=Role.COORDINATOR)


def issue(invoice, **kwargs):
    CooperativeProfileFactory()
    return billing.invoice_issue(actor=issuer(), invoice=invoice, **kwargs)


def plain_invoice(**kwargs):
    """One line at 20 % to a business client."""
    return issue(draft_invoice(**kwargs))


def mixed_rates_invoice(**kwargs):
    """Lines at 20, 10 and 5.5 %, one with a discount, quantities that round."""
    lines = [
        line(
            description="Animation d'un atelier de prévention",
            quantity=Decimal("1.5"),
            unit=Unit.DAY,
            unit_price=Decimal("333.33"),
            discount_percent=Decimal("12.5"),
        ),
        line(
            description="Repas partagé de l'atelier",
            quantity=Decimal("7"),
            unit=Unit.SESSION,
            unit_price=Decimal("12.35"),
            vat_rate=VatRate.INTERMEDIATE,
        ),
        line(
            description="Livrets de prévention",
            quantity=Decimal("12"),
            unit=Unit.FLAT,
            unit_price=Decimal("4.99"),
            vat_rate=VatRate.REDUCED,
        ),
        line(
            description="Déplacement",
            quantity=Decimal("36"),
            unit=Unit.KILOMETRE,
            unit_price=Decimal("0.60"),
        ),
    ]
    kwargs.setdefault("nature", SupplyNature.MIXED)
    kwargs.setdefault("purchase_order", "BC-2026-118")
    return issue(draft_invoice(lines=lines, **kwargs))


def exempt_training_invoice(**kwargs):
    """A training for professionals, exempt of VAT (CGI 261-4-4°-a)."""
    lines = [
        line(
            description="Formation « Repérage précoce des addictions » (2 jours)",
            quantity=Decimal("2"),
            unit=Unit.DAY,
            unit_price=Decimal("650.00"),
            vat_rate=VatRate.ZERO,
        )
    ]
    return issue(draft_invoice(lines=lines, vat_exemption=VatExemption.TRAINING, **kwargs))


def credit_note(invoice=None, *, quantities=None, reason="Une séance n'a pas eu lieu."):
    """An issued credit note cancelling part (or all, quantities None) of an invoice."""
    invoice = invoice or mixed_rates_invoice()
    if quantities == "first_line":
        first = invoice.lines.order_by("position").first()
        quantities = {first.pk: Decimal("1")}
    draft = billing.credit_note_create(
        actor=issuer(), invoice=invoice, reason=reason, quantities=quantities
    )
    return issue(draft)


def public_client():
    return ClientFactory(
        name="Mairie de Villeurbanne",
        kind=ClientKind.LOCAL_AUTHORITY,
        is_public=True,
        siret=_valid_siret(901),
        address="Place Lazare-Goujon",
        postcode="69100",
        commune="Villeurbanne",
        email="factures@villeurbanne.example",
    )


def public_invoice(**kwargs):
    """A local authority, invoiced through Chorus Pro."""
    return issue(
        draft_invoice(
            client=public_client(),
            chorus_service_code="SERV-PREVENTION",
            chorus_commitment="EJ-2026-004512",
            **kwargs,
        )
    )


def individual_client():
    return BillableClientFactory(
        name="Jeanne Petit",
        kind=ClientKind.INDIVIDUAL,
        siret="",
        address="8 impasse des Lilas",
        postcode="69008",
        commune="Lyon",
        email="jeanne.petit@example.org",
    )


def individual_invoice(*, home_service=False, sap_declaration="", **kwargs):
    """A private person: no SIREN, no recovery indemnity; at home, the tax credit."""
    profile = CooperativeProfileFactory()
    if sap_declaration != profile.sap_declaration:
        profile.sap_declaration = sap_declaration
        profile.save()
    lines = [
        line(
            description="Entretien du jardin",
            quantity=Decimal("3"),
            unit=Unit.HOUR,
            unit_price=Decimal("25.00"),
            vat_rate=VatRate.REDUCED,
        )
    ]
    return issue(
        draft_invoice(client=individual_client(), lines=lines, home_service=home_service, **kwargs)
    )


def period(days_ago_start=20, days_ago_end=6):
    today = timezone.localdate()
    return {
        "service_start": today - datetime.timedelta(days=days_ago_start),
        "service_end": today - datetime.timedelta(days=days_ago_end),
    }
