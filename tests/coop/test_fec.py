"""The accounting journal (coop.accounting): entries checked by hand, balanced one by one
and in total, the 18 FEC columns and their formats, the CSV for spreadsheets."""

import datetime
import re
from collections import defaultdict
from decimal import Decimal

import pytest
from django.utils import timezone

from coop import accounting, treasury
from coop.enums import AccountExpenseKind, ExpensePaidBy
from coop.models import Invoice
from tests.coop.factories_accounting import (
    account_expense,
    day_of,
    scenario_months,
    treasury_scenario,
)
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

D = Decimal
AMOUNT = re.compile(r"^\d+,\d{2}$")
DAY = re.compile(r"^\d{8}$")


def _fec(start, end, **options) -> list[dict]:
    """The FEC file of the period, read back: one dict per line, keyed by column."""
    raw = b"".join(accounting.fec_lines(accounting.journal_entries(start, end, **options)))
    text = raw.decode("iso-8859-15")
    lines = text.split("\r\n")
    assert lines[-1] == ""  # every line ends with CR LF
    header, *rows = lines[:-1]
    assert header.split("\t") == list(accounting.FEC_COLUMNS)
    return [dict(zip(accounting.FEC_COLUMNS, row.split("\t"), strict=True)) for row in rows]


def _amount(text: str) -> Decimal:
    return D(text.replace(",", "."))


def _entries(rows) -> dict[str, list[dict]]:
    entries = defaultdict(list)
    for row in rows:
        entries[row["EcritureNum"]].append(row)
    return entries


def _lines(entries, piece_ref, journal) -> set[tuple]:
    """(account, auxiliary, debit, credit) of the entries of that piece in that journal."""
    return {
        (row["CompteNum"], row["CompAuxNum"], row["Debit"], row["Credit"])
        for rows in entries.values()
        for row in rows
        if row["PieceRef"] == piece_ref and row["JournalCode"] == journal
    }


@pytest.fixture
def scenario():
    member = MemberFactory(path="cape", first_name="Awa", last_name="Diallo")
    invoices = treasury_scenario(member)
    m0, m1, m2, m3 = scenario_months()
    start, end = m3, treasury.end_of_month(m0)
    return {"member": member, "start": start, "end": end, "rows": _fec(start, end), **invoices}


def test_every_line_has_the_18_columns_in_their_formats(scenario):
    rows = scenario["rows"]
    assert rows
    for row in rows:
        assert len(row) == 18
        assert row["JournalCode"] in {"VT", "BQ", "OD", "AC"}
        assert DAY.match(row["EcritureDate"]) and DAY.match(row["PieceDate"])
        assert DAY.match(row["ValidDate"])
        assert AMOUNT.match(row["Debit"]) and AMOUNT.match(row["Credit"])
        # One side only.
        assert (_amount(row["Debit"]) == 0) != (_amount(row["Credit"]) == 0)
        assert re.match(r"^\d{6}$", row["CompteNum"])
        assert row["EcritureLet"] == row["DateLet"] == ""
        assert row["Montantdevise"] == row["Idevise"] == ""
        assert "\t" not in row["EcritureLib"]


def test_each_entry_and_the_whole_file_balance(scenario):
    entries = _entries(scenario["rows"])
    for number, rows in entries.items():
        debit = sum(_amount(row["Debit"]) for row in rows)
        credit = sum(_amount(row["Credit"]) for row in rows)
        assert debit == credit, number
        assert len({row["EcritureDate"] for row in rows}) == 1
    assert sum(_amount(row["Debit"]) for row in scenario["rows"]) == sum(
        _amount(row["Credit"]) for row in scenario["rows"]
    )


def test_entries_are_numbered_per_journal_without_gap_in_date_order(scenario):
    entries = _entries(scenario["rows"])
    by_journal = defaultdict(list)
    for number, rows in entries.items():
        by_journal[rows[0]["JournalCode"]].append((number, rows[0]["EcritureDate"]))
    for journal, numbered in by_journal.items():
        assert [number for number, _ in numbered] == [
            f"{journal}{index:06d}" for index in range(1, len(numbered) + 1)
        ]
        dates = [day for _, day in numbered]
        assert dates == sorted(dates)
    # The file itself is in date order.
    dates = [row["EcritureDate"] for row in scenario["rows"]]
    assert dates == sorted(dates)


