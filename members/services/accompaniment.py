"""Workshops, their registrations and attendance."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.enums import Attendance, Stage
from members.models import Member, User, Workshop, WorkshopRegistration, WorkshopSlot


@transaction.atomic
def workshop_register(*, actor: User, workshop: Workshop, member: Member) -> WorkshopRegistration:
    """Register a member while places remain (counted under a lock, so two people never
    take the last place together)."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if workshop.date < timezone.localdate():
        raise ValidationError(_("Cet atelier est passé."))
    if member.stage == Stage.EXITED:
        raise ValidationError(_("Cette personne est sortie de la coopérative."))
    if workshop.registrations.filter(member=member).exists():
        raise ValidationError(_("Cette personne est déjà inscrite à cet atelier."))
    taken = workshop.registrations.exclude(attendance=Attendance.EXCUSED).count()
    if taken >= workshop.capacity:
        raise ValidationError(_("L'atelier est complet."))
    return WorkshopRegistration.objects.create(workshop=workshop, member=member)


@transaction.atomic
def workshop_unregister(*, actor: User, registration: WorkshopRegistration) -> None:
    """Before the day, a registration is simply removed; the place is free again."""
    if registration.workshop.date < timezone.localdate():
        raise ValidationError(_("Cet atelier est passé : la présence est déjà notée."))
    registration.delete()


@transaction.atomic
def attendance_record(*, actor: User, workshop: Workshop, attendance: dict[int, Attendance]) -> int:
    """Note who came, for each registration id of the workshop. Returns how many changed."""
    changed = 0
    registrations = workshop.registrations.select_for_update().filter(pk__in=attendance)
    for registration in registrations:
        status = attendance[registration.pk]
        if registration.attendance != status:
            registration.attendance = status
            registration.save(update_fields=["attendance"])
            changed += 1
    return changed


@transaction.atomic
def workshop_save(
    *, actor: User, workshop: Workshop, slots: list[tuple[datetime.time, datetime.time]]
) -> Workshop:
    """Write a workshop and replace its time slots. A workshop never has fewer places
    than people already registered (counted under a lock, as registration does)."""
    if workshop.pk:
        Workshop.objects.select_for_update().only("pk").get(pk=workshop.pk)
        taken = workshop.registrations.exclude(attendance=Attendance.EXCUSED).count()
        if workshop.capacity < taken:
            raise ValidationError(
                {
                    "capacity": ngettext(
                        "%(count)d personne est déjà inscrite : il faut au moins autant de places.",
                        "%(count)d personnes sont déjà inscrites : il faut au moins autant "
                        "de places.",
                        taken,
                    )
                    % {"count": taken}
                }
            )
    workshop.save()
    workshop.slots.all().delete()
    WorkshopSlot.objects.bulk_create(
        WorkshopSlot(workshop=workshop, starts_at=start, ends_at=end) for start, end in slots
    )
    return workshop
