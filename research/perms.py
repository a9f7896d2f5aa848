"""Who may do what in the action research. Funders and researchers reach only the
anonymous outputs of the programmes their account is attached to (the door is
`Programme.objects.visible_to(user)`); nobody here reaches a nominative page."""

import rules

from members.perms import (
    is_administrator,
    is_coordinator,
    is_entrepreneur,
    is_funder,
    is_peer_support_lead,
    is_researcher,
)

# The Django admin site: administrators read funders and their contacts there.
rules.add_perm("research", is_administrator)
rules.add_perm("research.view_funder", is_administrator)
rules.add_perm("research.view_fundercontact", is_administrator)
# Programmes: coordinators set them up (funders, contacts, readers, members covered);
# administrators read; funders and researchers see their own programmes' pages.
rules.add_perm("research.view_programmes", is_coordinator | is_administrator)
rules.add_perm("research.manage_programmes", is_coordinator)
rules.add_perm("research.view_own_programmes", is_funder | is_researcher)
# Anonymous indicators (protected tables and charts): coordinators, administrators and
# researchers (of their programmes).
rules.add_perm("research.view_indicators", is_coordinator | is_administrator | is_researcher)
# Pseudonymised extracts: researchers ask, coordinators approve.
rules.add_perm("research.request_extracts", is_researcher)
rules.add_perm("research.approve_extracts", is_coordinator)
# Questionnaires: coordinators and researchers build instruments and open waves and
# surveys; the answers of a person are filled by the member (or the accompanied person
# with their mediator).
rules.add_perm("research.manage_questionnaires", is_coordinator | is_researcher)
# Who is asked to answer a structure survey, and who answered: coordinators only
# (researchers see the results, never a structure's name next to its answers).
rules.add_perm("research.manage_survey_recipients", is_coordinator)
rules.add_perm("research.fill_questionnaires", is_entrepreneur)
rules.add_perm("research.fill_with_accompanied_person", is_entrepreneur | is_peer_support_lead)
# Reports: coordinators run, re-run, preview and send; funders read their programmes'
# reports in their portal.
rules.add_perm("research.run_reports", is_coordinator)
rules.add_perm("research.view_reports", is_coordinator | is_administrator)
rules.add_perm("research.use_portal", is_funder)
# Testimonials for the reports: coordinators choose those of members, the peer-support
# lead records those of accompanied people (whose follow-ups only the lead reads).
rules.add_perm("research.manage_testimonials", is_coordinator | is_peer_support_lead)
