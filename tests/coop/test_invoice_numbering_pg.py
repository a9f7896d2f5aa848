"""Invoice numbers under concurrent issuing, on PostgreSQL (DESIGN.md rule 1): several
coordinators issue at the same moment, each from their own database connection, and the
numbers of the series and year still run 1, 2, 3… with no gap and no duplicate. A number
is taken under a row lock inside the issuing transaction, so an issue that fails gives
its number back.

Only PostgreSQL runs transactions truly side by side (SQLite serialises writers on the
whole file): the tests are skipped elsewhere and run in CI against PostgreSQL."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone

from coop import billing, documents
from coop.enums import InvoiceStatus
from coop.models import Invoice, NumberCounter
from members.enums import Role
from tests.coop.factories import CooperativeProfileFactory, draft_invoice
from tests.members.factories import UserFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent issuing needs PostgreSQL"
    ),
    # Each thread commits for real: the test cannot run inside one wrapping transaction.
    pytest.mark.django_db(transaction=True),
]

THREADS = 8
PER_THREAD = 6  # 48 invoices in all
# How long a thread may wait for the others at the start line, or for its turn.
TIMEOUT_SECONDS = 120


def _issue_concurrently(
    drafts: list[Invoice], issuers: list, *, on_each: Callable[[Invoice], None] | None = None
) -> tuple[list[Invoice], list[BaseException]]:
    """Each issuer, in a thread of its own (hence its own connection), waits for all the
    others at a barrier, then issues its share of the drafts one after the other."""
    barrier = threading.Barrier(len(issuers), timeout=TIMEOUT_SECONDS)
    shares = [drafts[index :: len(issuers)] for index in range(len(issuers))]
    issued: list[Invoice] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(issuer, share):
        try:
            barrier.wait()
            for draft in share:
                try:
                    invoice = billing.invoice_issue(actor=issuer, invoice=draft)
                except Exception as error:  # noqa: BLE001 — reported to the main thread
                    with lock:
                        errors.append(error)
                else:
                    with lock:
                        issued.append(invoice)
        finally:
            # The thread's own connection: closed so that the test database can be
            # flushed and dropped.
            connection.close()

    threads = [
        threading.Thread(target=work, args=(issuer, share), name=f"issuer-{index}")
        for index, (issuer, share) in enumerate(zip(issuers, shares, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT_SECONDS * 2)
        assert not thread.is_alive(), f"{thread.name} is stuck"
    return issued, errors


@pytest.fixture
def issuers():
    CooperativeProfileFactory()
    # Coordinators and accountants issue side by side.
    return [
        UserFactory(role=Role.COORDINATOR if index % 2 else Role.ACCOUNTANT)
        for index in range(THREADS)
    ]


def test_concurrent_issuing_numbers_without_gap_or_duplicate(issuers):
    drafts = [draft_invoice() for _ in range(THREADS * PER_THREAD)]
    # No counter yet: the first issuers also race to create the year's counter.
    assert not NumberCounter.objects.exists()

    issued, errors = _issue_concurrently(drafts, issuers)

    assert errors == []
    year = timezone.localdate().year
    count = len(drafts)
    sequences = sorted(invoice.sequence for invoice in issued)
    assert sequences == list(range(1, count + 1))
    # What the database holds, read afresh from the main thread's connection.
    stored = Invoice.objects.filter(status=InvoiceStatus.ISSUED).order_by("sequence")
    assert list(stored.values_list("number", flat=True)) == [
        f"FA-{year}-{sequence:05d}" for sequence in range(1, count + 1)
    ]
    assert NumberCounter.objects.get(series="FA", year=year).last == count
    assert not Invoice.objects.exclude(status=InvoiceStatus.ISSUED).exists()
    # Every issuer took part.
    assert {invoice.issued_by_id for invoice in issued} == {issuer.pk for issuer in issuers}


def test_a_failing_issue_gives_its_number_back_while_others_wait(issuers, monkeypatch):
    drafts = [draft_invoice() for _ in range(THREADS * 2)]
    # Three issues fail after taking their number (the PDF cannot be written).
    failing = {drafts[1].pk, drafts[10].pk, drafts[13].pk}
    render = documents.render_invoice_pdf

    def render_or_fail(invoice):
        if invoice.pk in failing:
            raise OSError("Espace disque insuffisant")
        return render(invoice)

    monkeypatch.setattr(documents, "render_invoice_pdf", render_or_fail)

    issued, errors = _issue_concurrently(drafts, issuers)

    assert [str(error) for error in errors] == ["Espace disque insuffisant"] * len(failing)
    count = len(drafts) - len(failing)
    assert sorted(invoice.sequence for invoice in issued) == list(range(1, count + 1))
    year = timezone.localdate().year
    assert NumberCounter.objects.get(series="FA", year=year).last == count
    # The failed ones are still drafts without a number, and issue fine afterwards,
    # taking the next numbers.
    monkeypatch.undo()
    left = Invoice.objects.filter(pk__in=failing).order_by("pk")
    assert set(left.values_list("status", "number", "sequence")) == {
        (InvoiceStatus.DRAFT, "", None)
    }
    again = [billing.invoice_issue(actor=issuers[0], invoice=draft) for draft in left]
    assert [invoice.sequence for invoice in again] == list(range(count + 1, len(drafts) + 1))