def test_sales_by_hand(scenario):
    entries = _entries(scenario["rows"])
    a, b, c = scenario["a"], scenario["b"], scenario["c"]
    client = f"C{a.client_id:06d}"
    # 10 h × 50 € at 20 %: 600 to the client, 500 revenue, 100 VAT.
    assert _lines(entries, a.number, "VT") == {
        ("411000", client, "600,00", "0,00"),
        ("706000", "", "0,00", "500,00"),
        ("445710", "", "0,00", "100,00"),
    }
    # 300 at 20 % and 200 exempt: one VAT line, of the 20 % only.
    client_b = f"C{b.client_id:06d}"
    assert _lines(entries, b.number, "VT") == {
        ("411000", client_b, "560,00", "0,00"),
        ("706000", "", "0,00", "500,00"),
        ("445710", "", "0,00", "60,00"),
    }
    # The credit note on the exempt line: the sale reversed, without VAT.
    credit_note = Invoice.objects.get(credited_invoice=b)
    assert _lines(entries, credit_note.number, "VT") == {
        ("411000", client_b, "0,00", "200,00"),
        ("706000", "", "200,00", "0,00"),
    }
    assert _lines(entries, c.number, "VT") == {
        ("411000", f"C{c.client_id:06d}", "111,97", "0,00"),
        ("706000", "", "0,00", "93,31"),
        ("445710", "", "0,00", "18,66"),
    }
    vat = [row for row in scenario["rows"] if row["CompteNum"] == "445710"]
    assert {row["CompteLib"] for row in vat} == {"TVA collectée 20 %"}
    sale = next(row for row in scenario["rows"] if row["PieceRef"] == a.number)
    assert sale["JournalLib"] == "Ventes"
    assert sale["PieceDate"] == a.issued_on.strftime("%Y%m%d")
    assert sale["EcritureLib"].startswith(f"Facture {a.number} ")
    assert "Awa Diallo" in sale["EcritureLib"]


def test_payments_and_reversal_by_hand(scenario):
    entries = _entries(scenario["rows"])
    b = scenario["b"]
    client = f"C{b.client_id:06d}"
    bank = [
        rows
        for rows in entries.values()
        if rows[0]["JournalCode"] == "BQ" and rows[0]["PieceRef"] == b.number
    ]
    # 280 in M2; 80, its reversal, 80 again in M0.
    assert sorted(
        (
            row["CompteNum"],
            row["Debit"],
            row["Credit"],
        )
        for rows in bank
        for row in rows
    ) == sorted(
        [
            ("512000", "280,00", "0,00"),
            ("411000", "0,00", "280,00"),
            ("512000", "80,00", "0,00"),
            ("411000", "0,00", "80,00"),
            ("411000", "80,00", "0,00"),  # the reversal
            ("512000", "0,00", "80,00"),
            ("512000", "80,00", "0,00"),
            ("411000", "0,00", "80,00"),
        ]
    )
    assert all(
        row["CompAuxNum"] == client for rows in bank for row in rows if row["CompteNum"] == "411000"
    )
    labels = {rows[0]["EcritureLib"] for rows in bank}
    assert f"Annulation du règlement {b.number} VIR-TEST" in labels
    assert f"Règlement {b.number} (Virement) VIR-TEST" in labels


