"""Writes (and logged reads) of the peer-support app, one module per idea; each function
takes keyword arguments with an explicit `actor`, is one transaction, and writes the
access log of the follow-ups it reads or touches."""

from peer_support.services.common import access_log_write, access_log_write_many
from peer_support.services.followups import (
    comediator_add,
    comediator_remove,
    followup_close,
    followup_list_read,
    followup_open,
    followup_read,
    followup_record_later_situation,
    followup_transfer,
    followup_update,
    research_consent_record,
    research_consent_withdraw,
)
from peer_support.services.rights import (
    followup_erase,
    followup_export,
    followup_export_pdf,
    followups_anonymise_expired,
)
from peer_support.services.work import (
    goal_progress_record,
    goal_set,
    meeting_delete,
    meeting_log,
    meeting_update,
    referral_answer,
    referral_remind_due,
    referral_send,
    workshop_attendance_set,
    workshop_create,
    workshop_read,
    workshop_update,
)

__all__ = [
    "access_log_write",
    "access_log_write_many",
    "comediator_add",
    "comediator_remove",
    "followup_close",
    "followup_erase",
    "followup_export",
    "followup_export_pdf",
    "followup_list_read",
    "followup_open",
    "followup_read",
    "followup_record_later_situation",
    "followup_transfer",
    "followup_update",
    "followups_anonymise_expired",
    "goal_progress_record",
    "goal_set",
    "meeting_delete",
    "meeting_log",
    "meeting_update",
    "referral_answer",
    "referral_remind_due",
    "referral_send",
    "research_consent_record",
    "research_consent_withdraw",
    "workshop_attendance_set",
    "workshop_create",
    "workshop_read",
    "workshop_update",
]
