"""The accounting journal of a period, written from the platform's records, as a French
FEC file (*Fichier des écritures comptables*, LPF art. A47 A-1) and as a CSV file.

The scheme, kept to the standard accounts of the French chart (PCG):

- VT, sales — an invoice: debit 411000 Clients (auxiliary account per client) by the
  total including VAT; credit 706000 Prestations de services by the total excluding VAT;
  credit 445710 TVA collectée by the tax of each rate. A credit note: the same, reversed.
- BQ, bank — a payment: debit 512000 Banque, credit 411000 (the reversal of a mistaken
  payment: the opposite). The reimbursement of an expense the entrepreneur advanced:
  debit 467000 (the entrepreneur's auxiliary account), credit 512000.
- OD, miscellaneous — the cooperative contribution, due on what clients pay (excluding
  VAT, at the rate frozen on the invoice): the revenue is the cooperative's as a whole,
  the contribution is its share of it, so the entry moves that share from 706000 to
  706100 Contribution coopérative (debit 706000, credit 706100). Total revenue stays what
  was invoiced, and 706000 keeps the entrepreneurs' part. The month's salary cost charged
  to an account (employer cost, one figure): debit 641000, credit 421000 (auxiliary
  account of the entrepreneur); it can be left out when the payroll software posts the
  payroll itself.
- AC, purchases — an account expense: debit 606000 (supplier invoice) or 625100 (expense
  report) by the amount excluding VAT and 445660 by the deductible VAT; credit 401000
  Fournisseurs (auxiliary account per supplier) when the cooperative pays, 467000 (the
  entrepreneur's auxiliary account) when the entrepreneur advanced it. A validated session
  expense (an amount including VAT, no VAT recovered): debit 625100, 625600, 606300 or
  628000 by kind, credit 467000.

Entries are dated by their event (issue, payment, expense, session) and numbered per
journal without gap in date order, within the file. Every entry balances: an entry that
would not is refused before it is written (ValueError), so no file is ever unbalanced.

The file is produced while it is sent: each source is read in chunks
(`.iterator(chunk_size=...)`) and the sources are merged by date, so that a year of a
large cooperative never sits in memory."""

import csv
import datetime
import heapq
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from activities.enums import ExpenseKind
from coop.enums import AccountExpenseKind, ExpensePaidBy, InvoiceKind, PaymentMethod
from coop.models import AccountExpense, Invoice
from coop.money import ZERO
from coop.treasury import (
    contribution_of,
    counted_payments,
    counted_session_expenses,
    payment_net_part,
    payment_sign,
)

# Rows read from the database at a time.
EXPORT_CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Account:
    number: str
    label: str


CLIENTS = Account("411000", "Clients")
REVENUE = Account("706000", "Prestations de services")
CONTRIBUTION = Account("706100", "Contribution coopérative")
VAT_COLLECTED = Account("445710", "TVA collectée")
VAT_DEDUCTIBLE = Account("445660", "TVA déductible sur autres biens et services")
BANK = Account("512000", "Banque")
SUPPLIERS = Account("401000", "Fournisseurs")
ENTREPRENEURS = Account("467000", "Entrepreneurs salariés - frais à rembourser")
STAFF_PAY = Account("421000", "Personnel - rémunérations dues")
SALARIES = Account("641000", "Rémunérations du personnel")
PURCHASES = Account("606000", "Achats non stockés de matières et fournitures")
TRAVEL = Account("625100", "Voyages et déplacements")
MISSIONS = Account("625600", "Missions")
SMALL_EQUIPMENT = Account("606300", "Fournitures d'entretien et de petit équipement")
SUNDRY = Account("628000", "Divers")

ACCOUNT_EXPENSE_ACCOUNTS = {
    AccountExpenseKind.SUPPLIER_INVOICE: PURCHASES,
    AccountExpenseKind.EXPENSE_REPORT: TRAVEL,
}
SESSION_EXPENSE_ACCOUNTS = {
    ExpenseKind.TRANSPORT: TRAVEL,
    ExpenseKind.MEALS: MISSIONS,
    ExpenseKind.MATERIALS: SMALL_EQUIPMENT,
    ExpenseKind.OTHER: SUNDRY,
}


