"""Writes of the members app, one module per idea; each function is one transaction."""

from members.services.accompaniment import (
    attendance_record,
    workshop_register,
    workshop_save,
    workshop_unregister,
)
from members.services.invitations import (
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
)
from members.services.path import (
    associate_join,
    cape_renew,
    cape_start,
    cesa_start,
    member_exit,
    member_register,
)
from members.services.people import (
    access_log_write,
    consent_record,
    consent_withdraw,
    document_add,
    sensitive_profile_read,
    sensitive_profile_set,
)

__all__ = [
    "access_log_write",
    "associate_join",
    "attendance_record",
    "cape_renew",
    "cape_start",
    "cesa_start",
    "consent_record",
    "consent_withdraw",
    "document_add",
    "invitation_accept",
    "invitation_create",
    "invitation_resend",
    "invitation_revoke",
    "member_exit",
    "member_register",
    "sensitive_profile_read",
    "sensitive_profile_set",
    "workshop_register",
    "workshop_save",
    "workshop_unregister",
]
