"""The peer-support app's models, by idea: the follow-up of a person (identity,
mediators, consents, situations), what is done with them (goals, meetings, referrals,
workshops), and the access log."""

from peer_support.models.access import AccessLog, AppendOnlyError
from peer_support.models.followups import (
    COUNTABLE_FIELDS,
    CoMediator,
    Consent,
    FollowUp,
    Situation,
    sees_every_followup,
)
from peer_support.models.work import (
    REFERRAL_MAX_REMINDERS,
    REFERRAL_REMIND_AFTER_DAYS,
    Goal,
    GoalProgress,
    Meeting,
    PeerWorkshop,
    Referral,
    WorkshopAttendance,
    WorkshopFacilitator,
)

__all__ = [
    "COUNTABLE_FIELDS",
    "REFERRAL_MAX_REMINDERS",
    "REFERRAL_REMIND_AFTER_DAYS",
    "AccessLog",
    "AppendOnlyError",
    "CoMediator",
    "Consent",
    "FollowUp",
    "Goal",
    "GoalProgress",
    "Meeting",
    "PeerWorkshop",
    "Referral",
    "Situation",
    "WorkshopAttendance",
    "WorkshopFacilitator",
    "sees_every_followup",
]
