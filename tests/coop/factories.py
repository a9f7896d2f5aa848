"""Factories of the cooperative's invoicing. Documents are made through the real services
(coop.billing), so that totals, numbers and frozen details are what the platform writes."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from coop import billing
from coop.enums import ClientKind, LegalForm, Unit, VatRate
from members.enums import Role
from tests.activities.factories import ClientFactory, MissionFactory
from tests.members.factories import MemberFactory, UserFactory


def siret_with_key(prefix: str) -> str:
    """A 14-digit SIRET whose Luhn key is right, from 13 given digits."""
    assert len(prefix) == 13 and prefix.isdigit()
    for last in "0123456789":
        candidate = prefix + last
        total = 0
        for index, char in enumerate(reversed(candidate)):
            digit = int(char)
            if index % 2 == 1:
                digit *= 2
                if digit > 9:
                    digit -= 9
            total += digit
        if total % 10 == 0 and _siren_ok(candidate[:9]):
            return candidate
    raise ValueError(prefix)


def _siren_ok(siren: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(siren)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _valid_siret(n: int) -> str:
    """A valid SIRET (SIREN and SIRET keys right) that differs with n."""
    for siren_base in range(n * 10, n * 10 + 10):
        siren8 = f"{(123450000 + siren_base) % 10**8:08d}"
        for key in "0123456789":
            siren = siren8 + key
            if _siren_ok(siren):
                try:
                    return siret_with_key(siren + "0001")
                except ValueError:
                    continue
    raise ValueError(n)


class CooperativeProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coop.CooperativeProfile"
        django_get_or_create = ("id",)

    id = 1
    name = "Entrepairs Coopérative"
    legal_form = LegalForm.SCIC_SAS
    share_capital = Decimal("15000.00")
    siren = factory.LazyFunction(lambda: _valid_siret(1)[:9])
    siret = factory.LazyFunction(lambda: _valid_siret(1))
    rcs = "RCS Lyon"
    vat_number = "FR32123456782"
    ape_code = "7022Z"
    address = "12 rue de la Coopération"
    postcode = "69003"
    commune = "Lyon"
    email = "contact@entrepairs.example"
    iban = "FR7630006000011234567890189"
    bic = "AGRIFRPP"


class BillableClientFactory(ClientFactory):
    """A business client whose details fill every mandatory mention."""

    name = factory.Sequence(lambda n: f"Association Horizons {n}")
    kind = ClientKind.ASSOCIATION
    is_public = False
    siret = factory.Sequence(lambda n: _valid_siret(n + 10))
    address = "4 place de la République"
    postcode = "69002"
    commune = "Lyon"
    email = factory.Sequence(lambda n: f"compta{n}@horizons.example")


def line(**overrides) -> billing.LineInput:
    values = {
        "description": "Atelier de prévention (2 h)",
        "quantity": Decimal("2"),
        "unit": Unit.HOUR,
        "unit_price": Decimal("80.00"),
        "vat_rate": VatRate.STANDARD,
    }
    values.update(overrides)
    return billing.LineInput(**values)


def draft_invoice(*, entrepreneur=None, client=None, lines=None, **fields):
    """A draft invoice written by its entrepreneur, with one line by default."""
    entrepreneur = entrepreneur or MemberFactory(path="cape")
    client = client or BillableClientFactory()
    fields.setdefault("service_start", timezone.localdate() - datetime.timedelta(days=7))
    return billing.invoice_create(
        actor=entrepreneur.user,
        entrepreneur=entrepreneur,
        client=client,
        title=fields.pop("title", "Ateliers de prévention"),
        lines=lines if lines is not None else [line()],
        **fields,
    )


def issued_invoice(*, issuer=None, issued_on=None, **kwargs):
    """An invoice issued by a coordinator (the profile of the cooperative is created)."""
    CooperativeProfileFactory()
    invoice = draft_invoice(**kwargs)
    issuer = issuer or UserFactory(role=Role.COORDINATOR)
    return billing.invoice_issue(actor=issuer, invoice=invoice, issued_on=issued_on)


def draft_quote(*, entrepreneur=None, client=None, lines=None, **fields):
    entrepreneur = entrepreneur or MemberFactory(path="cape")
    client = client or BillableClientFactory()
    return billing.quote_create(
        actor=entrepreneur.user,
        entrepreneur=entrepreneur,
        client=client,
        title=fields.pop("title", "Cycle de trois ateliers"),
        lines=lines if lines is not None else [line()],
        **fields,
    )


__all__ = [
    "BillableClientFactory",
    "CooperativeProfileFactory",
    "MissionFactory",
    "draft_invoice",
    "draft_quote",
    "issued_invoice",
    "line",
]
