"""The accounting export page (FEC and CSV files, streamed) and the tax-credit
attestations page, for coordinators and accountants."""

import datetime
import html as html_lib
import re
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from coop import accounting
from coop.enums import AccountExpenseKind, PaymentMethod
from coop.models import CooperativeProfile, Invoice, Payment
from members.enums import Role
from tests.coop.factories_accounting import (
    SAP,
    CooperativeProfileFactory,
    account_expense,
    home_services,
    individual_client,
    invoice_on,
    issuer,
    line,
    pay,
)
from tests.coop.test_tax_credit import pdf_text
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

EXPORT_URL = reverse("coop:accounting_export")
TAX_CREDIT_URL = reverse("coop:tax_credit_list")

EXPORTERS = [Role.COORDINATOR, Role.ACCOUNTANT]
NOT_EXPORTERS = [role for role in Role if role not in EXPORTERS]


def _text(response) -> str:
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def _pdf_url(year: int, client) -> str:
    return reverse("coop:tax_credit_pdf", args=[year, client.pk])


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


# --- the export: who --------------------------------------------------------------------


def test_export_anonymous(client):
    response = client.get(EXPORT_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", NOT_EXPORTERS)
def test_export_refused(client_of_role, role):
    assert client_of_role(role).get(EXPORT_URL).status_code == 403


def test_export_wrong_method(client_of_role):
    assert client_of_role(Role.ACCOUNTANT).post(EXPORT_URL).status_code == 405


@pytest.mark.parametrize("role", EXPORTERS)
def test_export_form(client_of_role, role):
    response = client_of_role(role).get(EXPORT_URL)
    assert response.status_code == 200
    text = _text(response)
    assert "Export comptable" in text
    assert "706100 Contribution coopérative" in text
    today = timezone.localdate()
    html = response.content.decode()
    assert f'value="{today.year}-01-01"' in html
    assert re.search(r'<input type="checkbox" name="include_salaries"[^>]* checked', html)


# --- the export: what -------------------------------------------------------------------


def _data(start, end, file_format="fec", **extra) -> dict:
    return {"start": start, "end": end, "file_format": file_format} | extra


@pytest.fixture
def a_month():
    """A sale, its payment and a supplier invoice, on the first of the month."""
    CooperativeProfileFactory()
    member = MemberFactory(path="cape", first_name="Awa", last_name="Diallo")
    day = timezone.localdate().replace(day=1)
    invoice = invoice_on(day, entrepreneur=member, lines=[line()])
    pay(invoice, "192.00", day)
    account_expense(
        member, AccountExpenseKind.SUPPLIER_INVOICE, day, "50.00", vat="10.00", supplier="Leroy"
    )
    return {"day": day, "invoice": invoice, "member": member}


def test_fec_download(client_of_role, a_month):
    client = client_of_role(Role.ACCOUNTANT)
    day = a_month["day"]
    response = client.get(EXPORT_URL, _data(day.isoformat(), day.isoformat()))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/plain; charset=iso-8859-15"
    siren = CooperativeProfile.current().siren
    assert response["Content-Disposition"] == (f'attachment; filename="{siren}FEC{day:%Y%m%d}.txt"')
    lines = _content(response).decode("iso-8859-15").split("\r\n")[:-1]
    assert lines[0].split("\t") == list(accounting.FEC_COLUMNS)
    rows = [row.split("\t") for row in lines[1:]]
    # The sale (3 lines), its payment (2), its contribution (2), the purchase (3).
    assert len(rows) == 10
    assert {row[0] for row in rows} == {"VT", "BQ", "OD", "AC"}
    debit = sum(Decimal(row[11].replace(",", ".")) for row in rows)
    credit = sum(Decimal(row[12].replace(",", ".")) for row in rows)
    assert debit == credit
    assert all(len(row) == 18 for row in rows)


def test_csv_download(client_of_role, a_month):
    client = client_of_role(Role.COORDINATOR)
    day = a_month["day"]
    response = client.get(EXPORT_URL, _data(day.isoformat(), day.isoformat(), "csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="ecritures-{day:%Y%m%d}-{day:%Y%m%d}.csv"'
    )
    text = _content(response).decode("utf-8")
    assert text.startswith("\ufeffJournal;")
    assert f"{a_month['invoice'].number}" in text
    assert len(text.split("\r\n")) == 12  # header, 10 lines, the final line end


def test_salaries_left_out_on_request(client_of_role, a_month):
    client = client_of_role(Role.ACCOUNTANT)
    day = a_month["day"]
    account_expense(a_month["member"], AccountExpenseKind.SALARY, day, "900.00")
    with_salaries = _content(
        client.get(EXPORT_URL, _data(day.isoformat(), day.isoformat(), include_salaries="on"))
    )
    without = _content(client.get(EXPORT_URL, _data(day.isoformat(), day.isoformat())))
    assert b"\t641000\t" in with_salaries
    assert b"\t641000\t" not in without


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_data("2026-05-01", "2026-04-01"), "La fin de la période précède son début."),
        (_data("2026-02-31", "2026-04-01"), "Écrivez une date, par exemple 01/01/2026."),
        (_data("", "2026-04-01"), "Donnez le premier jour de la période."),
        (_data("2024-01-01", "2026-01-01"), "Une période dure au plus 24 mois (un exercice)"),
        (_data("2026-01-01", "2026-01-31", "pdf"), "Choisissez un format."),
    ],
)
def test_export_bad_period_is_kept_with_a_message(client_of_role, data, message):
    client = client_of_role(Role.ACCOUNTANT)
    response = client.get(EXPORT_URL, data)
    assert response.status_code == 200
    assert not isinstance(response, StreamingHttpResponse)
    text = _text(response)
    assert message in text
    assert "Ce que vous avez saisi est conservé." in text
    html = response.content.decode()
    for name in ("start", "end"):
        if data[name]:
            assert f'value="{data[name]}"' in html


