"""Who may do what. Every role's rights are declared here and in each app's perms.py,
as named predicates of the `rules` package; views ask `user.has_perm(...)` or call the
functions below, and reach objects only through `visible_to(user)` querysets."""

import rules

from members.enums import Role


def has_role(*roles: Role) -> rules.Predicate:
    """An active, logged-in account holding one of these roles."""

    def check(user) -> bool:
        return bool(
            getattr(user, "is_authenticated", False) and user.is_active and user.role in roles
        )

    return rules.Predicate(check, name="has_role:" + ",".join(roles))


is_administrator = has_role(Role.ADMINISTRATOR)
is_coordinator = has_role(Role.COORDINATOR)
is_entrepreneur = has_role(Role.ENTREPRENEUR)
is_peer_support_lead = has_role(Role.PEER_SUPPORT_LEAD)
is_accountant = has_role(Role.ACCOUNTANT)
is_funder = has_role(Role.FUNDER)
is_researcher = has_role(Role.RESEARCHER)

# Accounts and invitations: administrators and coordinators.
rules.add_perm("members.view_accounts", is_administrator | is_coordinator)
rules.add_perm("members.invite", is_administrator | is_coordinator)

# Django admin site: administrators only, and only the models listed here. Health data
# is never registered in the admin site.
rules.add_perm("members", is_administrator)
rules.add_perm("members.view_user", is_administrator)
rules.add_perm("members.change_user", is_administrator)
rules.add_perm("members.view_invitation", is_administrator)
rules.add_perm("auditlog", is_administrator)
rules.add_perm("auditlog.view_logentry", is_administrator)

# Roles a coordinator may give: the people they accompany and the programmes' readers.
# Roles with wide access (administrator, coordinator, peer-support lead, accountant) are
# given by an administrator only.
COORDINATOR_INVITABLE_ROLES = frozenset({Role.ENTREPRENEUR, Role.FUNDER, Role.RESEARCHER})


def invitable_roles(user) -> list[Role]:
    """The roles that this user may give in an invitation, in the order of `Role`."""
    if is_administrator(user):
        return list(Role)
    if is_coordinator(user):
        return [role for role in Role if role in COORDINATOR_INVITABLE_ROLES]
    return []


def can_manage_invitation(user, invitation) -> bool:
    """Resend or revoke an invitation: an administrator always; a coordinator for the
    roles a coordinator may give."""
    return Role(invitation.role) in invitable_roles(user)


# Members and their path. Coordinators follow and change; administrators may read.
rules.add_perm("members.view_members", is_coordinator | is_administrator)
rules.add_perm("members.manage_members", is_coordinator)
rules.add_perm("members.view_dashboard", is_coordinator)
# Workshops: coordinators run them; entrepreneurs see them and register themselves.
rules.add_perm("members.view_workshops", is_coordinator | is_administrator | is_entrepreneur)
rules.add_perm("members.manage_workshops", is_coordinator)
rules.add_perm("members.register_self", is_entrepreneur)
# The entrepreneur's own page: profile, path, contracts, documents, appointments.
rules.add_perm("members.view_own_path", is_entrepreneur)

# The skills catalogue, in the admin site.
rules.add_perm("members.view_skill", is_administrator)
rules.add_perm("members.add_skill", is_administrator)
rules.add_perm("members.change_skill", is_administrator)
rules.add_perm("members.delete_skill", is_administrator)