@dataclass(frozen=True)
class Journal:
    code: str
    label: str
    order: int  # among entries of one day


SALES = Journal("VT", "Ventes", 0)
BANK_JOURNAL = Journal("BQ", "Banque", 1)
MISCELLANEOUS = Journal("OD", "Opérations diverses", 2)
PURCHASES_JOURNAL = Journal("AC", "Achats", 3)
JOURNALS = (SALES, BANK_JOURNAL, MISCELLANEOUS, PURCHASES_JOURNAL)


@dataclass(frozen=True)
class EntryLine:
    account: Account
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    aux_number: str = ""
    aux_label: str = ""


@dataclass(frozen=True)
class Entry:
    """One balanced accounting entry."""

    journal: Journal
    date: datetime.date
    piece_ref: str
    piece_date: datetime.date
    label: str
    lines: tuple[EntryLine, ...]
    valid_date: datetime.date
    source: int = 0  # orders entries of one journal and day

    def __post_init__(self):
        debit = sum((line.debit for line in self.lines), ZERO)
        credit = sum((line.credit for line in self.lines), ZERO)
        if debit != credit or len(self.lines) < 2:
            raise ValueError(f"Unbalanced entry {self.piece_ref}: {debit} ≠ {credit}")

    @property
    def sort_key(self):
        return (self.date, self.journal.order, self.source)


def _debit_credit(account: Account, amount: Decimal, **aux) -> EntryLine:
    """A line on the debit side for a positive amount, on the credit side otherwise."""
    if amount >= 0:
        return EntryLine(account, debit=amount, **aux)
    return EntryLine(account, credit=-amount, **aux)


def _opposite(line: EntryLine) -> EntryLine:
    return EntryLine(line.account, line.credit, line.debit, line.aux_number, line.aux_label)


def _entry(journal, *, date, piece_ref, piece_date, label, lines, valid_date, source, reverse):
    lines = tuple(
        _opposite(line) if reverse else line for line in lines if line.debit or line.credit
    )
    return Entry(journal, date, piece_ref, piece_date, label, lines, valid_date, source)


def french_labels(choices) -> dict[str, str]:
    """The labels of an enumeration in French: the journal is a French legal record,
    whatever the language of the person who downloads it."""
    with translation.override("fr"):
        return {value: str(label) for value, label in choices.choices}


def percent(rate: Decimal) -> str:
    """20.00 → "20 %", 5.50 → "5,5 %" (a no-break space would not survive ISO 8859-15's
    stand-ins; a plain one is used)."""
    text = f"{rate.normalize():f}".replace(".", ",")
    return f"{text} %"


def _local_day(moment: datetime.datetime | None, fallback: datetime.date) -> datetime.date:
    return timezone.localdate(moment) if moment else fallback


def client_aux(client_id: int, name: str) -> dict:
    return {"aux_number": f"C{client_id:06d}", "aux_label": name}


def entrepreneur_aux(member) -> dict:
    return {"aux_number": f"E{member.pk:06d}", "aux_label": member.full_name}


def supplier_aux(name: str) -> dict:
    code = slugify(name).replace("-", "").upper()[:16]
    if not code:
        return {"aux_number": "FDIVERS", "aux_label": "Fournisseurs divers"}
    return {"aux_number": "F" + code, "aux_label": name}


# --- the journals ----------------------------------------------------------------------


