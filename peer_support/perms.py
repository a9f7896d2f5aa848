"""Who may do what with the follow-ups of accompanied people (health data).

A peer mediator is an entrepreneur whose member record says peer health mediator, still
in the cooperative. They read and write only the follow-ups they accompany, as main
mediator or co-mediator. The peer-support lead reads every follow-up, rectifies, closes,
transfers, exports and erases, and alone reads the access log. Nobody else reads a
follow-up: coordinators and the lead see anonymous counts only (research has its own
outputs). Pages reach follow-ups through `FollowUp.objects.visible_to(user)`; the
functions below decide what may be done with one the user already sees, and the services
ask them again.
"""

import rules

from members.enums import Stage
from members.perms import is_coordinator, is_entrepreneur, is_peer_support_lead

_CACHE = "_peer_support_mediator_member"


def peer_mediator_member(user):
    """The member record through which this account accompanies people, or None: an
    entrepreneur flagged peer mediator who has not left. Read once per request (kept on
    the user object)."""
    if not is_entrepreneur(user):
        return None
    if not hasattr(user, _CACHE):
        from members.models import Member

        if "member" in user._state.fields_cache:
            # Loaded with the user by members.backends.EmailBackend.get_user: no query.
            member = user._state.fields_cache["member"]
            if member is not None and not (
                member.is_peer_mediator and member.stage != Stage.EXITED
            ):
                member = None
        else:
            member = (
                Member.objects.filter(user=user, is_peer_mediator=True)
                .exclude(stage=Stage.EXITED)
                .first()
            )
        setattr(user, _CACHE, member)
    return getattr(user, _CACHE)


@rules.predicate
def is_peer_mediator(user) -> bool:
    return peer_mediator_member(user) is not None


@rules.predicate
def follows(user, followup) -> bool:
    """The user accompanies this person: main mediator or co-mediator (uses the
    prefetched co-mediators when the follow-up comes from `for_page()`)."""
    if followup is None or followup.is_erased:
        return False
    member = peer_mediator_member(user)
    if member is None:
        return False
    if followup.mediator_id == member.pk:
        return True
    return any(co.member_id == member.pk for co in followup.comediations.all())


@rules.predicate
def is_main_mediator(user, followup) -> bool:
    if followup is None or followup.is_erased:
        return False
    member = peer_mediator_member(user)
    return member is not None and followup.mediator_id == member.pk


@rules.predicate
def is_open(user, followup) -> bool:
    return followup is not None and followup.closed_on is None


@rules.predicate
def is_not_erased(user, followup) -> bool:
    return followup is not None and followup.erased_at is None


@rules.predicate
def facilitates(user, workshop) -> bool:
    """The user runs this workshop (one of its facilitators)."""
    if workshop is None:
        return False
    member = peer_mediator_member(user)
    return member is not None and any(
        facilitation.member_id == member.pk for facilitation in workshop.facilitations.all()
    )


def can_view(user, followup) -> bool:
    """Read the person's record: the lead, or a mediator who accompanies them."""
    return bool(is_peer_support_lead(user) or follows(user, followup))


def can_work_on(user, followup) -> bool:
    """Log meetings, set goals and record their progress, send referrals, record
    workshop attendance: the mediators who accompany the person, while it is open."""
    return bool(follows(user, followup) and is_open(user, followup))


def can_rectify(user, followup) -> bool:
    """Correct the record (identity, entry situation, a meeting, a consent to research,
    a partner's answer, the later situations): those who accompany the person, and the
    lead, until erasure."""
    return bool(can_view(user, followup) and is_not_erased(user, followup))


def can_close(user, followup) -> bool:
    """Close with an outcome: those who accompany the person, and the lead."""
    return bool(can_rectify(user, followup) and is_open(user, followup))


def can_manage_comediators(user, followup) -> bool:
    """Add or remove a co-mediator: the main mediator and the lead."""
    return bool(
        (is_main_mediator(user, followup) or is_peer_support_lead(user))
        and is_not_erased(user, followup)
    )


def can_transfer(user, followup) -> bool:
    """Give the follow-up to another main mediator (one who leaves, say): the lead."""
    return bool(is_peer_support_lead(user) and is_not_erased(user, followup))


def can_export(user, followup) -> bool:
    """Export everything about the person (their right of access): the mediators who
    accompany them and the lead."""
    return can_view(user, followup)


def can_erase(user, followup) -> bool:
    """Erase the person's identity and free text (their right to erasure): the lead
    alone, after checking the request; it cannot be undone."""
    return bool(is_peer_support_lead(user) and is_not_erased(user, followup))


def can_change_workshop(user, workshop) -> bool:
    """Change a workshop and its attendance: its facilitators."""
    return bool(facilitates(user, workshop))


# Pages and menus.
rules.add_perm("peer_support.view_followups", is_peer_mediator | is_peer_support_lead)
rules.add_perm("peer_support.open_followup", is_peer_mediator)
rules.add_perm("peer_support.manage_followups", is_peer_mediator)
rules.add_perm("peer_support.view_workshops", is_peer_mediator | is_peer_support_lead)
rules.add_perm("peer_support.manage_workshops", is_peer_mediator)
rules.add_perm("peer_support.view_access_log", is_peer_support_lead)
# Anonymous counts (no name, no note): coordinators and the lead.
rules.add_perm("peer_support.view_counts", is_coordinator | is_peer_support_lead)

# On one follow-up (or workshop): `user.has_perm(name, obj)`.
rules.add_perm("peer_support.view_followup", rules.predicate(can_view))
rules.add_perm("peer_support.work_on_followup", rules.predicate(can_work_on))
rules.add_perm("peer_support.rectify_followup", rules.predicate(can_rectify))
rules.add_perm("peer_support.close_followup", rules.predicate(can_close))
rules.add_perm("peer_support.manage_comediators", rules.predicate(can_manage_comediators))
rules.add_perm("peer_support.transfer_followup", rules.predicate(can_transfer))
rules.add_perm("peer_support.export_followup", rules.predicate(can_export))
rules.add_perm("peer_support.erase_followup", rules.predicate(can_erase))
rules.add_perm("peer_support.change_workshop", rules.predicate(can_change_workshop))
