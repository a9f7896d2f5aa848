"""Measure invoicing on a large data set: the time to issue one invoice (number, frozen
details, Factur-X PDF and its SHA-256), the issuing throughput of several issuers at the
same moment, and the time to export a year's accounting journal as a FEC file.

    export DEBUG=1 DATABASE_URL=postgres://…   # or sqlite:////tmp/bench.sqlite3
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed --size large
    .venv/bin/python bench/invoicing.py [--runs 10] [--threads 8] [--per-thread 5]

It calls the services (coop.billing, coop.accounting) as the views do, against whatever
database DATABASE_URL names. It leaves the data as it found it: every issue runs in a
transaction that is rolled back once measured (the number is given back, the PDF written
is deleted), and the drafts it made are deleted at the end. The concurrent measure needs
PostgreSQL (SQLite serialises writers on the whole file); on SQLite it is skipped.
"""

import argparse
import datetime
import os
import statistics
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from coop import billing, documents  # noqa: E402
from coop.enums import ClientKind, InvoiceStatus, Unit, VatRate  # noqa: E402
from coop.models import Client, CooperativeProfile, Invoice  # noqa: E402
from members.enums import Role, Stage  # noqa: E402
from members.models import Member, User  # noqa: E402

SETUP_HINT = (
    "The database holds no issued invoice. Fill it first, for instance:\n"
    "  DEBUG=1 DATABASE_URL={url} .venv/bin/python manage.py migrate\n"
    "  DEBUG=1 DATABASE_URL={url} .venv/bin/python manage.py seed --size large\n"
    "then run this benchmark again."
)
# The lines of the invoice issued: two sessions and the travel, as a month of a mission.
LINES = (
    ("Atelier de prévention — séance du 02/11", Decimal("1"), Unit.SESSION, Decimal("300.00")),
    ("Atelier de prévention — séance du 16/11", Decimal("1"), Unit.SESSION, Decimal("300.00")),
    ("Déplacements", Decimal("48"), Unit.KILOMETRE, Decimal("0.60")),
)


class _RolledBack(Exception):
    """Raised to leave a measured transaction without keeping anything."""


def _drafts(count: int, coordinator: User) -> list[Invoice]:
    """Committed drafts that any connection can issue, written by a coordinator for
    salaried entrepreneurs and business clients whose details fill every mandatory
    mention."""
    members = list(
        Member.objects.filter(stage__in=[Stage.CESA, Stage.ASSOCIATE]).order_by("pk")[:count]
    )
    clients = list(
        Client.objects.filter(is_public=False)
        .exclude(kind=ClientKind.INDIVIDUAL)
        .exclude(siret="")
        .exclude(address="")
        .order_by("pk")[:count]
    )
    if not members or not clients:
        raise SystemExit("No salaried entrepreneur or business client: reseed.")
    service_start = timezone.localdate() - datetime.timedelta(days=20)
    drafts = []
    for index in range(count):
        drafts.append(
            billing.invoice_create(
                actor=coordinator,
                entrepreneur=members[index % len(members)],
                client=clients[index % len(clients)],
                title="Cycle d'ateliers de prévention (mesure)",
                service_start=service_start,
                lines=[
                    billing.LineInput(
                        description=description,
                        quantity=quantity,
                        unit=unit,
                        unit_price=price,
                        vat_rate=VatRate.STANDARD,
                    )
                    for description, quantity, unit, price in LINES
                ],
            )
        )
    return drafts


def _issue_and_roll_back(issuer: User, draft: Invoice) -> tuple[float, int]:
    """Issue the draft and measure it, then undo it: the transaction is rolled back (the
    number goes back to the counter, the draft stays a draft) and the PDF file is
    deleted. Returns the seconds taken and the PDF's size."""
    stored = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            invoice = billing.invoice_issue(actor=issuer, invoice=draft)
            elapsed = time.perf_counter() - started
            stored["name"], stored["size"] = invoice.pdf.name, invoice.pdf.size
            raise _RolledBack
    except _RolledBack:
        pass
    finally:
        if stored.get("name"):
            Invoice._meta.get_field("pdf").storage.delete(stored["name"])
    return elapsed, stored["size"]


def one_invoice(issuer: User, drafts: list[Invoice], runs: int) -> None:
    timings, renders, sizes = [], [], []
    render = documents.render_invoice_pdf

    def timed_render(invoice):
        started = time.perf_counter()
        try:
            return render(invoice)
        finally:
            renders.append(time.perf_counter() - started)

    documents.render_invoice_pdf = timed_render
    try:
        # A first issue loads fonts, templates and the XSD: not counted.
        _issue_and_roll_back(issuer, drafts[0])
        renders.clear()
        for run in range(runs):
            elapsed, size = _issue_and_roll_back(issuer, drafts[run % len(drafts)])
            timings.append(elapsed)
            sizes.append(size)
    finally:
        documents.render_invoice_pdf = render
    issue, pdf = statistics.median(timings) * 1000, statistics.median(renders) * 1000
    print(f"{'issue one invoice (PDF + Factur-X)':<40} {issue:>8.0f} ms median")
    print(f"{'  of which the Factur-X PDF':<40} {pdf:>8.0f} ms median")
    print(f"{'  PDF size':<40} {statistics.median(sizes) / 1024:>8.0f} KB")


