"""An entrepreneur's situation at entry, at the exit, 28 days and 6 months after it."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from members.enums import Resource, SituationCheckpoint
from members.models import Member, MemberSituation, User


def _fr(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def situation_opens_on(member: Member, checkpoint: SituationCheckpoint) -> datetime.date | None:
    """The first day the situation at this checkpoint may be recorded: the entry from
    the information meeting; the others counted from the exit (None before the exit)."""
    if checkpoint == SituationCheckpoint.ENTRY:
        return member.information_meeting_on
    if member.exited_on is None:
        return None
    earliest = member.exited_on + datetime.timedelta(days=checkpoint.earliest_days_after_exit)
    return max(earliest, member.information_meeting_on)


def _check(member: Member, checkpoint: SituationCheckpoint, recorded_on: datetime.date) -> None:
    """The date fits the checkpoint: not in the future; the entry between the
    information meeting and the exit; a later checkpoint once the exit is recorded, and
    not before its first day."""
    if recorded_on > timezone.localdate():
        raise ValidationError({"recorded_on": _("La date de recueil ne peut pas être future.")})
    opens_on = situation_opens_on(member, checkpoint)
    if opens_on is None:
        raise ValidationError(
            {
                "checkpoint": _(
                    "La situation « %(checkpoint)s » se recueille une fois la sortie "
                    "enregistrée : enregistrez d'abord la sortie dans le parcours."
                )
                % {"checkpoint": checkpoint.label}
            }
        )
    if recorded_on < opens_on:
        if checkpoint == SituationCheckpoint.ENTRY:
            message = _(
                "La situation à l'entrée se recueille à partir de la réunion d'information "
                "(le %(date)s)."
            )
        else:
            message = _("La situation « %(checkpoint)s » se recueille à partir du %(date)s.")
        raise ValidationError(
            {"recorded_on": message % {"checkpoint": checkpoint.label, "date": _fr(opens_on)}}
        )
    if (
        checkpoint == SituationCheckpoint.ENTRY
        and member.exited_on is not None
        and recorded_on > member.exited_on
    ):
        raise ValidationError(
            {
                "recorded_on": _(
                    "La situation à l'entrée se recueille avant la sortie (le %(date)s)."
                )
                % {"date": _fr(member.exited_on)}
            }
        )


@transaction.atomic
def situation_record(
    *,
    actor: User,
    member: Member,
    checkpoint: str,
    recorded_on: datetime.date,
    resource: str,
) -> MemberSituation:
    """Record the member's main resource at a checkpoint of the path. Recorded again for
    the same checkpoint, it is a rectification: the new answer replaces the old one, and
    `rectified_at` says so (the audit log keeps what it was)."""
    if not actor.has_perm("members.manage_members"):
        raise PermissionDenied
    errors = {}
    if checkpoint not in SituationCheckpoint.values:
        errors["checkpoint"] = _("Choisissez le moment de la situation.")
    if resource not in Resource.values:
        errors["resource"] = _("Choisissez une réponse (ou « Non renseigné »).")
    if errors:
        raise ValidationError(errors)
    checkpoint = SituationCheckpoint(checkpoint)
    # Locked, so that the exit date read here is the one in force and two coordinators
    # recording the same checkpoint at once make one row.
    member = Member.objects.select_for_update().get(pk=member.pk)
    _check(member, checkpoint, recorded_on)
    situation = MemberSituation.objects.filter(member=member, checkpoint=checkpoint).first()
    if situation is None:
        return MemberSituation.objects.create(
            member=member,
            checkpoint=checkpoint,
            recorded_on=recorded_on,
            resource=resource,
            recorded_by=actor,
        )
    situation.recorded_on = recorded_on
    situation.resource = resource
    situation.recorded_by = actor
    situation.rectified_at = timezone.now()
    situation.save(update_fields=["recorded_on", "resource", "recorded_by", "rectified_at"])
    return situation
