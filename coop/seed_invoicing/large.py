"""The large size's invoicing, as plain rows in bulk (see coop.seed_invoicing)."""

import datetime
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone

from activities.enums import MissionStatus, SessionStatus
from activities.models import Mission, Session
from coop import billing
from coop.enums import (
    AccountExpenseKind,
    ExpensePaidBy,
    InvoiceKind,
    InvoiceStatus,
    RecoveryKind,
    SupplyNature,
    Unit,
    VatRate,
)
from coop.models import (
    AccountExpense,
    Client,
    CooperativeProfile,
    Invoice,
    InvoiceLine,
    NumberCounter,
    Payment,
    RecoveryAction,
)
from coop.money import line_net, to_cents, totals_of
from coop.seed_invoicing.common import (
    EXPENSE_REPORTS,
    ISSUE_DELAY_DAYS,
    NO_FILE_SHA256,
    PAYMENT_DELAY_DAYS,
    SALARY_SHARE,
    SHORTENED_SESSION_REASON,
    SUPPLIERS,
    WRONG_INVOICE_REASON,
    at,
    days_between,
    first_instalment,
    month_end,
    month_name,
    payment_method,
    payment_reference,
)
from members.dates import add_months
from members.enums import ContractKind
from members.models import Contract, Member, User

BATCH_SIZE = 10_000
# Work of the last days is not invoiced yet; of the last months, some is not either.
NOT_YET_DAYS = 5
LEFT_TO_INVOICE_DAYS, LEFT_TO_INVOICE_SHARE = 90, 0.08
# Invoices found wrong (cancelled in full, then made again), and commercial gestures.
WRONG_SHARE, GESTURE_SHARE = 0.012, 0.006
# What becomes of an invoice past due: paid in full, in two instalments, in part, not.
PAST_DUE_FATES = {"full": 86, "twice": 7, "part": 3, "none": 4}
# Overdue invoices older than this were paid in the end (the history has no bad debts
# older than a year).
UNPAID_AT_MOST_DAYS = 365
REVERSED_SHARE = 0.002


@dataclass
class _Doc:
    """One invoice or credit note to write, with its lines (session ids, or for a credit
    note the quantities cancelled per line of the invoice)."""

    on: datetime.date
    kind: str
    mission: int
    member: int
    sessions: tuple[int, ...] = ()
    days: tuple[datetime.date, ...] = ()
    first: datetime.date | None = None
    last: datetime.date | None = None
    credited: "_Doc | None" = None
    quantities: tuple[Decimal, ...] = ()
    reason: str = ""
    pk: int = 0
    line_pks: list[int] = field(default_factory=list)
    number: str = ""
    net: Decimal = Decimal("0.00")
    gross: Decimal = Decimal("0.00")
    due_on: datetime.date | None = None
    cancelled: Decimal = Decimal("0.00")
    commitment: str = ""  # the public client's commitment number (Chorus Pro)


