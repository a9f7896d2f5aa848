"""The members app's models, by idea: accounts, people and their path, accompaniment."""

from members.models.accompaniment import (
    Appointment,
    Workshop,
    WorkshopRegistration,
    WorkshopSlot,
)
from members.models.accounts import Invitation, User, UserManager
from members.models.path import Contract, PathStep
from members.models.people import (
    AccessLog,
    Consent,
    Document,
    Member,
    SensitiveProfile,
    Skill,
    Training,
)
from members.models.situation import MemberSituation

__all__ = [
    "AccessLog",
    "Appointment",
    "Consent",
    "Contract",
    "Document",
    "Invitation",
    "Member",
    "MemberSituation",
    "PathStep",
    "SensitiveProfile",
    "Skill",
    "Training",
    "User",
    "UserManager",
    "Workshop",
    "WorkshopRegistration",
    "WorkshopSlot",
]
