"""Writes of the testimonials printed in the funders' reports.

A testimonial is printed only with the person's recorded consent (its date and what was
explained) and under a changed first name. Coordinators choose those of members (or of
people not recorded here); the peer-support lead records those of accompanied people,
whose follow-ups only the lead and their mediators may read (DESIGN.md, rule 2).
Linking a testimonial to a person is written to that person's access log."""

import datetime
import re
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.models import Programme
from members.models import Member, User
from peer_support.models import FollowUp
from peer_support.models.followups import sees_every_followup
from research.models import ProgrammeMember, Testimonial


def _folded(text: str) -> str:
    """Lower case, without accents: "Élodie" and "elodie" are the same first name."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def _names_in(text: str, names: list[str]) -> bool:
    """Whether one of the names appears as a word of the text (case and accents aside)."""
    folded = _folded(text)
    for name in names:
        name = _folded(name)
        if len(name) >= 2 and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", folded):
            return True
    return False


def _check_chooser(actor: User, followup: FollowUp | None) -> None:
    if followup is None:
        if not actor.has_perm("research.run_reports"):
            raise PermissionDenied
        return
    # An accompanied person's record is read by the lead (and their mediators) only.
    if not sees_every_followup(actor):
        raise PermissionDenied
    if not FollowUp.objects.visible_to(actor).filter(pk=followup.pk).exists():
        raise PermissionDenied


def _real_names(member: Member | None, followup: FollowUp | None) -> tuple[str, list[str]]:
    """The person's real first name and every name the text must not hold."""
    if member is not None:
        return member.first_name, [member.first_name, member.last_name]
    if followup is not None:
        return followup.pseudonym, [followup.pseudonym]
    return "", []


def _write_access_log(actor: User, testimonial: Testimonial, fields: tuple[str, ...]) -> None:
    if testimonial.member_id is not None:
        from members.enums import AccessAction as MemberAction
        from members.services.people import access_log_write

        access_log_write(
            actor=actor,
            action=MemberAction.CHANGE,
            record=testimonial,
            member=testimonial.member,
        )
    elif testimonial.followup_id is not None:
        from peer_support.enums import AccessAction
        from peer_support.services.common import access_log_write

        action = AccessAction.CREATE if "text" in fields else AccessAction.CHANGE
        access_log_write(
            actor=actor,
            action=action,
            followup=testimonial.followup,
            record=testimonial,
            fields=fields,
        )


@transaction.atomic
def testimonial_add(
    *,
    actor: User,
    programme: Programme,
    text: str,
    changed_first_name: str,
    consent_given_on: datetime.date,
    consent_explanation: str,
    member: Member | None = None,
    followup: FollowUp | None = None,
    chosen_on: datetime.date | None = None,
) -> Testimonial:
    """Choose a testimonial for the programme's reports, with the consent the person
    gave. The changed first name is not the person's own, and the text names neither
    their first nor their last name: the report must not identify them."""
    _check_chooser(actor, followup)
    today = timezone.localdate()
    chosen_on = chosen_on or today
    text = text.strip()
    changed_first_name = " ".join(changed_first_name.split())
    errors: dict[str, str] = {}
    if member is not None and followup is not None:
        errors["followup"] = _(
            "Un témoignage est celui d'un·e membre ou d'une personne accompagnée, pas des deux."
        )
    if consent_given_on > today:
        errors["consent_given_on"] = _("L'accord est daté au plus tard d'aujourd'hui.")
    if chosen_on > today:
        errors["chosen_on"] = _("Le choix est daté au plus tard d'aujourd'hui.")
    if (
        member is not None
        and not ProgrammeMember.objects.filter(programme=programme, member=member).exists()
    ):
        errors["member"] = _("Ce membre ne fait pas partie du programme.")
    if followup is not None and followup.programme_id != programme.pk:
        errors["followup"] = _("Ce suivi n'est pas rattaché au programme.")
    elif followup is not None and followup.is_erased:
        errors["followup"] = _("Ce suivi a été effacé : son témoignage ne peut plus servir.")
    real_first_name, names = _real_names(member, followup)
    if real_first_name and _folded(changed_first_name) == _folded(real_first_name):
        errors["changed_first_name"] = _(
            "Le prénom d'emprunt doit être différent du vrai prénom de la personne."
        )
    if names and _names_in(text, names):
        errors["text"] = _(
            "Le témoignage contient le prénom ou le nom de la personne : retirez-le, "
            "le rapport ne doit pas permettre de la reconnaître."
        )
    if errors:
        raise ValidationError(errors)
    testimonial = Testimonial(
        programme=programme,
        text=text,
        changed_first_name=changed_first_name,
        member=member,
        followup=followup,
        consent_given_on=consent_given_on,
        consent_explanation=consent_explanation.strip(),
        chosen_by=actor,
        chosen_on=chosen_on,
    )
    testimonial.full_clean()
    testimonial.save()
    _write_access_log(actor, testimonial, ("text", "changed_first_name", "consent_given_on"))
    return testimonial


@transaction.atomic
def testimonial_withdraw(
    *, actor: User, testimonial: Testimonial, on: datetime.date | None = None
) -> Testimonial:
    """The person withdraws their consent: the testimonial leaves every report
    rendered from now on (those already sent cannot be recalled). Kept, never deleted,
    so that the withdrawal stays traceable."""
    testimonial = Testimonial.objects.select_for_update().get(pk=testimonial.pk)
    followup = testimonial.followup if testimonial.followup_id else None
    _check_chooser(actor, followup)
    if testimonial.withdrawn_on is not None:
        return testimonial
    on = on or timezone.localdate()
    if on < testimonial.consent_given_on:
        raise ValidationError({"withdrawn_on": _("Un accord est retiré après avoir été donné.")})
    testimonial.withdrawn_on = on
    testimonial.save(update_fields=["withdrawn_on"])
    _write_access_log(actor, testimonial, ("withdrawn_on",))
    return testimonial
