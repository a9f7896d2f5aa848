"""The demo's invoicing, through the services (see coop.seed_invoicing)."""

import datetime
import heapq
import itertools
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from activities.enums import MissionStatus, SessionStatus
from activities.models import Mission, Session
from coop import billing, ledger
from coop.enums import (
    AccountExpenseKind,
    ClientKind,
    EmailStatus,
    ExpensePaidBy,
    InvoiceKind,
    QuoteStatus,
    RecoveryKind,
    Unit,
    VatExemption,
    VatRate,
)
from coop.models import (
    AccountExpense,
    Client,
    CooperativeProfile,
    Invoice,
    OutgoingEmail,
    Quote,
)
from coop.money import to_cents
from coop.seed_invoicing.common import (
    EXPENSE_REPORTS,
    ISSUE_DELAY_DAYS,
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
from members.enums import ContractKind, Role, Stage
from members.models import Contract, Member, User
from members.seed import DEMO_LOGINS
from members.seed.path import tiny_pdf


@dataclass
class _Issued:
    invoice: Invoice
    member: Member
    client: Client
    on: datetime.date


class _Timeline:
    """What happens in date order: an invoice is never issued before an earlier-dated
    one (the service refuses it), so every issue waits for its day."""

    def __init__(self):
        self._heap: list = []
        self._order = itertools.count()

    def at(self, day: datetime.date, action: Callable[[datetime.date], None]) -> None:
        heapq.heappush(self._heap, (day, next(self._order), action))

    def run(self) -> None:
        while self._heap:
            day, _order, action = heapq.heappop(self._heap)
            action(day)


# What becomes of an invoice past due: paid in full, in two instalments, in part, not.
PAST_DUE_FATES = {"full": 80, "twice": 10, "part": 6, "none": 4}


class Demo:
    """Every state a page shows, for the demo entrepreneur first: quotes in draft, sent,
    accepted and refused; invoices issued and paid in full, paid in part, one overdue and
    reminded, one waiting for the coordinator; a credit note; expenses and salaries."""

    # Share of the other entrepreneurs' recently finished work already invoiced (older
    # work is all invoiced), and of running missions invoiced month by month.
    RECENT_INVOICED_SHARE = 0.5
    MONTHLY_SHARE = 0.35
    RECENT_DAYS = 90

    def __init__(self, rng: random.Random, profile: CooperativeProfile):
        self.rng, self.profile = rng, profile
        self.today = timezone.localdate()
        self.lead = User.objects.get(email=DEMO_LOGINS[Role.COORDINATOR])
        self.accountant = User.objects.get(email=DEMO_LOGINS[Role.ACCOUNTANT])
        self.demo = Member.objects.select_related("user").get(
            user__email=DEMO_LOGINS[Role.ENTREPRENEUR]
        )
        self.timeline = _Timeline()
        self.issued: list[_Issued] = []
        self.credited: set[int] = set()  # by any credit note
        self.cancelled: set[int] = set()  # in full, made again
        self.credit_note_done = False

    def run(self) -> None:
        self._quotes()
        self._plan_invoices()
        self.timeline.run()
        self._payments()
        self._reminders()
        self._expenses()

    # --- e-mails of the past ---

    def _delivered(self, since_pk: int, day: datetime.date) -> None:
        """The e-mails a service stored since `since_pk` went out on `day`: they are kept
        as delivery leaves them (a trace, no content), and never sent again."""
        moment = at(min(day, self.today), 9, self.rng.randint(0, 59))
        OutgoingEmail.objects.filter(pk__gt=since_pk, status=EmailStatus.PENDING).update(
            status=EmailStatus.SENT,
            attempts=1,
            created_at=moment,
            next_attempt_at=moment,
            sent_at=moment,
            body="",
            html_body="",
            attachments=[],
        )

    @staticmethod
    def _last_email_pk() -> int:
        return OutgoingEmail.objects.aggregate(last=models.Max("pk"))["last"] or 0

    def _author(self, member: Member) -> User:
        """The entrepreneur drafts their own documents while their account is active;
        the coordinator drafts for the others."""
        user = member.user
        if user is not None and user.is_active and user.role == Role.ENTREPRENEUR:
            return user
        return self.lead

    def _issuer(self) -> User:
        return self.lead if self.rng.random() < 0.7 else self.accountant

    @staticmethod
    def _recipients(client: Client) -> list[str]:
        addresses = [contact.email for contact in client.contacts.all() if contact.email]
        if client.email:
            addresses.append(client.email)
        return addresses[:2] or [f"contact@{slugify(client.name)[:30].strip('-')}.example"]

    # --- quotes ---

    def _quotes(self) -> None:
        """The demo entrepreneur's four states, then a few quotes of the others."""
        missions = list(
            Mission.objects.filter(entrepreneurs=self.demo)
            .select_related("client")
            .annotate(
                validated=models.Count(
                    "sessions", filter=models.Q(sessions__status=SessionStatus.VALIDATED)
                )
            )
            .order_by("starts_on", "pk")
        )
        by_status = defaultdict(list)
        for mission in missions:
            by_status[mission.status].append(mission)
        # Proposed: the quote is being prepared. Planned: sent, waiting for an answer.
        # Running without validated sessions yet: accepted, its invoice drafted.
        draft_for = (by_status[MissionStatus.PROPOSED] or [None])[0]
        sent_for = (by_status[MissionStatus.PLANNED] or [None])[0]
        accepted_for = next(
            (m for m in by_status[MissionStatus.IN_PROGRESS] if not m.validated), None
        )
        self._quote(self.demo, draft_for, QuoteStatus.DRAFT, days_ago=1)
        self._quote(self.demo, sent_for, QuoteStatus.SENT, days_ago=3)
        accepted = self._quote(self.demo, accepted_for, QuoteStatus.ACCEPTED, days_ago=20)
        billing.invoice_from_quote(actor=self._author(self.demo), quote=accepted)
        self._quote(self.demo, None, QuoteStatus.REFUSED, days_ago=34)

        others = list(
            Mission.objects.filter(status__in=[MissionStatus.PLANNED, MissionStatus.PROPOSED])
            .exclude(entrepreneurs=self.demo)
            .select_related("client")
            .order_by("pk")
        )
        states = [QuoteStatus.SENT, QuoteStatus.ACCEPTED, QuoteStatus.DRAFT, QuoteStatus.SENT]
        for mission, status in zip(others, states, strict=False):
            member = mission.entrepreneurs.order_by("pk").first()
            if member is not None:
                self._quote(member, mission, status, days_ago=self.rng.randint(2, 25))

    def _quote(self, member: Member, mission, status: str, *, days_ago: int) -> Quote:
        """A quote for the mission (its sessions or its agreed price), or typed by hand:
        a training day at 0 % (exempt), for a client the member already works with."""
        actor = self._author(member)
        if mission is not None:
            quote = billing.quote_from_mission(actor=actor, mission=mission, entrepreneur=member)
        else:
            client = (
                Client.objects.filter(missions__entrepreneurs=member).order_by("pk").first()
                or Client.objects.exclude(kind=ClientKind.INDIVIDUAL).order_by("pk").first()
            )
            quote = billing.quote_create(
                actor=actor,
                entrepreneur=member,
                client=client,
                title="Journée de sensibilisation au rétablissement pour une équipe",
                vat_exemption=VatExemption.TRAINING,
                notes="Support remis à chaque participant·e. Déjeuner non compris.",
                lines=[
                    billing.LineInput(
                        description="Journée de formation (7 heures), co-animée par une paire",
                        quantity=Decimal("1"),
                        unit=Unit.DAY,
                        unit_price=Decimal("950.00"),
                        vat_rate=VatRate.ZERO,
                    ),
                    billing.LineInput(
                        description="Déplacement",
                        quantity=Decimal("64"),
                        unit=Unit.KILOMETRE,
                        unit_price=Decimal("0.60"),
                        vat_rate=VatRate.ZERO,
                    ),
                ],
            )
        # Quotes are numbered in the year they are sent: the history stays in this year.
        sent_on = max(
            self.today - datetime.timedelta(days=days_ago), self.today.replace(month=1, day=1)
        )
        Quote.objects.filter(pk=quote.pk).update(created_at=at(sent_on, 9))
        if status == QuoteStatus.DRAFT:
            return quote
        before = self._last_email_pk()
        quote = billing.quote_send(actor=actor, quote=quote, to=self._recipients(quote.client))
        self._delivered(before, sent_on)
        Quote.objects.filter(pk=quote.pk).update(sent_on=sent_on)
        if status == QuoteStatus.SENT:
            return quote
        answered_on = min(sent_on + days_between(self.rng, 2, 9), self.today)
        return billing.quote_answer(
            actor=actor, quote=quote, accepted=status == QuoteStatus.ACCEPTED, on=answered_on
        )

    # --- invoices ---

    def _plan_invoices(self) -> None:
        """Validated sessions waiting to be billed become invoices: a finished mission in
        one invoice per entrepreneur, a running one month by month. The demo entrepreneur's
        sessions of this month (and her partners' on her missions) wait in an invoice
        asked for, that the coordinator has not issued yet."""
        sessions = (
            Session.objects.filter(
                status=SessionStatus.VALIDATED,
                mission__status__in=[MissionStatus.IN_PROGRESS, MissionStatus.DELIVERED],
            )
            .select_related("mission__client", "entrepreneur__user")
            .prefetch_related("mission__entrepreneurs")
            .order_by("mission", "entrepreneur", "date", "start_time", "pk")
        )
        groups: dict[tuple, list[Session]] = defaultdict(list)
        for session in sessions:
            groups[session.mission, session.entrepreneur].append(session)
        waiting: list[tuple] = []
        # One decision per mission, so that paired entrepreneurs are invoiced alike and a
        # mission marked invoiced has nothing left to bill.
        monthly = defaultdict(lambda: self.rng.random() < self.MONTHLY_SHARE)
        recent_invoiced = defaultdict(lambda: self.rng.random() < self.RECENT_INVOICED_SHARE)
        for (mission, member), mission_sessions in groups.items():
            mine = self.demo in mission.entrepreneurs.all()
            if mission.status == MissionStatus.DELIVERED:
                periods = [mission_sessions]
            else:
                by_month = defaultdict(list)
                for session in mission_sessions:
                    by_month[session.date.replace(day=1)].append(session)
                periods = list(by_month.values())
                if not mine and not monthly[mission.pk]:
                    continue
            for period in periods:
                ready = max(max(s.date, timezone.localdate(s.reviewed_at)) for s in period)
                running = mission.status != MissionStatus.DELIVERED
                month_over = month_end(period[-1].date) < self.today - datetime.timedelta(days=4)
                if running and not month_over:
                    if mine:
                        waiting.append((mission, member, period, ready))
                    continue
                recent = (self.today - ready).days < self.RECENT_DAYS
                if not mine and recent and not recent_invoiced[mission.pk]:
                    continue
                start = month_end(period[-1].date) + datetime.timedelta(days=1)
                on = max(ready, start if running else ready) + days_between(
                    self.rng, *ISSUE_DELAY_DAYS
                )
                if on >= self.today:
                    if mine:
                        waiting.append((mission, member, period, ready))
                    continue
                self.timeline.at(on, self._issue_action(mission, member, period))
        for mission, member, period, ready in waiting:
            self._requested(mission, member, period, ready)

    def _draft(self, mission, member, period, day: datetime.date) -> Invoice:
        actor = self._author(member)
        invoice = billing.invoice_from_sessions(
            actor=actor, mission=mission, entrepreneur=member, sessions=period
        )
        if mission.client.is_public:
            billing.invoice_update(
                actor=actor,
                invoice=invoice,
                chorus_service_code="FACTURES",
                chorus_commitment=f"EJ{day.year}{self.rng.randint(100000, 999999)}",
            )
        Invoice.objects.filter(pk=invoice.pk).update(created_at=at(day, 18))
        return invoice

    def _requested(self, mission, member, period, ready: datetime.date) -> None:
        day = min(ready + datetime.timedelta(days=1), self.today)
        invoice = self._draft(mission, member, period, day)
        before = self._last_email_pk()
        billing.invoice_request_issue(actor=self._author(member), invoice=invoice)
        self._delivered(before, day)
        Invoice.objects.filter(pk=invoice.pk).update(requested_at=at(day, 18, 30))

    def _issue_action(self, mission, member, period) -> Callable[[datetime.date], None]:
        def issue(day: datetime.date) -> None:
            invoice = self._draft(mission, member, period, day - datetime.timedelta(days=1))
            actor = self._author(member)
            if actor.role == Role.ENTREPRENEUR:
                before = self._last_email_pk()
                billing.invoice_request_issue(actor=actor, invoice=invoice)
                self._delivered(before, day - datetime.timedelta(days=1))
                Invoice.objects.filter(pk=invoice.pk).update(
                    requested_at=at(day - datetime.timedelta(days=1), 18, 30)
                )
            invoice = billing.invoice_issue(actor=self._issuer(), invoice=invoice, issued_on=day)
            self.issued.append(_Issued(invoice, member, mission.client, day))
            self._maybe_credit(invoice, member, mission, period, day)

        return issue

    def _maybe_credit(self, invoice, member, mission, period, day) -> None:
        """The first invoice of another entrepreneur old enough is found wrong: cancelled
        by a credit note, then made again for the same sessions."""
        if self.credit_note_done or member == self.demo:
            return
        credit_on = day + days_between(self.rng, 6, 20)
        if credit_on >= self.today - datetime.timedelta(days=10):
            return
        self.credit_note_done = True

        def credit(on: datetime.date) -> None:
            issuer = self.lead
            draft = billing.credit_note_create(
                actor=issuer, invoice=invoice, reason=WRONG_INVOICE_REASON
            )
            billing.invoice_issue(actor=issuer, invoice=draft, issued_on=on)
            self.credited.add(invoice.pk)
            self.cancelled.add(invoice.pk)
            self.timeline.at(
                on + days_between(self.rng, 1, 3), self._issue_action(mission, member, period)
            )

        self.timeline.at(credit_on, credit)

    def _gesture(self) -> None:
        """A partial credit note: half a session taken off an invoice of several."""
        for issued in reversed(self.issued):
            invoice = issued.invoice
            if invoice.pk in self.credited or issued.member == self.demo:
                continue
            lines = list(invoice.lines.all())
            if len(lines) < 2 or (self.today - issued.on).days < 30:
                continue
            draft = billing.credit_note_create(
                actor=self.lead,
                invoice=invoice,
                reason=SHORTENED_SESSION_REASON,
                quantities={lines[-1].pk: Decimal("0.50")},
            )
            billing.invoice_issue(actor=self.lead, invoice=draft)
            self.credited.add(invoice.pk)
            return

    # --- money in ---

    def _payments(self) -> None:
        """Most invoices past due are paid in full, some in two instalments, a few in
        part only; the demo entrepreneur's first is paid, her latest one past due is
        paid in part and overdue."""
        self._gesture()
        mine = [issued for issued in self.issued if issued.member == self.demo]
        mine_past_due = [i for i in mine if i.invoice.due_on < self.today]
        overdue = mine_past_due[-1] if mine_past_due else None
        for issued in self.issued:
            invoice = issued.invoice
            if invoice.pk in self.cancelled:
                continue
            method = payment_method(self.rng, issued.client.kind, issued.client.is_public)
            due = invoice.due_on < self.today
            if issued is overdue:
                fate = "part"
            elif mine and issued is mine[0]:
                fate = "full"
            elif due:
                fate = self.rng.choices(list(PAST_DUE_FATES), list(PAST_DUE_FATES.values()))[0]
            else:
                fate = "full" if self.rng.random() < 0.25 else "none"
            self._pay(invoice, fate, method, issued.on)

    def _pay(self, invoice: Invoice, fate: str, method: str, issued_on: datetime.date) -> None:
        if fate == "none":
            return
        owed = _left_to_pay(invoice)
        first_on = min(issued_on + days_between(self.rng, *PAYMENT_DELAY_DAYS), self.today)
        first = owed if fate == "full" else first_instalment(self.rng, owed)
        if first >= owed:
            first, fate = owed, "full"
        ledger.payment_record(
            actor=self.accountant,
            invoice=invoice,
            paid_on=first_on,
            amount=first,
            method=method,
            reference=payment_reference(self.rng, method, invoice.number),
        )
        if fate == "twice":
            ledger.payment_record(
                actor=self.accountant,
                invoice=invoice,
                paid_on=min(first_on + days_between(self.rng, 15, 40), self.today),
                amount=owed - first,
                method=method,
                reference=payment_reference(self.rng, method, invoice.number),
                note="Solde",
            )

    def _reminders(self) -> None:
        """Overdue invoices: the automatic reminder of the day (what Celery beat sends),
        and for the demo entrepreneur's a call noted in the recovery log."""
        before = self._last_email_pk()
        ledger.reminders_send_due(today=self.today)
        self._delivered(before, self.today)
        overdue = (
            Invoice.objects.with_paid()
            .overdue(self.today)
            .filter(entrepreneur=self.demo)
            .order_by("due_on")
            .first()
        )
        if overdue is not None:
            ledger.recovery_action_log(
                actor=self.lead,
                invoice=overdue,
                kind=RecoveryKind.PHONE_CALL,
                note=(
                    "Appel au service comptable du client : la facture est en attente de "
                    "visa, paiement promis sous quinze jours."
                ),
            )

    # --- money out ---

    def _expenses(self) -> None:
        """For every salaried entrepreneur (CESA), the salary's employer cost of each of
        the last twelve months, in step with what their activity brought in; supplier
        invoices and expense reports, most reimbursed, one still waiting for the demo
        entrepreneur."""
        first_month = add_months(self.today.replace(day=1), -12)
        last_month = add_months(self.today.replace(day=1), -1)
        revenue = defaultdict(Decimal)
        for member_id, net, kind in (
            Invoice.objects.issued()
            .filter(issued_on__gte=first_month)
            .values_list("entrepreneur", "net", "kind")
        ):
            revenue[member_id] += -net if kind == InvoiceKind.CREDIT_NOTE else net
        contracts = defaultdict(list)
        for contract in Contract.objects.filter(kind=ContractKind.CESA).order_by("start_date"):
            contracts[contract.member_id].append(contract)
        members = (
            Member.objects.filter(pk__in=list(contracts)).select_related("user").order_by("pk")
        )
        for member in members:
            yearly = max(revenue[member.pk], Decimal("0"))
            monthly = to_cents(yearly * SALARY_SHARE / 12)
            if monthly < 100:
                continue
            month = first_month
            while month <= last_month:
                end = month_end(month)
                if any(_covers(contract, end) for contract in contracts[member.pk]):
                    cost = to_cents(monthly * Decimal(self.rng.randint(90, 110)) / 100)
                    self._expense(
                        member,
                        kind=AccountExpenseKind.SALARY,
                        spent_on=end,
                        description=f"Salaire de {month_name(month)} {month.year} (coût employeur)",
                        net=cost,
                    )
                month = add_months(month, 1)
        workers = Member.objects.filter(
            stage__in=[Stage.CAPE, Stage.CESA, Stage.ASSOCIATE]
        ).order_by("pk")
        for member in workers:
            mine = member == self.demo
            for _ in range(self.rng.randint(1, 3) if mine else self.rng.randint(0, 2)):
                self._supplier_invoice(member)
            reports = 2 if member == self.demo else self.rng.randint(0, 1)
            for index in range(reports):
                waiting = member == self.demo and index == reports - 1
                self._expense_report(member, reimbursed=not waiting)

    def _expense(self, member, *, kind, spent_on, description, net, vat=Decimal("0"), **more):
        expense = ledger.account_expense_add(
            actor=self.accountant,
            entrepreneur=member,
            kind=kind,
            spent_on=spent_on,
            description=description,
            net=net,
            vat=vat,
            **more,
        )
        AccountExpense.objects.filter(pk=expense.pk).update(
            recorded_at=at(min(spent_on + datetime.timedelta(days=2), self.today), 11)
        )
        return expense

    def _supplier_invoice(self, member: Member) -> None:
        supplier, what, rate, (low, high) = self.rng.choice(SUPPLIERS)
        spent_on = self.today - days_between(self.rng, 5, 330)
        net = Decimal(self.rng.randint(low * 100, high * 100)) / 100
        reference = f"F{spent_on.year}-{self.rng.randint(100, 9999):04d}"
        self._expense(
            member,
            kind=AccountExpenseKind.SUPPLIER_INVOICE,
            spent_on=spent_on,
            description=what,
            net=net,
            vat=to_cents(net * Decimal(rate) / 100),
            supplier=supplier,
            supplier_reference=reference,
            receipt=_receipt(f"Facture {reference}", supplier, what, net),
        )

    def _expense_report(self, member: Member, *, reimbursed: bool) -> None:
        what, rate, (low, high) = self.rng.choice(EXPENSE_REPORTS)
        spent_on = self.today - days_between(self.rng, 3 if not reimbursed else 20, 300)
        net = Decimal(self.rng.randint(low * 100, high * 100)) / 100
        expense = self._expense(
            member,
            kind=AccountExpenseKind.EXPENSE_REPORT,
            spent_on=spent_on,
            description=what,
            net=net,
            vat=to_cents(net * Decimal(rate) / 100),
            paid_by=ExpensePaidBy.ENTREPRENEUR,
            receipt=_receipt("Justificatif", what, "", net),
        )
        if reimbursed:
            ledger.account_expense_reimburse(
                actor=self.accountant,
                expense=expense,
                on=min(spent_on + days_between(self.rng, 7, 35), self.today),
            )


def _left_to_pay(invoice: Invoice) -> Decimal:
    """What the client still owes, summed in Python: each stored amount is exact, a sum
    made by SQLite is a float."""
    paid = sum(invoice.payments.values_list("amount", flat=True), Decimal("0.00"))
    credited = sum(
        Invoice.objects.issued().filter(credited_invoice=invoice).values_list("gross", flat=True),
        Decimal("0.00"),
    )
    return invoice.gross - paid - credited


def _covers(contract: Contract, day: datetime.date) -> bool:
    return contract.start_date <= day and (contract.end_date is None or day <= contract.end_date)


def _receipt(title: str, who: str, what: str, net: Decimal) -> SimpleUploadedFile:
    amount = f"{net:.2f}".replace(".", ",")
    content = tiny_pdf(title, who, what, f"Montant HT : {amount} EUR")
    return SimpleUploadedFile("justificatif.pdf", content, content_type="application/pdf")