def test_contribution_by_hand_and_equal_to_the_statements(scenario):
    rows = [row for row in scenario["rows"] if row["JournalCode"] == "OD"]
    contribution = [row for row in rows if row["CompteNum"] == "706100"]
    # 50 (A, M3) + 25 (280 of B) + 3,33 (50 of C at 8 %) + 7,14 − 7,14 + 7,14 (80 of B).
    credits = sorted(_amount(row["Credit"]) for row in contribution if _amount(row["Credit"]))
    debits = sorted(_amount(row["Debit"]) for row in contribution if _amount(row["Debit"]))
    assert credits == [D("3.33"), D("7.14"), D("7.14"), D("25.00"), D("50.00")]
    assert debits == [D("7.14")]
    # Each moves the contribution out of 706000, the entrepreneurs' revenue.
    for rows_of_entry in _entries(rows).values():
        accounts = {row["CompteNum"] for row in rows_of_entry}
        assert accounts in ({"706000", "706100"}, {"641000", "421000"})
    # The same money the treasury statement takes, to the cent.
    statement = treasury.treasury_statement(scenario["member"], months=4)
    assert sum(credits) - sum(debits) == statement.totals.contribution == D("85.47")
    labels = {row["EcritureLib"] for row in contribution}
    assert (
        f"Contribution coopérative 8 % sur règlement {scenario['c'].number} - Awa Diallo" in labels
    )


def test_account_and_session_expenses_by_hand(scenario):
    member = scenario["member"]
    entrepreneur = f"E{member.pk:06d}"
    entries = _entries(scenario["rows"])
    purchases = [rows for rows in entries.values() if rows[0]["JournalCode"] == "AC"]
    found = sorted(
        sorted((row["CompteNum"], row["CompAuxNum"], row["Debit"], row["Credit"]) for row in rows)
        for rows in purchases
    )
    assert found == sorted(
        [
            # The supplier invoice, paid by the cooperative: 40 + 8 VAT to the supplier.
            sorted(
                [
                    ("606000", "", "40,00", "0,00"),
                    ("445660", "", "8,00", "0,00"),
                    ("401000", "FJARDINERIEDURHON", "0,00", "48,00"),
                ]
            ),
            # The expense report the entrepreneur advanced: owed to them.
            sorted(
                [
                    ("625100", "", "25,50", "0,00"),
                    ("467000", entrepreneur, "0,00", "25,50"),
                ]
            ),
            # The validated meal of a session (the pending one is not there).
            sorted(
                [
                    ("625600", "", "12,50", "0,00"),
                    ("467000", entrepreneur, "0,00", "12,50"),
                ]
            ),
        ]
    )
    salaries = [row for row in scenario["rows"] if row["CompteNum"] == "641000"]
    assert sorted(_amount(row["Debit"]) for row in salaries) == [D("180"), D("180"), D("300")]
    pay = [row for row in scenario["rows"] if row["CompteNum"] == "421000"]
    assert {row["CompAuxNum"] for row in pay} == {entrepreneur}
    assert {row["CompAuxLib"] for row in pay} == {"Awa Diallo"}


def test_salaries_can_be_left_to_the_payroll_software(scenario):
    rows = _fec(scenario["start"], scenario["end"], include_salaries=False)
    assert not [row for row in rows if row["CompteNum"] in ("641000", "421000")]
    assert len(rows) == len(scenario["rows"]) - 3 * 2


def test_reimbursement_of_an_advanced_expense_goes_through_the_bank():
    from coop import ledger
    from tests.coop.factories_accounting import issuer

    member = MemberFactory(path="cape")
    m0 = scenario_months()[0]
    expense = account_expense(
        member,
        AccountExpenseKind.EXPENSE_REPORT,
        day_of(m0, 1),
        "20.00",
        vat="4.00",
        paid_by=ExpensePaidBy.ENTREPRENEUR,
        description="Train Lyon-Vienne",
    )
    ledger.account_expense_reimburse(actor=issuer(), expense=expense, on=day_of(m0, 1))
    rows = _fec(m0, treasury.end_of_month(m0))
    bank = [row for row in rows if row["JournalCode"] == "BQ"]
    assert {(row["CompteNum"], row["Debit"], row["Credit"]) for row in bank} == {
        ("467000", "24,00", "0,00"),
        ("512000", "0,00", "24,00"),
    }
    assert bank[0]["PieceRef"] == f"DEP{expense.pk}"