def test_fec_needs_the_cooperative_siren(client_of_role):
    client = client_of_role(Role.ACCOUNTANT)
    response = client.get(EXPORT_URL, _data("2026-01-01", "2026-01-31"))
    assert response.status_code == 200
    assert "Le FEC porte le SIREN de la coopérative" in _text(response)
    # The CSV does not need it.
    csv = client.get(EXPORT_URL, _data("2026-01-01", "2026-01-31", "csv"))
    assert isinstance(csv, StreamingHttpResponse)
    assert _content(csv).decode() == "\ufeff" + ";".join(accounting.csv_header()) + "\r\n"


def _year_at_scale(invoices: int, year: int) -> None:
    """A year of sales and payments, fast: copies of one really issued invoice (its frozen
    details, totals and archived PDF), numbered on, each paid in full. The export reads
    the journal's rows, never the PDFs."""
    model = invoice_on(
        datetime.date(year, 1, 2),
        entrepreneur=MemberFactory(path="cape"),
        lines=[line()],
    )
    fields = {
        field.attname: getattr(model, field.attname)
        for field in Invoice._meta.concrete_fields
        if field.attname not in ("id", "sequence", "number", "issued_on", "due_on")
    }
    copies = Invoice.objects.bulk_create(
        Invoice(
            **fields,
            sequence=model.sequence + index,
            number=f"{model.series}-{year}-{model.sequence + index:05d}",
            issued_on=datetime.date(year, 1, 2) + datetime.timedelta(days=index % 360),
            due_on=datetime.date(year, 1, 2) + datetime.timedelta(days=index % 360 + 30),
        )
        for index in range(1, invoices)
    )
    recorder = issuer()
    Payment.objects.bulk_create(
        Payment(
            invoice=invoice,
            paid_on=invoice.issued_on,
            amount=invoice.gross,
            method=PaymentMethod.TRANSFER,
            recorded_by=recorder,
        )
        for invoice in [model, *copies]
    )


def test_a_year_at_scale_streams(client_of_role, monkeypatch):
    client = client_of_role(Role.ACCOUNTANT)
    year = timezone.localdate().year - 1
    _year_at_scale(600, year)
    # Small chunks: the sources are read in many of them.
    monkeypatch.setattr(accounting, "EXPORT_CHUNK_SIZE", 50)
    response = client.get(EXPORT_URL, _data(f"{year}-01-01", f"{year}-12-31"))
    assert isinstance(response, StreamingHttpResponse)
    # Nothing is read before the file is: the view answers at once.
    chunks = iter(response.streaming_content)
    header = next(chunks)
    assert header.startswith(b"JournalCode\tJournalLib\tEcritureNum")
    # A sale is 3 lines, its payment 2, its contribution 2.
    lines = 1
    debit = credit = Decimal("0")
    for chunk in chunks:
        fields = chunk.decode("iso-8859-15").rstrip("\r\n").split("\t")
        debit += Decimal(fields[11].replace(",", "."))
        credit += Decimal(fields[12].replace(",", "."))
        lines += 1
    assert lines == 1 + 600 * 7
    assert debit == credit


# --- tax-credit attestations ------------------------------------------------------------


