"""Worlds for the indicator tests: members on dated paths with their research consent,
validated sessions, issued invoices, credit notes and payments — made through the real
services (members.services, coop.billing, coop.ledger) so the history is what the
platform writes."""

import datetime
from decimal import Decimal

from activities.enums import AudienceKind, MissionKind, MissionStatus, SessionStatus
from coop import billing, ledger
from coop.enums import PaymentMethod
from members import services
from members.enums import ConsentScope, Role
from members.models import Consent, SensitiveProfile
from tests.activities.factories import ClientFactory, MissionFactory, SessionFactory
from tests.coop.factories import BillableClientFactory, CooperativeProfileFactory, line
from tests.members.factories import MemberFactory, UserFactory
from tests.research.factories import ProgrammeMemberFactory

CAPE_AFTER_MEETING = datetime.timedelta(days=14)
# MemberFactory's path: CESA 200 days after the CAPE start, associate after 300 days,
# exit after 350 days.
CESA_AFTER_CAPE = datetime.timedelta(days=200)
ASSOCIATE_AFTER_CAPE = datetime.timedelta(days=300)
EXIT_AFTER_CAPE = datetime.timedelta(days=350)


def consent(member, *, scope=ConsentScope.RESEARCH, given_on=None, withdrawn_on=None):
    return Consent.objects.create(
        member=member,
        scope=scope,
        given_on=given_on or member.information_meeting_on,
        withdrawn_on=withdrawn_on,
        explanation="Usage anonyme pour la recherche-action, retrait possible à tout moment.",
        recorded_by=member.coordinator,
    )


def withdraw(member, on: datetime.date | None = None) -> None:
    """The member withdraws their research consent (on that day, or the day it was
    given if later: figures leave them out whatever the date)."""
    for given in Consent.objects.in_force().filter(member=member, scope=ConsentScope.RESEARCH):
        given.withdrawn_on = max(on or given.given_on, given.given_on)
        given.save(update_fields=["withdrawn_on"])


def entrepreneur(path="cape", *, cape_on: datetime.date | None = None, consents=True, **fields):
    """A member whose first CAPE starts on `cape_on` (then CESA, associate and exit at
    MemberFactory's delays), with their research consent unless `consents=False`."""
    if cape_on is not None:
        fields["information_meeting_on"] = cape_on - CAPE_AFTER_MEETING
    member = MemberFactory(path=path, **fields)
    if consents:
        consent(member)
    return member


def to_cesa(member, on: datetime.date):
    """The member (in CAPE) signs a CESA on that day."""
    services.cesa_start(actor=member.coordinator, member=member, start_date=on)
    member.refresh_from_db()
    return member


def former_service_user(member) -> SensitiveProfile:
    """The member is a former service user, with their consent to that processing."""
    consent(member, scope=ConsentScope.HEALTH_PROFILE)
    return SensitiveProfile.objects.create(member=member, is_former_service_user=True)


def covered(member, programme, *, joined_on=None, left_on=None):
    return ProgrammeMemberFactory(
        programme=programme,
        member=member,
        joined_on=joined_on or programme.starts_on,
        left_on=left_on,
    )


def mission(member, *, kind=MissionKind.PREVENTION_WORKSHOP, programme=None, client=None):
    return MissionFactory(
        entrepreneurs=[member],
        kind=kind,
        programme=programme,
        client=client or ClientFactory(),
        status=MissionStatus.IN_PROGRESS,
        themes=[],
    )


def session(
    mission,
    *,
    date,
    minutes=120,
    department="93",
    audiences=None,
    themes=(),
    status=SessionStatus.VALIDATED,
):
    """A session of the mission's entrepreneur, validated unless told."""
    return SessionFactory(
        mission=mission,
        entrepreneur=mission.entrepreneurs.first(),
        date=date,
        duration_minutes=minutes,
        postcode=f"{department}100",
        department=department,
        status=status,
        audiences=audiences or {AudienceKind.PUPILS: 20},
        themes=list(themes),
    )


def billable_client(postcode: str):
    return BillableClientFactory(postcode=postcode)


def _coordinator():
    return UserFactory(role=Role.COORDINATOR)


def invoice(member, *, issued_on, net, client=None, mission=None):
    """An invoice of `net` € excluding VAT (ten lines' worth at 20 % VAT), issued on that
    day. Issue them in date order, as the platform requires."""
    CooperativeProfileFactory()
    client = client or (mission.client if mission else billable_client("93100"))
    draft = billing.invoice_create(
        actor=member.user,
        entrepreneur=member,
        client=client,
        mission=mission,
        title="Ateliers",
        lines=[line(quantity=Decimal("10"), unit_price=Decimal(net) / 10)],
        service_start=issued_on - datetime.timedelta(days=3),
    )
    return billing.invoice_issue(actor=_coordinator(), invoice=draft, issued_on=issued_on)


def credit_note(invoice, *, issued_on, tenths: int):
    """A credit note cancelling `tenths` tenths of the invoice, issued on that day."""
    actor = _coordinator()
    draft = billing.credit_note_create(
        actor=actor,
        invoice=invoice,
        reason="Une séance annulée",
        quantities={invoice.lines.get().pk: Decimal(tenths)},
    )
    return billing.invoice_issue(actor=actor, invoice=draft, issued_on=issued_on)


def payment(invoice, amount, *, paid_on):
    return ledger.payment_record(
        actor=_coordinator(),
        invoice=invoice,
        paid_on=paid_on,
        amount=Decimal(amount),
        method=PaymentMethod.TRANSFER,
    )


def reverse(payment):
    """The payment cancelled by a counter-entry (dated today, as the journal does)."""
    return ledger.payment_reverse(actor=_coordinator(), payment=payment, reason="Erreur")
