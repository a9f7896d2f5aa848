import rules

from coop.enums import CollectiveKind
from members.perms import (
    is_accountant,
    is_administrator,
    is_coordinator,
    is_entrepreneur,
    is_peer_support_lead,
)

# The Django admin site, for the administrator's configuration work.
rules.add_perm("coop.use_admin", is_administrator)
rules.add_perm("coop", is_administrator)
rules.add_perm("coop.view_outgoingemail", is_administrator)
# Funded programmes are configured by administrators.
rules.add_perm("coop.view_programme", is_administrator)
rules.add_perm("coop.add_programme", is_administrator)
rules.add_perm("coop.change_programme", is_administrator)

# --- Invoicing (the cooperative is the seller) -------------------------------------------
issuers = is_coordinator | is_accountant
# Every quote, invoice and payment of the cooperative: who issues, who keeps the books,
# who configures. Funders and researchers never see an invoice.
rules.add_perm("coop.view_invoicing", issuers | is_administrator)
# An entrepreneur's own quotes, invoices and treasury.
rules.add_perm("coop.draft_own_invoices", is_entrepreneur)
rules.add_perm("coop.view_own_treasury", is_entrepreneur)
# Coordinators draft for the people they accompany too.
rules.add_perm("coop.draft_invoices", is_coordinator | is_entrepreneur)
# Issuing, credit notes, payments, reminders, account expenses, the accounting export.
rules.add_perm("coop.issue_invoices", issuers)
rules.add_perm("coop.record_payments", issuers)
rules.add_perm("coop.manage_account_expenses", issuers)
rules.add_perm("coop.view_treasury", issuers | is_administrator)
rules.add_perm("coop.export_accounting", issuers)
# The cooperative's identity and particular contribution rates, in the admin site;
# issued invoices can be looked at there, never changed.
rules.add_perm("coop.view_cooperativeprofile", is_administrator)
rules.add_perm("coop.add_cooperativeprofile", is_administrator)
rules.add_perm("coop.change_cooperativeprofile", is_administrator)
rules.add_perm("coop.view_contributionrate", is_administrator)
rules.add_perm("coop.add_contributionrate", is_administrator)
rules.add_perm("coop.change_contributionrate", is_administrator)
rules.add_perm("coop.delete_contributionrate", is_administrator)
rules.add_perm("coop.view_invoice", is_administrator)

# --- Collectives' life: members, charter, Clubhouse daily life ----------------------------


@rules.predicate
def is_peer_help_collective(user, collective) -> bool:
    return collective is not None and collective.kind == CollectiveKind.PEER_HELP


collective_managers = is_coordinator | is_peer_support_lead
# Every collective, its members, charter, attendance, jobs and figures: coordinators run
# the cooperative's life, the peer-support lead the peer-help collectives; administrators
# read. Funders, researchers and accountants see none of it.
rules.add_perm("coop.view_collectives", collective_managers | is_administrator)
# Creating a collective, and the pages that only managers reach.
rules.add_perm("coop.manage_collectives", collective_managers)
# Changing one collective (its members, charter, daily life): coordinators any, the
# peer-support lead the peer-help collectives only.
rules.add_perm(
    "coop.manage_collective",
    is_coordinator | (is_peer_support_lead & is_peer_help_collective),
)
# "Mes collectifs": a person with an account sees their own memberships, reads and signs
# the charter in force, leaves and comes back.
rules.add_perm(
    "coop.view_own_collectives",
    is_entrepreneur | is_coordinator | is_peer_support_lead | is_administrator,
)

# --- Governance: associates and shares, bodies, elections, meetings (coop.governance) -----
# The register of associates and its ledger of shares: coordinators keep it; administrators
# read it, and accountants too, since shares are capital.
rules.add_perm("coop.view_associates", is_coordinator | is_administrator | is_accountant)
rules.add_perm("coop.manage_associates", is_coordinator)
# Bodies, seats, elections and meetings: coordinators run all of them, the peer-support
# lead those of the peer-help collectives (the querysets and coop.governance see to it);
# administrators read. Funders, researchers and accountants see none of it.
rules.add_perm("coop.view_bodies", is_coordinator | is_peer_support_lead | is_administrator)
rules.add_perm("coop.manage_bodies", is_coordinator | is_peer_support_lead)
# "Mes instances": a person with an account sees the bodies they belong to, their meetings
# and decisions, and their own shares.
rules.add_perm("coop.view_own_bodies", is_entrepreneur)
# The menu shows "Mes collectifs" to entrepreneurs; staff reach their collectives from
# the collectives list.
rules.add_perm("coop.own_collectives_in_menu", is_entrepreneur)
