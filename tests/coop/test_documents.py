"""The printed documents (coop.documents), read back as a client would read them: every
mandatory mention of a French invoice is on the page, amounts are French, the 40 €
indemnity is for businesses only, the exemption wording only when a line is at 0 %, the
reform's mentions are there, an issued invoice prints what it froze, and a draft says it
is one."""

import io
import subprocess
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from coop import billing
from coop.documents import render_invoice_pdf, render_invoice_preview_pdf, render_quote_pdf
from coop.enums import InvoiceStatus, VatExemption, VatRate
from coop.models import Client, CooperativeProfile, Invoice
from tests.coop import factories_documents as documents
from tests.coop.factories import (
    CooperativeProfileFactory,
    draft_invoice,
    draft_quote,
    line,
)


def _pdftotext(pdf: bytes, tmp_path, *options: str) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *options, str(path), "-"],  # noqa: S607
        capture_output=True,
        check=True,
    )
    return result.stdout.decode()


def _fold(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Read:
    """A PDF as a reader sees it: its running text (paragraphs, whitespace folded) and
    its rows (a table's line, or a label with its value, as laid out on the page)."""

    text: str
    rows: list[str]

    def has_row(self, expected: str) -> bool:
        return any(expected in row for row in self.rows)

    def __contains__(self, expected: str) -> bool:
        return expected in self.text


def read(pdf: bytes, tmp_path, page: int | None = None) -> Read:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    layout = _pdftotext(pdf, tmp_path, "-layout", *pages)
    return Read(
        text=_fold(_pdftotext(pdf, tmp_path, *pages)),
        rows=[_fold(row) for row in layout.splitlines() if row.strip()],
    )


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def day(value) -> str:
    return value.strftime("%d/%m/%Y")


def archived(invoice: Invoice) -> bytes:
    with Invoice.objects.get(pk=invoice.pk).pdf.open("rb") as handle:
        return handle.read()


# --- An issued invoice -------------------------------------------------------------------


def test_an_issued_invoice_prints_every_mandatory_mention(db, tmp_path):
    invoice = documents.plain_invoice(purchase_order="BC-2026-042", **documents.period())
    text = read(archived(invoice), tmp_path)
    seller, buyer = invoice.seller, invoice.buyer
    member = invoice.entrepreneur

    # The seller: the cooperative, its legal form and capital, its registrations.
    for expected in (
        "Entrepairs Coopérative",
        "SCIC SAS à capital variable, capital minimum 15 000,00 €",
        "12 rue de la Coopération 69003 Lyon",
        f"SIREN {seller['siren']}",
        f"SIRET {seller['siret']}",
        "RCS Lyon",
        "N° TVA intracommunautaire : FR32123456782",
        "APE 7022Z",
    ):
        assert expected in text, expected
    # The client, with its SIREN (a reform mention) and SIRET.
    for expected in (
        buyer["name"],
        "4 place de la République 69002 Lyon",
        f"SIREN {buyer['siren']}",
        f"SIRET {buyer['siret']}",
    ):
        assert expected in text, expected
    # The document: title, number, dates, on whose behalf, order, nature.
    for expected in (
        "Facture",
        f"N° {invoice.number}",
        f"Date de la prestation : du {day(invoice.service_start)} au {day(invoice.service_end)}",
        f"Activité de {member.full_name} — entrepreneur·e salarié·e de la coopérative",
        "Bon de commande : BC-2026-042",
        "Nature de l'opération : Prestations de services",
        "Objet : Ateliers de prévention",
    ):
        assert expected in text, expected
    assert text.has_row(f"Date d'émission {day(invoice.issued_on)}")
    assert text.has_row(f"Échéance {day(invoice.due_on)}")
    # The line: description, quantity, unit, unit price, VAT rate, net amount.
    assert text.has_row("Atelier de prévention (2 h) 2 heure 80,00 € 20 % 160,00 €")
    # Totals: excluding VAT, VAT by rate, including VAT.
    assert text.has_row("Total HT 160,00 €")
    assert text.has_row("TVA 20 % 32,00 €")
    assert text.has_row("Total TTC 192,00 €")
    # Payment: due date, terms, bank details, penalties, the indemnity, no discount.
    for expected in (
        f"À payer au plus tard le {day(invoice.due_on)} (30 jours après la date d'émission)",
        f"Référence à rappeler : {invoice.number}",
        "IBAN : FR7630006000011234567890189",
        "BIC : AGRIFRPP",
        "Pénalités de retard : taux annuel de 12 %, exigibles dès le lendemain de la date "
        "d'échéance.",
        "Indemnité forfaitaire pour frais de recouvrement : 40 € (Code de commerce, "
        "art. L441-10 et D441-5).",
        "Pas d'escompte pour paiement anticipé.",
        "Page 1 / 1",
    ):
        assert expected in text, expected
    # Nothing that does not apply.
    for absent in ("Brouillon", "Exonération", "débits", "crédit d'impôt", "Chorus"):
        assert absent not in text, absent


def test_a_single_day_of_service_prints_its_date(db, tmp_path):
    invoice = documents.plain_invoice()
    text = read(archived(invoice), tmp_path)
    assert f"Date de la prestation : le {day(invoice.service_start)}" in text


def test_amounts_and_rates_are_written_the_french_way(db, tmp_path):
    exempt = read(archived(documents.exempt_training_invoice()), tmp_path)
    assert "650,00 €" in exempt
    assert exempt.has_row("Total TTC 1 300,00 €")
    mixed = read(archived(documents.mixed_rates_invoice()), tmp_path)
    # Quantity 1,5; discount 12,5 %; rate 5,5 %.
    assert mixed.has_row(
        "Animation d'un atelier de prévention 1,5 jour 333,33 € 20 % 12,5 % 437,50 €"
    )
    assert mixed.has_row("Livrets de prévention 12 forfait 4,99 € 5,5 % 59,88 €")
    assert mixed.has_row("TVA 10 % 8,65 €")
    assert mixed.has_row("TVA 5,5 % 3,29 €")
    assert mixed.has_row("Total TTC 709,19 €")
    for english in ("1300.00", "1,300.00", "709.19", "5.5 %", "12.5"):
        assert english not in exempt.text + mixed.text


def test_vat_by_rate_is_detailed(db, tmp_path):
    text = read(archived(documents.mixed_rates_invoice()), tmp_path)
    assert "Détail de la TVA" in text
    assert text.has_row("Taux Base HT Montant TVA")
    assert text.has_row("20 % 459,10 € 91,82 €")
    assert text.has_row("10 % 86,45 € 8,65 €")
    assert text.has_row("5,5 % 59,88 € 3,29 €")
    assert text.has_row("Total HT 605,43 €")


def test_the_recovery_indemnity_is_for_businesses_only(db, tmp_path):
    business = read(archived(documents.plain_invoice()), tmp_path)
    assert "Indemnité forfaitaire pour frais de recouvrement : 40 €" in business
    person = read(archived(documents.individual_invoice()), tmp_path)
    assert "Indemnité forfaitaire" not in person
    assert "40 €" not in person
    # A private person has no SIREN: the only SIREN printed is the cooperative's.
    assert person.text.count("SIREN") == 1
    assert "Jeanne Petit 8 impasse des Lilas 69008 Lyon" in person
    # The penalties apply to everyone.
    assert "Pénalités de retard : taux annuel de 12 %" in person


def test_the_exemption_wording_is_printed_only_when_a_line_is_at_zero(db, tmp_path):
    exempt = read(archived(documents.exempt_training_invoice()), tmp_path)
    assert str(VatExemption.TRAINING.label) in exempt
    # (pdftotext reads the narrow "0 %" cell as "0%".)
    assert any(
        "(2 jours) 2 jour 650,00 € 0" in row and row.endswith("% 1 300,00 €") for row in exempt.rows
    )
    assert exempt.has_row("TVA 0 % 0,00 €")
    # A reason chosen but no line at 0 %: nothing to exempt, nothing printed.
    standard = documents.plain_invoice(vat_exemption=VatExemption.TRAINING)
    text = read(archived(standard), tmp_path)
    assert "Exonération" not in text


def test_the_reform_mentions(db, tmp_path):
    profile = CooperativeProfileFactory()
    profile.vat_on_debits = True
    profile.save()
    invoice = documents.mixed_rates_invoice()
    text = read(archived(invoice), tmp_path)
    assert "Nature de l'opération : Mixte (biens et services)" in text
    assert "Option pour le paiement de la TVA d'après les débits." in text
    assert f"SIREN {invoice.buyer['siren']}" in text
    # Without the option, no mention.
    profile.vat_on_debits = False
    profile.save()
    assert "débits" not in read(archived(documents.plain_invoice()), tmp_path)


def test_services_at_home_mention_the_tax_credit_when_the_cooperative_is_declared(db, tmp_path):
    declared = documents.individual_invoice(home_service=True, sap_declaration="SAP987654321")
    text = read(archived(declared), tmp_path)
    assert "ouvrent droit au crédit d'impôt prévu à l'article 199 sexdecies" in text
    assert "Déclaration SAP n° SAP987654321" in text
    # Not declared: no tax credit to promise.
    undeclared = documents.individual_invoice(home_service=True, sap_declaration="")
    assert "crédit d'impôt" not in read(archived(undeclared), tmp_path)
    # A business client has no tax credit for services at home.
    profile = CooperativeProfile.objects.get(pk=1)
    profile.sap_declaration = "SAP987654321"
    profile.save()
    business = documents.plain_invoice(home_service=True)
    assert "crédit d'impôt" not in read(archived(business), tmp_path)


def test_a_public_client_prints_its_chorus_codes(db, tmp_path):
    invoice = documents.public_invoice(purchase_order="BC-77")
    text = read(archived(invoice), tmp_path)
    assert "Mairie de Villeurbanne" in text
    assert f"SIRET {invoice.buyer['siret']}" in text
    assert "Chorus Pro — code service : SERV-PREVENTION" in text
    assert "N° d'engagement : EJ-2026-004512" in text
    assert "Bon de commande : BC-77" in text


def test_a_credit_note_names_the_invoice_it_cancels_and_why(db, tmp_path):
    invoice = documents.mixed_rates_invoice()
    note = documents.credit_note(invoice, quantities="first_line")
    text = read(archived(note), tmp_path)
    assert "Avoir" in text
    assert f"N° {note.number}" in text
    assert f"Avoir sur la facture N° {invoice.number} du {day(invoice.issued_on)}" in text
    assert "Motif : Une séance n'a pas eu lieu." in text
    assert text.has_row("Animation d'un atelier de prévention 1 jour 333,33 € 20 % 12,5 % 291,66 €")
    assert text.has_row("Total de l'avoir TTC 349,99 €")
    assert f"Montant à déduire de la facture N° {invoice.number}." in text
    # Not an invoice to pay: no bank details, no due date asked.
    assert "IBAN" not in text
    assert "À payer" not in text


# --- Frozen at issuance ------------------------------------------------------------------


def test_rerendering_an_old_invoice_prints_what_was_issued(db, tmp_path, django_assert_num_queries):
    invoice = documents.plain_invoice()
    member = invoice.entrepreneur
    old_name = member.full_name
    before = read(archived(invoice), tmp_path)

    profile = CooperativeProfile.objects.get(pk=1)
    profile.name = "Nouvelle Coopérative"
    profile.address = "1 avenue Nouvelle"
    profile.iban = "FR7612345000019876543210987"
    profile.late_penalty_rate = Decimal("15.00")
    profile.vat_on_debits = True
    profile.save()
    Client.objects.filter(pk=invoice.client_id).update(
        name="Autre client", address="99 rue Ailleurs", commune="Paris", postcode="75001"
    )
    member.first_name, member.last_name = "Nouveau", "Nom"
    member.save()

    fresh = Invoice.objects.get(pk=invoice.pk)
    # One query, for the lines: nothing live is read.
    with django_assert_num_queries(1):
        pdf = render_invoice_pdf(fresh)
    text = read(pdf, tmp_path)
    for old in (
        "Entrepairs Coopérative",
        "12 rue de la Coopération",
        "FR7630006000011234567890189",
        "taux annuel de 12 %",
        invoice.buyer["name"],
        "4 place de la République",
        f"Activité de {old_name}",
    ):
        assert old in text, old
    for new in ("Nouvelle Coopérative", "Autre client", "Ailleurs", "15 %", "débits", "Nouveau"):
        assert new not in text, new
    # Apart from the PDF's own timestamps, the same page.
    assert text == before


# --- Drafts, previews and quotes ---------------------------------------------------------


def test_a_draft_preview_says_it_is_a_draft_and_has_no_number(db, tmp_path):
    CooperativeProfileFactory()
    draft = draft_invoice()
    text = read(render_invoice_preview_pdf(draft), tmp_path)
    assert "Brouillon — sans valeur comptable" in text
    assert "N° attribué à l'émission" in text
    assert "FA-" not in text
    assert text.has_row("Total TTC 192,00 €")
    assert "À payer dans les 30 jours suivant la date d'émission" in text
    # Asked to be issued, still a draft on paper.
    billing.invoice_request_issue(actor=draft.entrepreneur.user, invoice=draft)
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.REQUESTED
    assert "Brouillon — sans valeur comptable" in read(render_invoice_preview_pdf(draft), tmp_path)


def test_a_long_draft_says_so_on_every_page(db, tmp_path):
    CooperativeProfileFactory()
    draft = draft_invoice(
        lines=[line(description=f"Séance {number} du groupe de parole") for number in range(60)]
    )
    pdf = render_invoice_preview_pdf(draft)
    pages = page_count(pdf)
    assert pages >= 2
    for page in range(1, pages + 1):
        text = read(pdf, tmp_path, page=page)
        assert "Brouillon — sans valeur comptable" in text
        assert f"Page {page} / {pages}" in text


def test_a_long_invoice_numbers_its_pages_with_the_legal_identity(db, tmp_path):
    invoice = documents.plain_invoice(
        lines=[
            line(description=f"Séance {number} — atelier de prévention en classe de 4e")
            for number in range(50)
        ]
    )
    pdf = archived(invoice)
    pages = page_count(pdf)
    assert pages >= 2
    for page in range(1, pages + 1):
        text = read(pdf, tmp_path, page=page)
        assert f"Page {page} / {pages}" in text
        if page > 1:
            assert text.text.startswith(f"Facture {invoice.number}")
        assert f"SIRET {invoice.seller['siret']}" in text
        assert "SCIC SAS à capital variable" in text
        # Where the table runs on, its heading is repeated.
        if "Séance" in text:
            assert text.has_row("Désignation Qté Unité Prix unit. HT TVA Montant HT")
    assert read(pdf, tmp_path).has_row("Total TTC 9 600,00 €")


def test_a_preview_renders_before_the_cooperative_is_described(db, tmp_path):
    draft = draft_invoice()
    assert CooperativeProfile.current() is None
    text = read(render_invoice_preview_pdf(draft), tmp_path)
    assert "Brouillon — sans valeur comptable" in text
    assert "Fiche de la coopérative à compléter" in text
    assert text.has_row("Total TTC 192,00 €")


def test_an_issued_invoice_is_not_previewed_and_a_draft_not_issued(db):
    invoice = documents.plain_invoice()
    with pytest.raises(ValueError):
        render_invoice_preview_pdf(invoice)
    with pytest.raises(ValueError):
        render_invoice_pdf(draft_invoice())


def test_the_logo_is_embedded_and_its_loss_does_not_break_a_reprint(db, tmp_path):
    profile = CooperativeProfileFactory()
    image = io.BytesIO()
    Image.new("RGB", (120, 40), (23, 74, 92)).save(image, format="PNG")
    profile.logo.save("logo.png", ContentFile(image.getvalue()))
    invoice = documents.plain_invoice()
    assert invoice.seller["logo"]
    reader = PdfReader(io.BytesIO(archived(invoice)))
    assert len(reader.pages[0].images) == 1
    # The file disappears: the invoice still prints, without it.
    profile.logo.storage.delete(invoice.seller["logo"])
    reprint = PdfReader(io.BytesIO(render_invoice_pdf(Invoice.objects.get(pk=invoice.pk))))
    assert len(reprint.pages[0].images) == 0


def test_a_quote_prints_its_validity_and_an_acceptance_box(db, tmp_path):
    CooperativeProfileFactory()
    quote = draft_quote(notes="Salle équipée d'un vidéoprojecteur.")
    quote.number = "DE-2026-00007"
    quote.sent_on = timezone.localdate()
    quote.save()
    text = read(render_quote_pdf(quote), tmp_path)
    for expected in (
        "Devis",
        "N° DE-2026-00007",
        f"Activité de {quote.entrepreneur.full_name} — entrepreneur·e salarié·e",
        "Objet : Cycle de trois ateliers",
        "Conditions particulières Salle équipée d'un vidéoprojecteur.",
        "Paiement par virement, à 30 jours à compter de la date de la facture.",
        "Bon pour accord",
        "SIREN 234500106",
    ):
        assert expected in text, expected
    assert "Projet de devis" not in text
    assert text.has_row(f"Date {day(quote.sent_on)}")
    assert text.has_row(f"Valable jusqu'au {day(quote.valid_until)}")
    assert text.has_row("Atelier de prévention (2 h) 2 heure 80,00 € 20 % 160,00 €")
    assert text.has_row("Total TTC 192,00 €")


def test_an_unsent_quote_is_marked_as_a_draft(db, tmp_path):
    CooperativeProfileFactory()
    quote = draft_quote(lines=[line(vat_rate=VatRate.ZERO)], vat_exemption=VatExemption.SOCIAL)
    text = read(render_quote_pdf(quote), tmp_path)
    assert "Projet de devis — pas encore envoyé" in text
    assert "N° attribué à l'envoi" in text
    assert str(VatExemption.SOCIAL.label) in text


def test_documents_are_french_whatever_the_language_asked(db, tmp_path):
    from django.utils import translation

    invoice = documents.plain_invoice()
    with translation.override("en"):
        text = read(render_invoice_pdf(Invoice.objects.get(pk=invoice.pk)), tmp_path)
    assert "Pénalités de retard" in text
    assert text.has_row("Total TTC 192,00 €")


def test_a_running_title_cannot_break_out_of_its_css_string():
    from coop.documents import _css_string

    escaped = _css_string('Facture "x" </style><script>')
    assert escaped.startswith('"') and escaped.endswith('"')
    assert '"' not in escaped[1:-1]
    assert "<" not in escaped and ">" not in escaped
    assert _css_string("Facture FA-2026-00001") == '"Facture FA-2026-00001"'