def test_period_bounds_are_kept(scenario):
    m0, m1, m2, m3 = scenario_months()
    rows = _fec(m1, treasury.end_of_month(m1))
    assert rows
    low, high = m1.strftime("%Y%m%d"), treasury.end_of_month(m1).strftime("%Y%m%d")
    assert all(low <= row["EcritureDate"] <= high for row in rows)
    assert _fec(datetime.date(2001, 1, 1), datetime.date(2001, 12, 31)) == []


def test_file_name_follows_article_a47_a_1():
    assert accounting.fec_file_name("123456789", datetime.date(2026, 12, 31)) == (
        "123456789FEC20261231.txt"
    )


def test_texts_fit_the_flat_file():
    assert accounting.fec_text("Atelier\t«\u202fdécouverte\u202f»\nsuite") == (
        "Atelier « découverte » suite"
    )
    assert accounting.fec_text("L’été – œuvre… 5\xa0€") == "L'été - œuvre... 5 €"
    # Characters ISO 8859-15 has not: their plain form, or a question mark.
    assert accounting.fec_text("Ștefan Łódź ✓") == "Stefan ?ódz ?"
    assert accounting.fec_amount(D("1234.5")) == "1234,50"
    assert accounting.fec_amount(D("0")) == "0,00"


def test_an_unbalanced_entry_is_refused():
    with pytest.raises(ValueError):
        accounting.Entry(
            accounting.SALES,
            datetime.date(2026, 1, 1),
            "FA-1",
            datetime.date(2026, 1, 1),
            "Déséquilibre",
            (
                accounting.EntryLine(accounting.CLIENTS, debit=D("10.00")),
                accounting.EntryLine(accounting.REVENUE, credit=D("9.99")),
            ),
            datetime.date(2026, 1, 1),
        )


def test_csv_for_spreadsheets(scenario):
    text = "".join(
        accounting.csv_lines(
            accounting.journal_entries(scenario["start"], scenario["end"]),
            accounting.csv_header(),
        )
    )
    assert text.startswith("\ufeffJournal;Libellé du journal;N° d'écriture;Date;Compte;")
    lines = text.lstrip("\ufeff").split("\r\n")[:-1]
    assert len(lines) == len(scenario["rows"]) + 1
    a = scenario["a"]
    sale = next(line for line in lines[1:] if f";{a.number};" in line and ";411000;" in line)
    fields = sale.split(";")
    assert fields[3] == a.issued_on.strftime("%d/%m/%Y")
    assert fields[11:13] == ["600,00", "0,00"]


def test_csv_cells_never_start_a_formula():
    member = MemberFactory(path="cape")
    m0 = scenario_months()[0]
    account_expense(
        member,
        AccountExpenseKind.SUPPLIER_INVOICE,
        day_of(m0, 1),
        "10.00",
        supplier='=HYPERLINK("http://example.com")',
    )
    text = "".join(
        accounting.csv_lines(
            accounting.journal_entries(m0, treasury.end_of_month(m0)), accounting.csv_header()
        )
    )
    assert ";'=HYPERLINK" in text.replace('"', "")
    assert ";=HYPERLINK" not in text.replace('"', "")


def test_every_source_is_read_in_chunks(monkeypatch, scenario):
    """A year of a large cooperative never sits in memory: each source is a chunked
    iterator, consumed while the file is written."""
    from django.db.models.query import QuerySet

    chunk_sizes = []
    original = QuerySet.iterator

    def spy(self, chunk_size=None):
        chunk_sizes.append(chunk_size)
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    lines = accounting.fec_lines(accounting.journal_entries(scenario["start"], scenario["end"]))
    assert not chunk_sizes  # nothing read before the first line is asked for
    next(lines)
    next(lines)
    assert chunk_sizes == [accounting.EXPORT_CHUNK_SIZE] * 6
    assert len(list(lines)) == len(scenario["rows"]) - 1


def test_today_entries_are_dated_by_their_event(scenario):
    # The reversal is recorded today and dated today; everything else by its event.
    today = timezone.localdate().strftime("%Y%m%d")
    reversal = [row for row in scenario["rows"] if row["EcritureLib"].startswith("Annulation")]
    assert {row["EcritureDate"] for row in reversal} == {today}