def test_tax_credit_anonymous(client):
    response = client.get(TAX_CREDIT_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    pdf = client.get(reverse("coop:tax_credit_pdf", args=[2025, 1]))
    assert pdf.status_code == 302


@pytest.mark.parametrize("role", NOT_EXPORTERS)
def test_tax_credit_refused(client_of_role, role):
    client = client_of_role(role)
    assert client.get(TAX_CREDIT_URL).status_code == 403
    assert client.get(reverse("coop:tax_credit_pdf", args=[2025, 1])).status_code == 403


def test_tax_credit_wrong_method(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    assert client.post(TAX_CREDIT_URL).status_code == 405
    assert client.post(reverse("coop:tax_credit_pdf", args=[2025, 1])).status_code == 405


def test_tax_credit_refused_without_declaration(client_of_role):
    client = client_of_role(Role.ACCOUNTANT)
    CooperativeProfileFactory(sap_declaration="")
    response = client.get(TAX_CREDIT_URL)
    assert response.status_code == 200
    text = _text(response)
    assert "n'a pas de numéro de déclaration de services à la personne" in text
    assert not response.context["page"].object_list
    # The PDF says the same and sends back to the list.
    client_record = individual_client()
    pdf = client.get(_pdf_url(2025, client_record), follow=True)
    assert pdf.redirect_chain == [(TAX_CREDIT_URL, 302)]
    assert "n'a pas de numéro de déclaration" in _text(pdf)


@pytest.mark.parametrize("role", EXPORTERS)
def test_tax_credit_list_and_pdf(client_of_role, role, tmp_path):
    client = client_of_role(role)
    year = timezone.localdate().year - 1
    data = home_services(year)
    response = client.get(TAX_CREDIT_URL)
    assert response.status_code == 200
    assert response.context["year"] == year  # last year, by default
    assert [row.pk for row in response.context["page"]] == [data["client"].pk]
    text = _text(response)
    assert "1 client en" in text
    assert "Jeanne Moreau 69005 Lyon 128,00 € 100,00 €" in text
    assert "Total payé dans l'année pour des services à domicile : 128,00 €." in text
    url = _pdf_url(year, data["client"])
    assert f'href="{url}"' in response.content.decode()

    pdf = client.get(url)
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == (
        f'attachment; filename="attestation-fiscale-{year}-jeanne-moreau.pdf"'
    )
    text = pdf_text(pdf.content, tmp_path)
    assert f"Déclaration de services à la personne n° {SAP}" in text
    assert "Montant effectivement acquitté : 128,00 €" in text


def test_tax_credit_pdf_of_a_client_not_listed_is_404(client_of_role):
    client = client_of_role(Role.ACCOUNTANT)
    CooperativeProfileFactory(sap_declaration=SAP)
    nobody = individual_client()
    assert client.get(_pdf_url(timezone.localdate().year - 1, nobody)).status_code == 404


@pytest.mark.parametrize("year", [1999, 2999])
def test_tax_credit_pdf_of_an_impossible_year_is_404(client_of_role, year):
    client = client_of_role(Role.ACCOUNTANT)
    CooperativeProfileFactory(sap_declaration=SAP)
    assert client.get(_pdf_url(year, individual_client())).status_code == 404


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("l'an dernier", "Écrivez une année en chiffres, par exemple 2026."),
        ("2999", "Choisissez une année jusqu'à"),
    ],
)
def test_tax_credit_bad_year_is_kept_with_a_message(client_of_role, typed, message):
    client = client_of_role(Role.COORDINATOR)
    CooperativeProfileFactory(sap_declaration=SAP)
    response = client.get(TAX_CREDIT_URL, {"year": typed})
    assert response.status_code == 200
    assert message in _text(response)
    assert f'value="{html_lib.escape(typed)}"' in response.content.decode()
    assert "Corrigez l'année pour voir la liste." in _text(response)


@pytest.mark.parametrize("clients", [1, 4])
def test_tax_credit_list_query_count_does_not_grow(
    client_of_role, django_assert_num_queries, clients
):
    client = client_of_role(Role.ACCOUNTANT)
    CooperativeProfileFactory(sap_declaration=SAP)
    year = timezone.localdate().year - 1
    worker = MemberFactory(path="cape")
    for index in range(clients):
        invoice = invoice_on(
            datetime.date(year, 2, 1 + index),
            entrepreneur=worker,
            client=individual_client(name=f"Client {index}"),
            home_service=True,
            lines=[line()],
        )
        pay(invoice, "50.00", datetime.date(year, 3, 1))
    # session, user, two-factor check, the cooperative; the year's total; count of
    # clients; the page of clients with their sums (subqueries of the same query)
    with django_assert_num_queries(7):
        response = client.get(TAX_CREDIT_URL)
    assert len(response.context["page"]) == clients
