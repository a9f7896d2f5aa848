"""Who may do what with missions, sessions and clients (see members/perms.py)."""

import rules

from members.perms import (
    is_accountant,
    is_administrator,
    is_coordinator,
    is_entrepreneur,
)

readers = is_coordinator | is_administrator | is_accountant

# Missions: coordinators create, assign and move them; entrepreneurs see theirs and
# propose new ones; administrators and accountants read.
rules.add_perm("activities.view_missions", readers)
rules.add_perm("activities.manage_missions", is_coordinator)
rules.add_perm("activities.view_own_missions", is_entrepreneur)
rules.add_perm("activities.propose_mission", is_entrepreneur)
# Sessions: entrepreneurs log theirs; coordinators validate or send back.
rules.add_perm("activities.log_session", is_entrepreneur)
rules.add_perm("activities.view_sessions", readers)
rules.add_perm("activities.review_sessions", is_coordinator)
# The calendar feed of one's missions, for the phone's calendar.
rules.add_perm("activities.use_calendar_feed", is_entrepreneur)
# The client directory lives in coop (the cooperative is the seller).
rules.add_perm("coop.view_clients", readers)
rules.add_perm("coop.manage_clients", is_coordinator)
