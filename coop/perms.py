import rules

from members.perms import is_administrator

# The Django admin site, for the administrator's configuration work.
rules.add_perm("coop.use_admin", is_administrator)
rules.add_perm("coop", is_administrator)
rules.add_perm("coop.view_outgoingemail", is_administrator)