def sales_entries(start: datetime.date, end: datetime.date) -> Iterator[Entry]:
    invoices = (
        Invoice.objects.issued()
        .filter(issued_on__gte=start, issued_on__lte=end)
        .select_related("entrepreneur")
        .order_by("issued_on", "pk")
    )
    for invoice in invoices.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        if not invoice.gross:
            continue
        buyer = invoice.buyer.get("name", "")
        kind = "Avoir" if invoice.kind == InvoiceKind.CREDIT_NOTE else "Facture"
        lines = [
            EntryLine(CLIENTS, debit=invoice.gross, **client_aux(invoice.client_id, buyer)),
            EntryLine(REVENUE, credit=invoice.net),
        ]
        for group in invoice.vat_breakdown:
            tax = Decimal(group["tax"])
            if tax:
                label = f"{VAT_COLLECTED.label} {percent(Decimal(group['rate']))}"
                lines.append(EntryLine(Account(VAT_COLLECTED.number, label), credit=tax))
        yield _entry(
            SALES,
            date=invoice.issued_on,
            piece_ref=invoice.number,
            piece_date=invoice.issued_on,
            label=f"{kind} {invoice.number} {buyer} - {invoice.entrepreneur.full_name}",
            lines=lines,
            valid_date=_local_day(invoice.issued_at, invoice.issued_on),
            source=invoice.pk,
            reverse=invoice.kind == InvoiceKind.CREDIT_NOTE,
        )


def _payments(start: datetime.date, end: datetime.date):
    return (
        counted_payments()
        .filter(paid_on__gte=start, paid_on__lte=end)
        .select_related("invoice__entrepreneur")
        .order_by("paid_on", "pk")
    )


def payment_entries(start: datetime.date, end: datetime.date) -> Iterator[Entry]:
    methods = french_labels(PaymentMethod)
    for payment in _payments(start, end).iterator(chunk_size=EXPORT_CHUNK_SIZE):
        invoice = payment.invoice
        received = payment.amount * payment_sign(invoice.kind)
        if payment.reverses_id:
            label = f"Annulation du règlement {invoice.number}"
        else:
            label = f"Règlement {invoice.number} ({methods.get(payment.method, payment.method)})"
        if payment.reference:
            label += f" {payment.reference}"
        client = client_aux(invoice.client_id, invoice.buyer.get("name", ""))
        yield _entry(
            BANK_JOURNAL,
            date=payment.paid_on,
            piece_ref=invoice.number,
            piece_date=payment.paid_on,
            label=label,
            lines=[
                _debit_credit(BANK, received),
                _opposite(_debit_credit(CLIENTS, received, **client)),
            ],
            valid_date=_local_day(payment.recorded_at, payment.paid_on),
            source=payment.pk,
            reverse=False,
        )


def contribution_entries(start: datetime.date, end: datetime.date) -> Iterator[Entry]:
    for payment in _payments(start, end).iterator(chunk_size=EXPORT_CHUNK_SIZE):
        invoice = payment.invoice
        net_part = payment_net_part(payment.amount, invoice.net, invoice.gross)
        contribution = contribution_of(net_part, invoice.contribution_rate)
        contribution *= payment_sign(invoice.kind)
        if not contribution:
            continue
        yield _entry(
            MISCELLANEOUS,
            date=payment.paid_on,
            piece_ref=invoice.number,
            piece_date=payment.paid_on,
            label=(
                f"Contribution coopérative {percent(invoice.contribution_rate or ZERO)} "
                f"sur règlement {invoice.number} - {invoice.entrepreneur.full_name}"
            ),
            lines=[
                _debit_credit(REVENUE, contribution),
                _opposite(_debit_credit(CONTRIBUTION, contribution)),
            ],
            valid_date=_local_day(payment.recorded_at, payment.paid_on),
            source=payment.pk,
            reverse=False,
        )


def _expense_piece(expense: AccountExpense) -> str:
    return expense.supplier_reference or f"DEP{expense.pk}"