class Large:
    """Invoices and credit notes per mission, entrepreneur and month of validated
    sessions, numbered in date order; their payments and recovery; the accounts'
    expenses. Rows only, no PDF (see coop.seed_invoicing)."""

    def __init__(self, rng: random.Random, profile: CooperativeProfile, own_rates: dict):
        self.rng, self.profile, self.own_rates = rng, profile, own_rates
        self.today = timezone.localdate()
        self.seller = billing.seller_details(profile)
        self.staff = list(
            User.objects.filter(role__in=billing.ISSUERS, is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        self.missions = {
            pk: (client, title, kind, planned, price, status)
            for pk, client, title, kind, planned, price, status in Mission.objects.values_list(
                "pk", "client", "title", "kind", "planned_sessions", "agreed_price", "status"
            )
        }
        self.clients = {client.pk: client for client in Client.objects.all()}
        self.members = {
            pk: (user, coordinator)
            for pk, user, coordinator in Member.objects.values_list("pk", "user", "coordinator")
        }
        self.revenue: dict[tuple[int, datetime.date], Decimal] = defaultdict(Decimal)
        self.unbilled: set[int] = set()  # missions with validated sessions left to bill

    def run(self) -> None:
        docs = self._documents()
        self._number(docs)
        self._write(docs)
        self._pay(docs)
        self._expenses()
        self._missions_invoiced(docs)
        self._finish()

    # --- what to write ---

    def _groups(self) -> Iterator[tuple[int, int, list]]:
        """Validated sessions of running and finished missions, per mission, entrepreneur
        and month, read in order a chunk at a time."""
        rows = (
            Session.objects.filter(
                status=SessionStatus.VALIDATED,
                mission__status__in=[MissionStatus.IN_PROGRESS, MissionStatus.DELIVERED],
            )
            .order_by("mission", "entrepreneur", "date", "start_time", "pk")
            .values_list("pk", "mission", "entrepreneur", "date", "reviewed_at")
            .iterator(chunk_size=BATCH_SIZE)
        )
        zone = timezone.get_default_timezone()
        key, group = None, []
        for pk, mission, member, day, reviewed_at in rows:
            here = (mission, member, day.year, day.month)
            if here != key:
                if group:
                    yield key[0], key[1], group
                key, group = here, []
            reviewed = reviewed_at.astimezone(zone).date() if reviewed_at else day
            group.append((pk, day, reviewed))
        if group:
            yield key[0], key[1], group

    def _documents(self) -> list[_Doc]:
        rng, today = self.rng, self.today
        docs = []
        for mission, member, group in self._groups():
            last = group[-1][1]
            ready = max(max(reviewed for _pk, _day, reviewed in group), month_end(last))
            if ready > today - datetime.timedelta(days=NOT_YET_DAYS) or (
                (today - ready).days < LEFT_TO_INVOICE_DAYS and rng.random() < LEFT_TO_INVOICE_SHARE
            ):
                self.unbilled.add(mission)
                continue
            on = min(ready + days_between(rng, *ISSUE_DELAY_DAYS), today)
            invoice = _Doc(
                on=on,
                kind=InvoiceKind.INVOICE,
                mission=mission,
                member=member,
                sessions=tuple(pk for pk, _day, _reviewed in group),
                days=tuple(day for _pk, day, _reviewed in group),
                first=group[0][1],
                last=last,
            )
            docs.append(invoice)
            old = (today - on).days > 60
            draw = rng.random()
            if old and draw < WRONG_SHARE:
                credit_on = on + days_between(rng, 5, 40)
                docs.append(
                    _Doc(
                        on=credit_on,
                        kind=InvoiceKind.CREDIT_NOTE,
                        mission=mission,
                        member=member,
                        first=invoice.first,
                        last=last,
                        credited=invoice,
                        quantities=tuple(Decimal("1") for _ in invoice.sessions),
                        reason=WRONG_INVOICE_REASON,
                    )
                )
                docs.append(
                    _Doc(
                        on=credit_on + days_between(rng, 1, 3),
                        kind=InvoiceKind.INVOICE,
                        mission=mission,
                        member=member,
                        sessions=invoice.sessions,
                        days=invoice.days,
                        first=invoice.first,
                        last=last,
                    )
                )
            elif old and draw < WRONG_SHARE + GESTURE_SHARE:
                docs.append(
                    _Doc(
                        on=on + days_between(rng, 5, 40),
                        kind=InvoiceKind.CREDIT_NOTE,
                        mission=mission,
                        member=member,
                        first=invoice.first,
                        last=last,
                        credited=invoice,
                        quantities=(
                            *(Decimal("0") for _ in invoice.sessions[:-1]),
                            Decimal("0.50"),
                        ),
                        reason=SHORTENED_SESSION_REASON,
                    )
                )
        return docs

    def _number(self, docs: list[_Doc]) -> None:
        """Keys in date order (a credit note after its invoice), numbers continuous per
        series and year in that order: what issuing one after the other gives."""
        docs.sort(key=lambda doc: (doc.on, doc.kind != InvoiceKind.INVOICE))
        next_pk = (Invoice.objects.aggregate(last=models.Max("pk"))["last"] or 0) + 1
        next_line = (InvoiceLine.objects.aggregate(last=models.Max("pk"))["last"] or 0) + 1
        counters: dict[tuple[str, int], int] = defaultdict(int)
        for doc in docs:
            doc.pk, next_pk = next_pk, next_pk + 1
            count = len(doc.sessions) if doc.credited is None else len(doc.quantities)
            doc.line_pks = list(range(next_line, next_line + count))
            next_line += count
            series = (
                self.profile.credit_note_series
                if doc.kind == InvoiceKind.CREDIT_NOTE
                else self.profile.invoice_series
            )
            counters[series, doc.on.year] += 1
            doc.number = f"{series}-{doc.on.year}-{counters[series, doc.on.year]:05d}"
        NumberCounter.objects.bulk_create(
            NumberCounter(series=series, year=year, last=last)
            for (series, year), last in counters.items()
        )

    def _rate(self, member: int, day: datetime.date) -> Decimal:
        for starts_on, ends_on, rate in sorted(
            self.own_rates.get(member, ()), key=lambda period: period[0], reverse=True
        ):
            if starts_on <= day and (ends_on is None or day <= ends_on):
                return rate
        return self.profile.contribution_rate

    def _write(self, docs: list[_Doc]) -> None:
        invoice_writer = _Rows(Invoice, datetimes=("created_at", "requested_at", "issued_at"))
        line_writer = _Rows(InvoiceLine)
        prep = {
            name: Invoice._meta.get_field(name) for name in ("seller", "buyer", "vat_breakdown")
        }
        seller = prep["seller"].get_db_prep_save(self.seller, connection)
        buyers: dict[int, object] = {}
        for batch_start in range(0, len(docs), BATCH_SIZE):
            batch = docs[batch_start : batch_start + BATCH_SIZE]
            for doc in batch:
                client_id, title, kind, planned, price, _status = self.missions[doc.mission]
                client = self.clients[client_id]
                unit_price = to_cents(price / max(planned, 1))
                # (key, position, quantity, day of the session, session, credited line)
                lines = []
                if doc.credited is None:
                    for position, (line_pk, session, day) in enumerate(
                        zip(doc.line_pks, doc.sessions, doc.days, strict=True)
                    ):
                        lines.append((line_pk, position, Decimal("1"), day, session, None))
                else:
                    credited = doc.credited
                    for quantity, credited_line, day in zip(
                        doc.quantities, credited.line_pks, credited.days, strict=True
                    ):
                        if quantity:
                            position = len(lines)
                            line_pk = doc.line_pks[position]
                            lines.append((line_pk, position, quantity, day, None, credited_line))
                    doc.line_pks = doc.line_pks[: len(lines)]
                nets = [
                    line_net(
                        quantity=quantity, unit_price=unit_price, discount_percent=Decimal("0")
                    )
                    for _pk, _position, quantity, _day, _session, _credited in lines
                ]
                totals = totals_of((net, Decimal(VatRate.STANDARD)) for net in nets)
                doc.net, doc.gross = totals.net, totals.gross
                doc.due_on = doc.on + datetime.timedelta(days=self.profile.payment_terms_days)
                if doc.credited is not None:
                    doc.credited.cancelled += totals.gross
                month = doc.on.replace(day=1)
                sign = -1 if doc.credited is not None else 1
                self.revenue[doc.member, month] += sign * totals.net
                user, coordinator = self.members[doc.member]
                issuer = coordinator if coordinator in self.staff else self.rng.choice(self.staff)
                created_by = user or issuer
                hour = self.rng.randint(9, 17)
                if client_id not in buyers:
                    buyers[client_id] = prep["buyer"].get_db_prep_save(
                        billing.buyer_details(client), connection
                    )
                if client.is_public:
                    doc.commitment = (
                        doc.credited.commitment
                        if doc.credited
                        else f"EJ{doc.on.year}{self.rng.randint(100000, 999999)}"
                    )
                invoice_writer.add(
                    id=doc.pk,
                    kind=doc.kind,
                    status=InvoiceStatus.DRAFT,
                    entrepreneur=doc.member,
                    client=client_id,
                    mission=doc.mission,
                    quote=None,
                    credited_invoice=doc.credited.pk if doc.credited else None,
                    title=(
                        f"Avoir sur la facture {doc.credited.number}" if doc.credited else title
                    ),
                    reason=doc.reason,
                    series=doc.number.split("-")[0],
                    year=doc.on.year,
                    sequence=int(doc.number.rsplit("-", 1)[1]),
                    number=doc.number,
                    issued_on=doc.on,
                    service_start=doc.first,
                    service_end=doc.last,
                    due_on=doc.due_on,
                    nature=SupplyNature.SERVICES,
                    vat_exemption="",
                    home_service=kind in billing.HOME_SERVICE_KINDS,
                    purchase_order="",
                    chorus_service_code="FACTURES" if client.is_public else "",
                    chorus_commitment=doc.commitment,
                    notes="",
                    seller=seller,
                    buyer=buyers[client_id],
                    vat_breakdown=prep["vat_breakdown"].get_db_prep_save(
                        [
                            {"rate": str(g.rate), "base": str(g.base), "tax": str(g.tax)}
                            for g in totals.by_rate
                        ],
                        connection,
                    ),
                    payment_terms_days=self.profile.payment_terms_days,
                    late_penalty_rate=self.profile.late_penalty_rate,
                    vat_on_debits=self.profile.vat_on_debits,
                    contribution_rate=self._rate(doc.member, doc.on),
                    pdf="",
                    pdf_sha256=NO_FILE_SHA256,
                    created_by=created_by,
                    created_at=at(doc.on - days_between(self.rng, 1, 4), 18),
                    requested_at=at(doc.on - datetime.timedelta(days=1), 19) if user else None,
                    issued_by=issuer,
                    issued_at=at(doc.on, hour, self.rng.randint(0, 59)),
                    net=totals.net,
                    vat=totals.vat,
                    gross=totals.gross,
                )
                for (line_pk, position, quantity, day, session, credited_line), net in zip(
                    lines, nets, strict=True
                ):
                    line_writer.add(
                        id=line_pk,
                        invoice=doc.pk,
                        position=position,
                        # What coop.billing writes for a session's line.
                        description=f"{title} — séance du {day:%d/%m/%Y}",
                        quantity=quantity,
                        unit=Unit.SESSION,
                        unit_price=unit_price,
                        vat_rate=VatRate.STANDARD,
                        discount_percent=Decimal("0"),
                        net=net,
                        session=session,
                        credited_line=credited_line,
                    )
            invoice_writer.flush()
            line_writer.flush()
            # Issued, as the service's last write does; the triggers guard them from now on.
            Invoice.objects.filter(
                pk__gte=batch[0].pk, pk__lte=batch[-1].pk, status=InvoiceStatus.DRAFT
            ).update(status=InvoiceStatus.ISSUED)

    # --- money in ---

    def _pay(self, docs: list[_Doc]) -> None:
        rng, today = self.rng, self.today
        payments = _Rows(Payment, datetimes=("recorded_at",))
        recoveries = []
        next_pk = (Payment.objects.aggregate(last=models.Max("pk"))["last"] or 0) + 1
        delays = self.profile.reminder_delays
        for doc in docs:
            if doc.kind != InvoiceKind.INVOICE:
                continue
            owed = doc.gross - doc.cancelled
            if owed <= 0:
                continue
            client = self.clients[self.missions[doc.mission][0]]
            method = payment_method(rng, client.kind, client.is_public)
            past_due = doc.due_on < today
            if past_due and (today - doc.due_on).days > UNPAID_AT_MOST_DAYS:
                fate = "full" if rng.random() < 0.9 else "twice"
            elif past_due:
                fate = rng.choices(list(PAST_DUE_FATES), weights=list(PAST_DUE_FATES.values()))[0]
            else:
                fate = "full" if rng.random() < 0.3 else "none"
            paid = Decimal("0.00")
            if fate != "none":
                first_on = min(doc.on + days_between(rng, *PAYMENT_DELAY_DAYS), today)
                first = owed if fate == "full" else first_instalment(rng, owed)
                if first >= owed:
                    first, fate = owed, "full"
                staff = rng.choice(self.staff)
                reference = payment_reference(rng, method, doc.number)
                if rng.random() < REVERSED_SHARE:
                    # Recorded on the wrong invoice's amount, cancelled, recorded again.
                    wrong = next_pk
                    payments.add(
                        id=wrong,
                        invoice=doc.pk,
                        paid_on=first_on,
                        amount=first + Decimal("10.00"),
                        method=method,
                        reference=reference,
                        reverses=None,
                        note="",
                        recorded_by=staff,
                        recorded_at=at(first_on, 10),
                    )
                    payments.add(
                        id=wrong + 1,
                        invoice=doc.pk,
                        paid_on=first_on,
                        amount=-(first + Decimal("10.00")),
                        method=method,
                        reference=reference,
                        reverses=wrong,
                        note="Montant mal saisi",
                        recorded_by=staff,
                        recorded_at=at(first_on, 10, 30),
                    )
                    next_pk += 2
                payments.add(
                    id=next_pk,
                    invoice=doc.pk,
                    paid_on=first_on,
                    amount=first,
                    method=method,
                    reference=reference,
                    reverses=None,
                    note="",
                    recorded_by=staff,
                    recorded_at=at(first_on, 11),
                )
                next_pk += 1
                paid = first
                if fate == "twice":
                    second_on = min(first_on + days_between(rng, 15, 40), today)
                    payments.add(
                        id=next_pk,
                        invoice=doc.pk,
                        paid_on=second_on,
                        amount=owed - first,
                        method=method,
                        reference=payment_reference(rng, method, doc.number),
                        reverses=None,
                        note="Solde",
                        recorded_by=staff,
                        recorded_at=at(second_on, 11),
                    )
                    next_pk += 1
                    paid = owed
            if paid < owed and past_due:
                for delay in delays:
                    day = doc.due_on + datetime.timedelta(days=delay)
                    if day <= today:
                        recoveries.append(
                            RecoveryAction(
                                invoice_id=doc.pk,
                                kind=RecoveryKind.REMINDER_AUTOMATIC,
                                reminder_step=delay,
                                note=f"Relance automatique, {delay} jours après l'échéance.",
                                at=at(day, 8),
                            )
                        )
            if len(payments) >= BATCH_SIZE:
                payments.flush()
        payments.flush()
        RecoveryAction.objects.bulk_create(recoveries, batch_size=BATCH_SIZE)

    # --- money out ---

    def _expenses(self) -> None:
        """The salary's employer cost each month of a CESA, in step with the month's
        revenue; a supplier invoice and an expense report now and then."""
        rng, today = self.rng, self.today
        last_month = add_months(today.replace(day=1), -1)
        staff = self.staff
        rows = _Rows(AccountExpense, datetimes=("recorded_at",))

        def expense(**values) -> None:
            rows.add(
                **{
                    "supplier": "",
                    "supplier_reference": "",
                    "vat": Decimal("0.00"),
                    "paid_by": ExpensePaidBy.COOPERATIVE,
                    "reimbursed_on": None,
                    "receipt": "",
                    "receipt_content_type": "",
                    "recorded_by": rng.choice(staff),
                    **values,
                }
            )
            if len(rows) >= BATCH_SIZE:
                rows.flush()

        for member, start, end in Contract.objects.filter(kind=ContractKind.CESA).values_list(
            "member", "start_date", "end_date"
        ):
            month = start.replace(day=1)
            stop = min(last_month, (end or today).replace(day=1))
            while month <= stop:
                recent = sum(
                    (
                        self.revenue.get((member, add_months(month, -back)), Decimal("0"))
                        for back in range(3)
                    ),
                    Decimal("0"),
                )
                cost = to_cents(max(recent, Decimal("0")) / 3 * SALARY_SHARE)
                spent_on = month_end(month)
                if cost >= 100:
                    expense(
                        entrepreneur=member,
                        kind=AccountExpenseKind.SALARY,
                        spent_on=spent_on,
                        description=f"Salaire de {month_name(month)} {month.year} (coût employeur)",
                        net=cost,
                        recorded_at=at(min(spent_on, today), 16),
                    )
                if rng.random() < 0.12:
                    supplier, what, rate, (low, high) = rng.choice(SUPPLIERS)
                    day = min(month + days_between(rng, 0, 27), today)
                    net = Decimal(rng.randint(low * 100, high * 100)) / 100
                    expense(
                        entrepreneur=member,
                        kind=AccountExpenseKind.SUPPLIER_INVOICE,
                        spent_on=day,
                        supplier=supplier,
                        supplier_reference=f"F{day.year}-{rng.randint(100, 9999):04d}",
                        description=what,
                        net=net,
                        vat=to_cents(net * Decimal(rate) / 100),
                        recorded_at=at(day, 15),
                    )
                if rng.random() < 0.1:
                    what, rate, (low, high) = rng.choice(EXPENSE_REPORTS)
                    day = min(month + days_between(rng, 0, 27), today)
                    net = Decimal(rng.randint(low * 100, high * 100)) / 100
                    back = day + days_between(rng, 7, 35)
                    expense(
                        entrepreneur=member,
                        kind=AccountExpenseKind.EXPENSE_REPORT,
                        spent_on=day,
                        description=what,
                        net=net,
                        vat=to_cents(net * Decimal(rate) / 100),
                        paid_by=ExpensePaidBy.ENTREPRENEUR,
                        reimbursed_on=back if back <= today else None,
                        recorded_at=at(day, 15),
                    )
                month = add_months(month, 1)
        rows.flush()

    def _missions_invoiced(self, docs: list[_Doc]) -> None:
        """A finished mission whose validated sessions are all invoiced is marked so, as
        issuing its last invoice does (a session whose invoice was cancelled in full is
        on the corrected one)."""
        invoiced = {doc.mission for doc in docs} - self.unbilled
        finished = sorted(
            pk
            for pk, (*_details, status) in self.missions.items()
            if status == MissionStatus.DELIVERED and pk in invoiced
        )
        for start in range(0, len(finished), BATCH_SIZE):
            Mission.objects.filter(pk__in=finished[start : start + BATCH_SIZE]).update(
                status=MissionStatus.INVOICED
            )

    def _finish(self) -> None:
        """Keys were chosen here: the database's sequences follow (PostgreSQL); the
        planner gets fresh statistics of the tables just filled."""
        models_written = (Invoice, InvoiceLine, Payment, RecoveryAction, AccountExpense)
        statements = connection.ops.sequence_reset_sql(no_style(), list(models_written))
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            for model in (*models_written, Mission):
                cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")


class _Rows:
    """Rows of one model sent a batch at a time as plain tuples (`executemany`): building
    a million model instances for `bulk_create` would cost minutes. The datetimes named are
    adapted here; JSON comes prepared by the caller (once per distinct value)."""

    def __init__(self, model, *, datetimes: tuple[str, ...] = ()):
        self.model = model
        self.datetimes = datetimes
        self.rows: list[tuple] = []
        self.names: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, **values) -> None:
        if self.names is None:
            self.names = tuple(values)
            # Every column is given (the database has no defaults), but the key may be
            # left to the database.
            fields = {f.name for f in self.model._meta.concrete_fields} - {"id"}
            missing = fields - set(self.names)
            if missing:
                raise ValueError(f"{self.model.__name__} rows miss {sorted(missing)}")
        adapt = connection.ops.adapt_datetimefield_value
        for name in self.datetimes:
            if values[name] is not None:
                values[name] = adapt(values[name])
        self.rows.append(tuple(values[name] for name in self.names))

    def flush(self) -> None:
        if not self.rows:
            return
        meta, quote = self.model._meta, connection.ops.quote_name
        columns = ", ".join(quote(meta.get_field(name).column) for name in self.names)
        placeholders = ", ".join(["%s"] * len(self.names))
        with connection.cursor() as cursor:
            cursor.executemany(
                # Names come from the model, values go as parameters.
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})",  # noqa: S608
                self.rows,
            )
        self.rows = []
