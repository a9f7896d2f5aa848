"""The structured half of a Factur-X invoice: the Cross Industry Invoice XML, profile
EN 16931, that the cooperative's PDF/A-3 invoices and credit notes carry.

It is built only from what the invoice froze when it was issued (number, dates, seller,
buyer, VAT breakdown, terms, lines), like the printed half, so the two always say the
same thing. Identifiers follow the French use of EN 16931: the SIREN is the legal
registration (ISO 6523 scheme 0002), the SIRET the party's identifier (scheme 0009), and
the electronic address of a company is its SIREN in the French directory (scheme 0225).
Public buyers are addressed through Chorus Pro: their service code is the buyer
reference (BT-10) and the commitment number the purchase order (BT-13)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from lxml import etree

from coop.billing import RECOVERY_INDEMNITY
from coop.enums import InvoiceKind, SupplyNature, Unit, VatExemption
from coop.money import NO_BREAK_SPACE, ZERO, format_euros, to_cents

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "qdt": QDT, "ram": RAM, "udt": UDT}

EN16931_GUIDELINE = "urn:cen.eu:en16931:2017"
CURRENCY = "EUR"
COUNTRY = "FR"

# UNTDID 1001: commercial invoice, credit note.
TYPE_CODES = {InvoiceKind.INVOICE: "380", InvoiceKind.CREDIT_NOTE: "381"}
# UNTDID 4461: SEPA credit transfer.
SEPA_CREDIT_TRANSFER = "58"
# ISO 6523 identification schemes used in France.
SCHEME_SIREN = "0002"
SCHEME_SIRET = "0009"
SCHEME_FRENCH_DIRECTORY = "0225"
SCHEME_EMAIL = "EM"
# The invoicing framework of the French reform (BT-23): a plain invoice of goods, of
# services, or of both.
BUSINESS_PROCESS = {
    SupplyNature.GOODS: "B1",
    SupplyNature.SERVICES: "S1",
    SupplyNature.MIXED: "M1",
}
# UNTDID 2475 (BT-8): VAT is due on the invoice date when the cooperative opted for VAT
# on debits, else on payment, the French rule for services.
VAT_DUE_ON_INVOICE_DATE = "5"
VAT_DUE_ON_PAYMENT = "72"

VAT_CATEGORY_STANDARD = "S"
VAT_CATEGORY_EXEMPT = "E"


def _qualified(tag: str) -> str:
    prefix, name = tag.split(":")
    return f"{{{NSMAP[prefix]}}}{name}"


def _sub(parent, tag: str, text: str | None = None, **attributes) -> etree._Element:
    element = etree.SubElement(parent, _qualified(tag), attributes)
    if text is not None:
        element.text = text
    return element


def _amount(value) -> str:
    return f"{to_cents(Decimal(value)):.2f}"


def _decimal(value, places: int = 2) -> str:
    return f"{Decimal(value):.{places}f}"


def _day(day: date) -> str:
    return day.strftime("%Y%m%d")


def _date_time(parent, tag: str, day: date, *, qualified: bool = False) -> None:
    holder = _sub(parent, tag)
    _sub(
        holder, "qdt:DateTimeString" if qualified else "udt:DateTimeString", _day(day), format="102"
    )


def _note(parent, content: str, subject: str | None = None) -> None:
    note = _sub(parent, "ram:IncludedNote")
    _sub(note, "ram:Content", content)
    if subject:
        _sub(note, "ram:SubjectCode", subject)


def _address(parent, party: dict) -> None:
    address = _sub(parent, "ram:PostalTradeAddress")
    if party.get("postcode"):
        _sub(address, "ram:PostcodeCode", party["postcode"])
    if party.get("address"):
        _sub(address, "ram:LineOne", party["address"])
    if party.get("commune"):
        _sub(address, "ram:CityName", party["commune"])
    _sub(address, "ram:CountryID", COUNTRY)


def _seller(agreement, seller: dict) -> None:
    party = _sub(agreement, "ram:SellerTradeParty")
    if seller.get("siret"):
        _sub(party, "ram:GlobalID", seller["siret"], schemeID=SCHEME_SIRET)
    _sub(party, "ram:Name", seller["name"])
    _sub(party, "ram:Description", seller_legal_information(seller))
    legal = _sub(party, "ram:SpecifiedLegalOrganization")
    _sub(legal, "ram:ID", seller["siren"], schemeID=SCHEME_SIREN)
    if seller.get("email") or seller.get("phone"):
        contact = _sub(party, "ram:DefinedTradeContact")
        if seller.get("phone"):
            phone = _sub(contact, "ram:TelephoneUniversalCommunication")
            _sub(phone, "ram:CompleteNumber", seller["phone"])
        if seller.get("email"):
            email = _sub(contact, "ram:EmailURIUniversalCommunication")
            _sub(email, "ram:URIID", seller["email"])
    _address(party, seller)
    endpoint = _sub(party, "ram:URIUniversalCommunication")
    _sub(endpoint, "ram:URIID", seller["siren"], schemeID=SCHEME_FRENCH_DIRECTORY)
    tax = _sub(party, "ram:SpecifiedTaxRegistration")
    _sub(tax, "ram:ID", seller["vat_number"], schemeID="VA")


def _buyer(agreement, buyer: dict) -> None:
    party = _sub(agreement, "ram:BuyerTradeParty")
    if buyer.get("siret"):
        _sub(party, "ram:GlobalID", buyer["siret"], schemeID=SCHEME_SIRET)
    _sub(party, "ram:Name", buyer["name"])
    if buyer.get("siren"):
        legal = _sub(party, "ram:SpecifiedLegalOrganization")
        _sub(legal, "ram:ID", buyer["siren"], schemeID=SCHEME_SIREN)
    _address(party, buyer)
    if buyer.get("siren"):
        endpoint = _sub(party, "ram:URIUniversalCommunication")
        _sub(endpoint, "ram:URIID", buyer["siren"], schemeID=SCHEME_FRENCH_DIRECTORY)
    elif buyer.get("email"):
        endpoint = _sub(party, "ram:URIUniversalCommunication")
        _sub(endpoint, "ram:URIID", buyer["email"], schemeID=SCHEME_EMAIL)


def _vat_category(rate: Decimal) -> str:
    return VAT_CATEGORY_EXEMPT if rate == 0 else VAT_CATEGORY_STANDARD


def _exemption(invoice) -> VatExemption:
    if not invoice.vat_exemption:
        raise ValueError(f"{invoice.number}: a 0 % line needs the VAT exemption reason.")
    return VatExemption(invoice.vat_exemption)


def _line(transaction_element, position: int, line) -> None:
    item = _sub(transaction_element, "ram:IncludedSupplyChainTradeLineItem")
    document = _sub(item, "ram:AssociatedDocumentLineDocument")
    _sub(document, "ram:LineID", str(position))
    product = _sub(item, "ram:SpecifiedTradeProduct")
    _sub(product, "ram:Name", line.description)
    agreement = _sub(item, "ram:SpecifiedLineTradeAgreement")
    price = _sub(agreement, "ram:NetPriceProductTradePrice")
    _sub(price, "ram:ChargeAmount", _decimal(line.unit_price))
    delivery = _sub(item, "ram:SpecifiedLineTradeDelivery")
    _sub(delivery, "ram:BilledQuantity", _decimal(line.quantity), unitCode=Unit(line.unit).value)
    settlement = _sub(item, "ram:SpecifiedLineTradeSettlement")
    rate = Decimal(line.vat_rate)
    tax = _sub(settlement, "ram:ApplicableTradeTax")
    _sub(tax, "ram:TypeCode", "VAT")
    _sub(tax, "ram:CategoryCode", _vat_category(rate))
    _sub(tax, "ram:RateApplicablePercent", _decimal(rate))
    # The discount is a line allowance on quantity × price, so that the line's net amount
    # is exactly the one printed: gross (rounded) less the allowance.
    gross = to_cents(line.quantity * line.unit_price)
    if line.discount_percent and gross != line.net:
        allowance = _sub(settlement, "ram:SpecifiedTradeAllowanceCharge")
        indicator = _sub(allowance, "ram:ChargeIndicator")
        _sub(indicator, "udt:Indicator", "false")
        _sub(allowance, "ram:CalculationPercent", _decimal(line.discount_percent))
        _sub(allowance, "ram:BasisAmount", _amount(gross))
        _sub(allowance, "ram:ActualAmount", _amount(gross - line.net))
        # UNTDID 5189, 95: discount.
        _sub(allowance, "ram:ReasonCode", "95")
        _sub(allowance, "ram:Reason", _("Remise"))
    summation = _sub(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _sub(summation, "ram:LineTotalAmount", _amount(line.net))


def _vat_due_code(invoice) -> str | None:
    if invoice.vat_on_debits:
        return VAT_DUE_ON_INVOICE_DATE
    if invoice.nature == SupplyNature.SERVICES:
        return VAT_DUE_ON_PAYMENT
    return None


def _header_taxes(settlement, invoice) -> None:
    due_code = _vat_due_code(invoice)
    for group in invoice.vat_breakdown:
        rate = Decimal(group["rate"])
        tax = _sub(settlement, "ram:ApplicableTradeTax")
        _sub(tax, "ram:CalculatedAmount", _amount(group["tax"]))
        _sub(tax, "ram:TypeCode", "VAT")
        exemption = _exemption(invoice) if rate == 0 else None
        if exemption is not None:
            _sub(tax, "ram:ExemptionReason", str(exemption.label))
        _sub(tax, "ram:BasisAmount", _amount(group["base"]))
        _sub(tax, "ram:CategoryCode", _vat_category(rate))
        if exemption is not None:
            _sub(tax, "ram:ExemptionReasonCode", exemption.vatex_code)
        if due_code and exemption is None:
            _sub(tax, "ram:DueDateTypeCode", due_code)
        _sub(tax, "ram:RateApplicablePercent", _decimal(rate))


@dataclass(frozen=True)
class Mentions:
    """The legal wording both halves of a document carry, the printed page and the XML
    (as coded notes): empty when it does not apply."""

    late_penalties: str
    recovery_indemnity: str
    no_discount: str
    vat_on_debits: str
    tax_credit: str


def percent_text(rate) -> str:
    """`12 %`, `5,5 %`: a rate the French way, without useless zeros."""
    text = f"{Decimal(rate):.2f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')}{NO_BREAK_SPACE}%"


def euros_whole(amount: Decimal) -> str:
    """`40 €`: a flat legal amount, written without cents when it has none."""
    text = format_euros(amount)
    return text.replace(f",00{NO_BREAK_SPACE}€", f"{NO_BREAK_SPACE}€")


def seller_legal_information(seller: dict) -> str:
    """The seller's legal form and capital, registration and trade code, as printed
    (BT-33): `SCIC SAS à capital variable, capital minimum 15 000,00 € — RCS Lyon`."""
    capital = format_euros(Decimal(seller.get("share_capital") or "0"))
    values = {"form": seller.get("legal_form", ""), "capital": capital}
    if seller.get("variable_capital"):
        form = _("%(form)s à capital variable, capital minimum %(capital)s") % values
    else:
        form = _("%(form)s au capital de %(capital)s") % values
    parts = [form.strip()]
    if seller.get("rcs"):
        parts.append(seller["rcs"])
    if seller.get("ape_code"):
        parts.append(_("APE %(code)s") % {"code": seller["ape_code"]})
    return " — ".join(parts)


def mentions(
    *,
    late_penalty_rate: Decimal | None,
    is_business: bool,
    vat_on_debits: bool,
    home_service: bool,
    sap_declaration: str,
) -> Mentions:
    """What French law makes an invoice say about being paid late (Code de commerce
    L441-9 and L441-10: penalty rate, the 40 € indemnity owed by business clients only,
    discount terms) and about its VAT and tax credit."""
    late_penalties = ""
    if late_penalty_rate is not None:
        late_penalties = _(
            "Pénalités de retard : taux annuel de %(rate)s, exigibles dès le lendemain de "
            "la date d'échéance."
        ) % {"rate": percent_text(late_penalty_rate)}
    recovery_indemnity = ""
    if is_business:
        recovery_indemnity = _(
            "Indemnité forfaitaire pour frais de recouvrement : %(amount)s "
            "(Code de commerce, art. L441-10 et D441-5)."
        ) % {"amount": euros_whole(RECOVERY_INDEMNITY)}
    tax_credit = ""
    # Services at home to a private person, by a cooperative declared for *services à la
    # personne*, open the client's right to the tax credit (CGI art. 199 sexdecies).
    if home_service and not is_business and sap_declaration:
        tax_credit = _(
            "Services à la personne : les sommes versées pour cette prestation ouvrent droit "
            "au crédit d'impôt prévu à l'article 199 sexdecies du Code général des impôts, "
            "dans les conditions fixées par cet article. Déclaration SAP n° %(number)s."
        ) % {"number": sap_declaration}
    return Mentions(
        late_penalties=late_penalties,
        recovery_indemnity=recovery_indemnity,
        no_discount=_("Pas d'escompte pour paiement anticipé."),
        vat_on_debits=_("Option pour le paiement de la TVA d'après les débits.")
        if vat_on_debits
        else "",
        tax_credit=tax_credit,
    )


def invoice_mentions(invoice) -> Mentions:
    """The mentions of an issued invoice, from what it froze."""
    return mentions(
        late_penalty_rate=invoice.late_penalty_rate,
        is_business=bool(invoice.buyer.get("is_business")),
        vat_on_debits=invoice.vat_on_debits,
        home_service=invoice.home_service,
        sap_declaration=invoice.seller.get("sap_declaration", ""),
    )


def _notes(invoice) -> list[tuple[str, str]]:
    """The free-text notes (BG-1) with their UNTDID 4451 subject: the payment terms the
    French reform wants in the data (penalties PMD, recovery indemnity PMT, discount AAB)
    and the regulatory mentions (REG)."""
    found = invoice_mentions(invoice)
    notes = []
    if invoice.is_credit_note and invoice.reason:
        notes.append((_("Motif de l'avoir : %(reason)s") % {"reason": invoice.reason}, "AAI"))
    for text, subject in (
        (found.late_penalties, "PMD"),
        (found.recovery_indemnity, "PMT"),
        (found.no_discount, "AAB"),
        (found.vat_on_debits, "REG"),
        (found.tax_credit, "REG"),
    ):
        if text:
            notes.append((text, subject))
    return notes


def facturx_xml(invoice, lines=None) -> bytes:
    """The EN 16931 CII XML of an invoice or credit note being issued or already issued:
    number, dates, frozen seller and buyer, lines, VAT breakdown and terms. `lines`, when
    the caller already has them, saves a query."""
    if not (invoice.number and invoice.issued_on and invoice.seller and invoice.buyer):
        raise ValueError("Only an invoice being issued (numbered, details frozen) has its XML.")
    lines = list(invoice.lines.all()) if lines is None else list(lines)
    with translation.override("fr"):
        root = _invoice_element(invoice, lines)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _invoice_element(invoice, lines) -> etree._Element:
    seller, buyer = invoice.seller, invoice.buyer
    credited = invoice.credited_invoice if invoice.is_credit_note else None

    root = etree.Element(_qualified("rsm:CrossIndustryInvoice"), nsmap=NSMAP)
    context = _sub(root, "rsm:ExchangedDocumentContext")
    process = _sub(context, "ram:BusinessProcessSpecifiedDocumentContextParameter")
    _sub(process, "ram:ID", BUSINESS_PROCESS[SupplyNature(invoice.nature)])
    guideline = _sub(context, "ram:GuidelineSpecifiedDocumentContextParameter")
    _sub(guideline, "ram:ID", EN16931_GUIDELINE)

    document = _sub(root, "rsm:ExchangedDocument")
    _sub(document, "ram:ID", invoice.number)
    _sub(document, "ram:TypeCode", TYPE_CODES[InvoiceKind(invoice.kind)])
    _date_time(document, "ram:IssueDateTime", invoice.issued_on)
    for content, subject in _notes(invoice):
        _note(document, content, subject)

    trade = _sub(root, "rsm:SupplyChainTradeTransaction")
    for position, line in enumerate(lines, start=1):
        _line(trade, position, line)

    agreement = _sub(trade, "ram:ApplicableHeaderTradeAgreement")
    if buyer.get("is_public") and invoice.chorus_service_code:
        _sub(agreement, "ram:BuyerReference", invoice.chorus_service_code)
    _seller(agreement, seller)
    _buyer(agreement, buyer)
    # Chorus Pro matches an invoice to its public buyer's commitment through BT-13.
    order = (invoice.chorus_commitment if buyer.get("is_public") else "") or invoice.purchase_order
    if order:
        reference = _sub(agreement, "ram:BuyerOrderReferencedDocument")
        _sub(reference, "ram:IssuerAssignedID", order)

    delivery = _sub(trade, "ram:ApplicableHeaderTradeDelivery")
    start = invoice.service_start
    end = invoice.service_end or start
    if start and start == end:
        event = _sub(delivery, "ram:ActualDeliverySupplyChainEvent")
        _date_time(event, "ram:OccurrenceDateTime", start)

    settlement = _sub(trade, "ram:ApplicableHeaderTradeSettlement")
    _sub(settlement, "ram:PaymentReference", invoice.number)
    _sub(settlement, "ram:InvoiceCurrencyCode", CURRENCY)
    # The client pays an invoice to the cooperative's account; a credit note is deducted.
    if credited is None and seller.get("iban"):
        means = _sub(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _sub(means, "ram:TypeCode", SEPA_CREDIT_TRANSFER)
        _sub(means, "ram:Information", _("Virement SEPA"))
        account = _sub(means, "ram:PayeePartyCreditorFinancialAccount")
        _sub(account, "ram:IBANID", seller["iban"].replace(" ", ""))
        if seller.get("bic"):
            institution = _sub(means, "ram:PayeeSpecifiedCreditorFinancialInstitution")
            _sub(institution, "ram:BICID", seller["bic"])
    _header_taxes(settlement, invoice)
    if start and end and start != end:
        period = _sub(settlement, "ram:BillingSpecifiedPeriod")
        _date_time(period, "ram:StartDateTime", start)
        _date_time(period, "ram:EndDateTime", end)
    terms = _sub(settlement, "ram:SpecifiedTradePaymentTerms")
    _sub(terms, "ram:Description", payment_terms_text(invoice, credited))
    _date_time(terms, "ram:DueDateDateTime", invoice.due_on)
    summation = _sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _sub(summation, "ram:LineTotalAmount", _amount(sum((line.net for line in lines), ZERO)))
    _sub(summation, "ram:TaxBasisTotalAmount", _amount(invoice.net))
    _sub(summation, "ram:TaxTotalAmount", _amount(invoice.vat), currencyID=CURRENCY)
    _sub(summation, "ram:GrandTotalAmount", _amount(invoice.gross))
    _sub(summation, "ram:DuePayableAmount", _amount(invoice.gross))
    if credited is not None:
        reference = _sub(settlement, "ram:InvoiceReferencedDocument")
        _sub(reference, "ram:IssuerAssignedID", credited.number)
        _date_time(reference, "ram:FormattedIssueDateTime", credited.issued_on, qualified=True)
    return root


def payment_terms_text(invoice, credited=None) -> str:
    if credited is not None:
        return _("Avoir à déduire de la facture %(number)s.") % {"number": credited.number}
    return _("Paiement à %(days)s jours par virement, au plus tard le %(day)s.") % {
        "days": invoice.payment_terms_days,
        "day": invoice.due_on.strftime("%d/%m/%Y"),
    }