def account_expense_entries(
    start: datetime.date, end: datetime.date, *, include_salaries: bool
) -> Iterator[Entry]:
    expenses = (
        AccountExpense.objects.filter(spent_on__gte=start, spent_on__lte=end)
        .select_related("entrepreneur")
        .order_by("spent_on", "pk")
    )
    if not include_salaries:
        expenses = expenses.exclude(kind=AccountExpenseKind.SALARY)
    for expense in expenses.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        member = expense.entrepreneur
        label = f"{expense.description} - {member.full_name}"
        common = {
            "date": expense.spent_on,
            "piece_ref": _expense_piece(expense),
            "piece_date": expense.spent_on,
            "valid_date": _local_day(expense.recorded_at, expense.spent_on),
            "source": expense.pk,
            "reverse": False,
        }
        if expense.kind == AccountExpenseKind.SALARY:
            yield _entry(
                MISCELLANEOUS,
                label=label,
                lines=[
                    EntryLine(SALARIES, debit=expense.net),
                    EntryLine(STAFF_PAY, credit=expense.net, **entrepreneur_aux(member)),
                ],
                **common,
            )
            continue
        if expense.paid_by == ExpensePaidBy.ENTREPRENEUR:
            payable = EntryLine(ENTREPRENEURS, credit=expense.gross, **entrepreneur_aux(member))
        else:
            payable = EntryLine(SUPPLIERS, credit=expense.gross, **supplier_aux(expense.supplier))
            if expense.supplier:
                label = f"{expense.supplier} - {label}"
        yield _entry(
            PURCHASES_JOURNAL,
            label=label,
            lines=[
                EntryLine(ACCOUNT_EXPENSE_ACCOUNTS[expense.kind], debit=expense.net),
                EntryLine(VAT_DEDUCTIBLE, debit=expense.vat),
                payable,
            ],
            **common,
        )


def reimbursement_entries(start: datetime.date, end: datetime.date) -> Iterator[Entry]:
    expenses = (
        AccountExpense.objects.filter(
            paid_by=ExpensePaidBy.ENTREPRENEUR, reimbursed_on__gte=start, reimbursed_on__lte=end
        )
        .select_related("entrepreneur")
        .order_by("reimbursed_on", "pk")
    )
    for expense in expenses.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        member = expense.entrepreneur
        yield _entry(
            BANK_JOURNAL,
            date=expense.reimbursed_on,
            piece_ref=_expense_piece(expense),
            piece_date=expense.spent_on,
            label=f"Remboursement : {expense.description} - {member.full_name}",
            lines=[
                EntryLine(ENTREPRENEURS, debit=expense.gross, **entrepreneur_aux(member)),
                EntryLine(BANK, credit=expense.gross),
            ],
            valid_date=expense.reimbursed_on,
            source=expense.pk,
            reverse=False,
        )


def session_expense_entries(start: datetime.date, end: datetime.date) -> Iterator[Entry]:
    expenses = (
        counted_session_expenses()
        .filter(session__date__gte=start, session__date__lte=end)
        .select_related("session__entrepreneur")
        .order_by("session__date", "pk")
    )
    kinds = french_labels(ExpenseKind)
    for expense in expenses.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        session = expense.session
        member = session.entrepreneur
        yield _entry(
            PURCHASES_JOURNAL,
            date=session.date,
            piece_ref=f"FRS{expense.pk}",
            piece_date=session.date,
            label=(
                f"Frais de séance du {session.date:%d/%m/%Y} : "
                f"{kinds.get(expense.kind, expense.kind)} - {member.full_name}"
            ),
            lines=[
                EntryLine(SESSION_EXPENSE_ACCOUNTS[expense.kind], debit=expense.amount),
                EntryLine(ENTREPRENEURS, credit=expense.amount, **entrepreneur_aux(member)),
            ],
            valid_date=_local_day(session.reviewed_at, session.date),
            # After the account expenses of the same day.
            source=10**12 + expense.pk,
            reverse=False,
        )


@dataclass(frozen=True)
class NumberedEntry:
    number: str
    entry: Entry


def journal_entries(
    start: datetime.date, end: datetime.date, *, include_salaries: bool = True
) -> Iterator[NumberedEntry]:
    """Every entry of the period, in date order, numbered per journal (VT000001, …)."""
    sources = [
        sales_entries(start, end),
        payment_entries(start, end),
        reimbursement_entries(start, end),
        contribution_entries(start, end),
        account_expense_entries(start, end, include_salaries=include_salaries),
        session_expense_entries(start, end),
    ]
    counters = {journal.code: 0 for journal in JOURNALS}
    for entry in heapq.merge(*sources, key=lambda entry: entry.sort_key):
        counters[entry.journal.code] += 1
        yield NumberedEntry(f"{entry.journal.code}{counters[entry.journal.code]:06d}", entry)


# --- the files -------------------------------------------------------------------------

# The 18 columns of LPF art. A47 A-1, in their order.
FEC_COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)

