import rules

from members.perms import is_administrator

# The Django admin site, for the administrator's configuration work.
rules.add_perm("coop.use_admin", is_administrator)
rules.add_perm("coop", is_administrator)
rules.add_perm("coop.view_outgoingemail", is_administrator)
# Funded programmes are configured by administrators.
rules.add_perm("coop.view_programme", is_administrator)
rules.add_perm("coop.add_programme", is_administrator)
rules.add_perm("coop.change_programme", is_administrator)
