"""Documents in each state of their life, for the quote and invoice pages' tests. Made
through the real services (coop.billing), like tests/coop/factories.py."""

import datetime

from activities.enums import MissionStatus, SessionStatus
from coop import billing
from members.enums import Role
from tests.activities.factories import MissionFactory, SessionFactory
from tests.coop.factories import (
    BillableClientFactory,
    CooperativeProfileFactory,
    draft_invoice,
    draft_quote,
)
from tests.members.factories import MemberFactory, UserFactory


def entrepreneur():
    """A member in CAPE with an entrepreneur account."""
    return MemberFactory(path="cape")


def mission_with_sessions(*, member=None, validated=2, logged=0, client=None, **fields):
    """A mission in progress for a billable client, with validated (billable) sessions on
    distinct past days and, optionally, sessions still waiting for validation."""
    member = member or entrepreneur()
    fields.setdefault("status", MissionStatus.IN_PROGRESS)
    mission = MissionFactory(
        entrepreneurs=[member], client=client or BillableClientFactory(), **fields
    )
    for index in range(validated):
        SessionFactory(
            mission=mission,
            entrepreneur=member,
            status=SessionStatus.VALIDATED,
            date=mission.starts_on + datetime.timedelta(days=index + 1),
        )
    for index in range(logged):
        SessionFactory(
            mission=mission,
            entrepreneur=member,
            date=mission.starts_on + datetime.timedelta(days=validated + index + 1),
        )
    return mission


def sent_quote(**kwargs):
    """A quote sent to its client by its entrepreneur (numbered, e-mailed with its PDF)."""
    CooperativeProfileFactory()
    quote = draft_quote(**kwargs)
    return billing.quote_send(
        actor=quote.entrepreneur.user, quote=quote, to=[quote.client.email or "client@exemple.fr"]
    )


def accepted_quote(**kwargs):
    quote = sent_quote(**kwargs)
    return billing.quote_answer(actor=quote.entrepreneur.user, quote=quote, accepted=True)


def requested_invoice(**kwargs):
    """A draft whose entrepreneur asked a coordinator to issue it."""
    invoice = draft_invoice(**kwargs)
    return billing.invoice_request_issue(actor=invoice.entrepreneur.user, invoice=invoice)


def coordinator():
    return UserFactory(role=Role.COORDINATOR)