# Characters the FEC's ISO 8859-15 cannot hold, and what stands for them.
_LATIN9_STAND_INS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u202f": " ",
        "\xa0": " ",
    }
)


def fec_text(value: str) -> str:
    """A field of the flat file: one line, no tab, and only characters of ISO 8859-15
    (accents are kept; anything else becomes its unaccented form or "?")."""
    text = " ".join(str(value).split()).translate(_LATIN9_STAND_INS)
    try:
        text.encode("iso-8859-15")
        return text
    except UnicodeEncodeError:
        pass
    kept = []
    for char in text:
        try:
            char.encode("iso-8859-15")
            kept.append(char)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            kept.append(plain or "?")
    return "".join(kept)


def fec_amount(amount: Decimal) -> str:
    """1234.5 → "1234,50": no thousands separator, a comma before the cents."""
    return f"{amount:.2f}".replace(".", ",")


def fec_date(day: datetime.date | None) -> str:
    return day.strftime("%Y%m%d") if day else ""


def entry_rows(entries: Iterable[NumberedEntry]) -> Iterator[tuple[NumberedEntry, EntryLine]]:
    for numbered in entries:
        for line in numbered.entry.lines:
            yield numbered, line


def fec_rows(entries: Iterable[NumberedEntry]) -> Iterator[list[str]]:
    """The 18 fields of each line of each entry."""
    for numbered, line in entry_rows(entries):
        entry = numbered.entry
        yield [
            entry.journal.code,
            fec_text(entry.journal.label),
            numbered.number,
            fec_date(entry.date),
            line.account.number,
            fec_text(line.account.label),
            line.aux_number,
            fec_text(line.aux_label),
            fec_text(entry.piece_ref),
            fec_date(entry.piece_date),
            fec_text(entry.label),
            fec_amount(line.debit),
            fec_amount(line.credit),
            "",
            "",
            fec_date(entry.valid_date),
            "",
            "",
        ]


def fec_file_name(siren: str, end: datetime.date) -> str:
    """`<SIREN>FEC<YYYYMMDD>.txt`, the date being the end of the period (A47 A-1)."""
    return f"{siren}FEC{end:%Y%m%d}.txt"


def fec_lines(entries: Iterable[NumberedEntry]) -> Iterator[bytes]:
    """The FEC file, line by line: a header, tab-separated fields, CR LF, ISO 8859-15."""
    yield ("\t".join(FEC_COLUMNS) + "\r\n").encode("iso-8859-15")
    for row in fec_rows(entries):
        yield ("\t".join(row) + "\r\n").encode("iso-8859-15")


# A cell starting with one of these is a formula for a spreadsheet: it is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object that hands back what is written, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_header() -> list[str]:
    """The CSV's column titles, in the language of the person downloading (call it while
    the request's language is active: the file is written after the view returns)."""
    return [
        _("Journal"),
        _("Libellé du journal"),
        _("N° d'écriture"),
        _("Date"),
        _("Compte"),
        _("Libellé du compte"),
        _("Compte auxiliaire"),
        _("Libellé du compte auxiliaire"),
        _("Pièce"),
        _("Date de la pièce"),
        _("Libellé"),
        _("Débit"),
        _("Crédit"),
        _("Date de validation"),
    ]


def _french_date(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def csv_lines(entries: Iterable[NumberedEntry], header: list[str]) -> Iterator[str]:
    """The same lines for a spreadsheet: `;`-separated, UTF-8 with a byte order mark (so
    that a French Excel reads the accents), dates dd/mm/yyyy, amounts with a comma."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([_cell(str(title)) for title in header])
    for numbered, line in entry_rows(entries):
        entry = numbered.entry
        yield writer.writerow(
            [
                entry.journal.code,
                entry.journal.label,
                numbered.number,
                _french_date(entry.date),
                line.account.number,
                _cell(line.account.label),
                _cell(line.aux_number),
                _cell(line.aux_label),
                _cell(entry.piece_ref),
                _french_date(entry.piece_date),
                _cell(entry.label),
                fec_amount(line.debit),
                fec_amount(line.credit),
                _french_date(entry.valid_date),
            ]
        )