def concurrent_issuing(issuers: list[User], drafts: list[Invoice]) -> None:
    """Each issuer in a thread of its own (its own connection) waits at a barrier, then
    issues its share one after the other. The numbers are taken under the counter's row
    lock, held while the PDF renders: issuing is serialised per series and year, by
    design (no gap, no duplicate), and the throughput says what that costs."""
    if connection.vendor != "postgresql":
        print(f"{'concurrent issuing':<40} skipped: needs PostgreSQL")
        return
    barrier = threading.Barrier(len(issuers) + 1)
    shares = [drafts[index :: len(issuers)] for index in range(len(issuers))]
    timings: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(issuer, share):
        try:
            barrier.wait()
            for draft in share:
                elapsed, _size = _issue_and_roll_back(issuer, draft)
                with lock:
                    timings.append(elapsed)
        except Exception as error:  # noqa: BLE001 — reported below
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(issuer, share))
        for issuer, share in zip(issuers, shares, strict=True)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        print(f"{'concurrent issuing':<40} failed: {errors[0]!r}")
        return
    label = f"issuing, {len(issuers)} issuers at once"
    print(f"{label:<40} {len(timings) / wall:>8.2f} invoices/s ({len(timings)} in {wall:.1f} s)")
    print(
        f"{'  time to issue, median / max':<40} "
        f"{statistics.median(timings) * 1000:>8.0f} ms / {max(timings) * 1000:.0f} ms"
    )


def fec_export(year: int) -> None:
    try:
        from coop import accounting
    except ImportError:
        print(f"{'FEC export':<40} not built yet (coop/accounting.py)")
        return
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    started = time.perf_counter()
    size = lines = 0
    for line in accounting.fec_lines(accounting.journal_entries(start, end)):
        size += len(line)
        lines += 1
    elapsed = time.perf_counter() - started
    issued = Invoice.objects.issued().filter(issued_on__year=year).count()
    label = f"FEC export of {year}"
    print(
        f"{label:<40} {elapsed:>8.1f} s ({lines - 1:,} lines, {size / 1024 / 1024:.1f} MB, "
        f"{issued:,} invoices and credit notes issued that year)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="issues timed one by one")
    parser.add_argument("--threads", type=int, default=8, help="issuers at once")
    parser.add_argument("--per-thread", type=int, default=5, help="invoices each issuer issues")
    parser.add_argument(
        "--year",
        type=int,
        default=timezone.localdate().year - 1,
        help="year of the FEC export (default: last year)",
    )
    args = parser.parse_args()

    total = Invoice.objects.issued().count()
    profile = CooperativeProfile.current()
    if not total or profile is None:
        url = os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3")
        raise SystemExit(SETUP_HINT.format(url=url))
    latest = Invoice.objects.issued().latest("issued_on").issued_on
    if latest > timezone.localdate():
        raise SystemExit(f"An invoice is issued on {latest}, after today: cannot issue today.")
    issuers = list(
        User.objects.filter(role__in=billing.ISSUERS, is_active=True).order_by("pk")[
            : max(args.threads, 1)
        ]
    )
    coordinator = User.objects.filter(role=Role.COORDINATOR, is_active=True).order_by("pk").first()
    if not issuers or coordinator is None:
        raise SystemExit("No active coordinator: reseed.")
    print(
        f"{connection.vendor}, {total:,} invoices and credit notes issued; "
        f"one issue timed {args.runs} times, then {args.threads} issuers × "
        f"{args.per_thread} invoices\n"
    )
    drafts = _drafts(max(args.runs, args.threads * args.per_thread), coordinator)
    try:
        one_invoice(issuers[0], drafts, args.runs)
        if len(issuers) < args.threads:
            print(f"only {len(issuers)} active issuers: one thread each")
        concurrent_issuing(issuers, drafts[: len(issuers) * args.per_thread])
    finally:
        # Still drafts (every issue was rolled back): they leave no trace.
        leftover = Invoice.objects.filter(pk__in=[draft.pk for draft in drafts])
        assert not leftover.exclude(status=InvoiceStatus.DRAFT).exists()
        for draft in leftover:
            billing.invoice_delete_draft(actor=coordinator, invoice=draft)
    fec_export(args.year)


if __name__ == "__main__":
    main()
