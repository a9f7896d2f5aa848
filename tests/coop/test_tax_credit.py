"""Tax-credit attestations (coop.tax_credit): who gets one, what they paid in the year,
the hours and the people who worked, and the PDF read back with pdftotext."""

import datetime
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone

from coop import tax_credit
from coop.enums import Unit
from coop.models import CooperativeProfile
from tests.coop.factories import BillableClientFactory
from tests.coop.factories_accounting import (
    SAP,
    CooperativeProfileFactory,
    home_services,
    individual_client,
    invoice_on,
    line,
    pay,
)
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

D = Decimal


def pdf_text(content: bytes, tmp_path) -> str:
    """The PDF's text as poppler's pdftotext reads it (in reading order), spaces made plain."""
    pdf = tmp_path / "attestation.pdf"
    pdf.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"],  # noqa: S607 (poppler-utils, a Debian package)
        capture_output=True,
        check=True,
        text=True,
    )
    return " ".join(result.stdout.replace("\u202f", " ").replace("\xa0", " ").split())


@pytest.fixture
def last_year():
    return timezone.localdate().year - 1


def test_what_a_client_paid_in_the_year(last_year):
    data = home_services(last_year)
    # Not on an attestation: a business's home service, a private person's other service.
    business = BillableClientFactory()
    pay(
        invoice_on(
            datetime.date(last_year, 6, 1),
            entrepreneur=data["worker"],
            client=business,
            home_service=True,
            lines=[line()],
        ),
        "50.00",
        datetime.date(last_year, 6, 2),
    )
    other_person = individual_client(name="Paul Girard")
    pay(
        invoice_on(
            datetime.date(last_year, 6, 3),
            entrepreneur=data["worker"],
            client=other_person,
            lines=[line()],
        ),
        "50.00",
        datetime.date(last_year, 6, 4),
    )

    clients = list(tax_credit.clients_for_year(last_year))
    assert clients == [data["client"]]
    assert clients[0].paid == D("128.00")
    assert clients[0].paid_cesu == D("100.00")
    # This year, only what was paid this year.
    this_year = list(tax_credit.clients_for_year(last_year + 1))
    assert [(client.pk, client.paid) for client in this_year] == [(data["client"].pk, D("34.00"))]


def test_the_attestation_by_hand(last_year):
    data = home_services(last_year)
    profile = CooperativeProfile.current()
    attestation = tax_credit.attestation_for(
        data["client"], last_year, profile=profile, today=datetime.date(last_year + 1, 1, 15)
    )
    assert attestation.paid == D("128.00")
    assert attestation.paid_cesu == D("100.00")
    assert attestation.hours == D("4.50")
    assert attestation.workers == ["Awa Diallo"]
    assert attestation.natures == ["Entretien du jardin", "Petits travaux de jardinage"]
    assert [(item.when, item.hours) for item in attestation.interventions] == [
        (f"09/03/{last_year}", D("3.00")),  # 4 h less the hour credited
        (f"06/05/{last_year}", D("1.50")),  # the session's 90 minutes
    ]
    assert [(item.number, item.paid) for item in attestation.invoices] == [
        (data["garden"].number, D("108.00")),
        (data["sessions"].number, D("20.00")),
    ]


def test_the_pdf_carries_every_mention(last_year, tmp_path):
    data = home_services(last_year)
    profile = CooperativeProfile.current()
    attestation = tax_credit.attestation_for(
        data["client"], last_year, profile=profile, today=datetime.date(last_year + 1, 1, 15)
    )
    content = tax_credit.render_attestation_pdf(attestation)
    assert content.startswith(b"%PDF-")
    text = pdf_text(content, tmp_path)
    for expected in (
        f"Attestation fiscale annuelle — année {last_year}",
        "Entrepairs Coopérative",
        "12 rue de la Coopération",
        f"SIREN {profile.siren}",
        f"Déclaration de services à la personne n° {SAP}",
        "Jeanne Moreau",
        "3 allée des Tilleuls",
        "69005 Lyon",
        "199 sexdecies",
        "Montant effectivement acquitté : 128,00 €",
        "dont payé en chèques emploi service universel (CESU) : 100,00 €",
        "Nombre d'heures d'intervention : 4 h 30",
        "Nature des services : Entretien du jardin, Petits travaux de jardinage",
        "Intervenant·es : Awa Diallo",
        f"09/03/{last_year} Awa Diallo Entretien du jardin 3 h",
        f"06/05/{last_year} Awa Diallo Petits travaux de jardinage 1 h 30",
        f"{data['garden'].number} 10/03/{last_year} 108,00 €",
        f"{data['sessions'].number} 10/05/{last_year} 20,00 €",
        "préfinancés",
        f"Fait à Lyon, le 15/01/{last_year + 1}.",
    ):
        assert expected in text, expected


def test_hours_count_only_hours(last_year):
    """A flat fee or kilometres are not hours of work."""
    CooperativeProfileFactory(sap_declaration=SAP)
    worker = MemberFactory(path="cape")
    client = individual_client()
    invoice = invoice_on(
        datetime.date(last_year, 2, 1),
        entrepreneur=worker,
        client=client,
        home_service=True,
        lines=[
            line(description="Forfait débroussaillage", quantity=D("1"), unit=Unit.FLAT),
            line(description="Déplacement", quantity=D("12"), unit=Unit.KILOMETRE),
            line(description="Bricolage", quantity=D("2.5"), unit=Unit.HOUR),
        ],
    )
    pay(invoice, "10.00", datetime.date(last_year, 2, 2))
    attestation = tax_credit.attestation_for(
        client, last_year, profile=CooperativeProfile.current()
    )
    assert attestation.hours == D("2.50")
    assert tax_credit._hours_text(D("2.50")) == "2\xa0h\xa030"
    assert tax_credit._hours_text(D("3")) == "3\xa0h"


def test_declaration_needed():
    assert not tax_credit.has_declaration(None)
    assert not tax_credit.has_declaration(CooperativeProfileFactory(sap_declaration="  "))
    profile = CooperativeProfile.current()
    profile.sap_declaration = SAP
    assert tax_credit.has_declaration(profile)


def test_file_name():
    client = individual_client(name="Jeanne Moreau")
    assert tax_credit.attestation_file_name(client, 2025) == (
        "attestation-fiscale-2025-jeanne-moreau.pdf"
    )
