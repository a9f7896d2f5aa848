"""Governance, as services (STYLE.md): the register of associates and its ledger of
shares, the bodies of the collectives with their seats and elections, and meetings from
the convocation to the minutes. Each function is one transaction, checks who acts, and
refuses with a French message what the statutes or the law would not allow.

Coordinators keep the register and run every body; the peer-support lead runs the bodies
of the peer-help collectives. A cooperative is owned by its associates, one person one
vote: the shares someone holds never weigh in a vote here."""

from coop.governance.bodies import (
    DEFAULT_RULES,
    Composition,
    body_create,
    body_update,
    candidate_add,
    composition_on,
    election_count,
    election_create,
    seat_add,
    seat_end,
)
from coop.governance.common import can_create_body_in, can_manage_body, keeps_register
from coop.governance.meetings import (
    ConvocationReport,
    Quorum,
    RosterEntry,
    agenda_item_add,
    agenda_item_remove,
    attendance_record,
    body_roster,
    check_in_session,
    convocation_deadline,
    decision_record,
    majority_result,
    meeting_close,
    meeting_convene,
    meeting_create,
    meeting_update,
    quorum_of,
)
from coop.governance.shares import (
    associate_admit,
    associate_leave,
    refund_pay,
    share_terms_of,
    share_terms_save,
    shares_pay,
    shares_subscribe,
    shares_transfer,
)

__all__ = [
    "DEFAULT_RULES",
    "Composition",
    "ConvocationReport",
    "Quorum",
    "RosterEntry",
    "agenda_item_add",
    "agenda_item_remove",
    "associate_admit",
    "associate_leave",
    "attendance_record",
    "body_create",
    "body_roster",
    "body_update",
    "can_create_body_in",
    "can_manage_body",
    "candidate_add",
    "check_in_session",
    "composition_on",
    "convocation_deadline",
    "decision_record",
    "election_count",
    "election_create",
    "keeps_register",
    "majority_result",
    "meeting_close",
    "meeting_convene",
    "meeting_create",
    "meeting_update",
    "quorum_of",
    "refund_pay",
    "seat_add",
    "seat_end",
    "share_terms_of",
    "share_terms_save",
    "shares_pay",
    "shares_subscribe",
    "shares_transfer",
]
