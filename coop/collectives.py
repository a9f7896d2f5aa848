"""Writes (and the reads they rely on) of the collectives' life: collectives, joining,
leaving and coming back, charter versions and signatures, and the Clubhouse daily life
(work units, daily attendance and tasks, reaching out, members' jobs).

Joining needs no prior referral and has no time limit; leaving is the person's own
decision, dated, noted by themselves or by a manager; coming back is immediate. A return
opens a new membership that follows the one that ended (MembershipEvent.previous)
rather than re-opening it: what happened before — attendance, jobs, the figures already
sent to a funder for a past period — never changes, and each membership keeps its own
dated beginning and end. Figures count a person once across their memberships
(`coop.models.clubhouse.person_key`)."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coop.enums import CollectiveKind, MembershipEventKind
from coop.models import (
    Charter,
    CharterAcceptance,
    Collective,
    CollectivePerson,
    DailyAttendance,
    DailyTask,
    Job,
    MembershipEvent,
    ReachOut,
    WorkUnit,
)
from coop.models.clubhouse import hosts_daily_life, memberships_on
from members.models import Member, User


def _fr(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _today() -> datetime.date:
    return timezone.localdate()


def _not_in_future(day: datetime.date, field: str) -> None:
    if day > _today():
        raise ValidationError(
            {field: _("Cette date est à venir : choisissez aujourd'hui ou avant.")}
        )


def _check_manager(actor: User, collective: Collective) -> None:
    if not actor.has_perm("coop.manage_collective", collective):
        raise PermissionDenied


def _check_self_or_manager(actor: User, person: CollectivePerson) -> bool:
    """The person themselves, from their account, or a manager of the collective.
    Returns whether it is the person themselves."""
    if person.user_id is not None and person.user_id == actor.pk:
        return True
    _check_manager(actor, person.collective)
    return False


def _check_daily_life(collective: Collective) -> None:
    if not hosts_daily_life(collective):
        raise ValidationError(
            _("La vie quotidienne (présences, unités, emplois) concerne les collectifs d'entraide.")
        )


def _save(instance):
    """Check the model's fields and constraints (French messages), then save."""
    instance.full_clean()
    instance.save()
    return instance


# --- reads ------------------------------------------------------------------------------


def cooperative_collective() -> Collective | None:
    """The cooperative itself, as a collective (there is one at most)."""
    return Collective.objects.filter(kind=CollectiveKind.COOPERATIVE).first()


def charter_in_force(collective: Collective, on: datetime.date | None = None) -> Charter | None:
    """The latest version of the charter in force on that day (today by default)."""
    return (
        Charter.objects.filter(collective=collective, effective_on__lte=on or _today())
        .order_by("-version")
        .first()
    )


def charter_in_force_id(collective_ref: str = "pk", on: datetime.date | None = None) -> Subquery:
    """The id of the version in force, to annotate on collectives (or on what names one)."""
    return Subquery(
        Charter.objects.filter(
            collective=OuterRef(collective_ref), effective_on__lte=on or _today()
        )
        .order_by("-version")
        .values("pk")[:1]
    )


def people_without_signature(charter: Charter):
    """Current members who have not signed this version of the charter."""
    return (
        CollectivePerson.objects.current()
        .filter(collective_id=charter.collective_id)
        .exclude(charter_acceptances__charter=charter)
    )


def membership_lineage(person: CollectivePerson):
    """Every membership of this person in the collective, the first one first: the one
    given, those it followed and those that followed it. Two queries."""
    origin = (
        MembershipEvent.objects.filter(person=person, kind=MembershipEventKind.CAME_BACK)
        .values_list("origin_id", flat=True)
        .first()
    ) or person.pk
    returns = MembershipEvent.objects.filter(kind=MembershipEventKind.CAME_BACK, origin=origin)
    return CollectivePerson.objects.filter(
        Q(pk=origin) | Q(pk__in=returns.values("person_id"))
    ).order_by("joined_on", "pk")


def reach_out_list(collective: Collective, *, days: int, today: datetime.date | None = None):
    """Current members not seen for at least `days` days — inactive, not gone: the people
    to get news from. Those never seen count from the day they joined. Each row carries
    `last_seen` and `last_reach_out` (None when none). Longest unseen first."""
    today = today or _today()
    limit = today - datetime.timedelta(days=days)
    last_seen = (
        DailyAttendance.objects.filter(person=OuterRef("pk")).order_by("-day").values("day")[:1]
    )
    last_reach_out = ReachOut.objects.filter(person=OuterRef("pk")).order_by("-on").values("on")[:1]
    return (
        CollectivePerson.objects.current()
        .filter(collective=collective)
        .annotate(last_seen=Subquery(last_seen), last_reach_out=Subquery(last_reach_out))
        .filter(
            Q(last_seen__lte=limit) | Q(last_seen__isnull=True, joined_on__lte=limit),
        )
        .order_by(
            F("last_seen").asc(nulls_first=True), "joined_on", "last_name", "first_name", "pk"
        )
    )


# --- collectives ------------------------------------------------------------------------


@transaction.atomic
def collective_save(*, actor: User, collective: Collective) -> Collective:
    """Create or change a collective. The peer-support lead runs peer-help collectives;
    the cooperative itself is the coordinators'."""
    if collective.pk:
        _check_manager(actor, Collective.objects.select_for_update().get(pk=collective.pk))
    if not actor.has_perm("coop.manage_collective", collective):
        if collective.kind == CollectiveKind.COOPERATIVE:
            raise ValidationError(
                {"kind": _("Seul·es les chargé·es d'accompagnement gèrent la coopérative.")}
            )
        raise PermissionDenied
    if collective.founded_on and collective.founded_on > _today():
        raise ValidationError({"founded_on": _("La date de création est à venir.")})
    return _save(collective)


# --- membership -------------------------------------------------------------------------


def _account_member(user: User | None) -> Member | None:
    if user is None:
        return None
    return Member.objects.filter(user=user).first()


@transaction.atomic
def person_join(
    *,
    actor: User,
    collective: Collective,
    first_name: str,
    last_name: str,
    joined_on: datetime.date,
    email: str = "",
    phone: str = "",
    user: User | None = None,
) -> CollectivePerson:
    """Anyone may join, without prior referral, for as long as they wish. A person with an
    account is linked to it (and to their member record of the cooperative, if any)."""
    collective = Collective.objects.select_for_update().get(pk=collective.pk)
    _check_manager(actor, collective)
    _not_in_future(joined_on, "joined_on")
    if joined_on < collective.founded_on:
        raise ValidationError(
            {
                "joined_on": _("Le collectif a été créé le %(date)s : choisissez ce jour ou après.")
                % {"date": _fr(collective.founded_on)}
            }
        )
    if user is not None and not user.is_active:
        raise ValidationError({"account": _("Ce compte est désactivé.")})
    person = _save(
        CollectivePerson(
            collective=collective,
            user=user,
            member=_account_member(user),
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=email.strip(),
            phone=phone.strip(),
            joined_on=joined_on,
        )
    )
    MembershipEvent.objects.create(
        person=person, kind=MembershipEventKind.JOINED, on=joined_on, recorded_by=actor
    )
    return person


@transaction.atomic
def person_save(*, actor: User, person: CollectivePerson) -> CollectivePerson:
    """Change a member's name or contact details (the dates change only through joining,
    leaving and coming back)."""
    stored = CollectivePerson.objects.select_for_update().get(pk=person.pk)
    _check_manager(actor, stored.collective)
    person.joined_on, person.left_on = stored.joined_on, stored.left_on
    person.collective_id, person.user_id, person.member_id = (
        stored.collective_id,
        stored.user_id,
        stored.member_id,
    )
    return _save(person)


@transaction.atomic
def person_leave(
    *, actor: User, person: CollectivePerson, on: datetime.date, note: str = ""
) -> MembershipEvent:
    """The person decided to leave, on that day. Noted by themselves or by a manager."""
    person = (
        CollectivePerson.objects.select_for_update().select_related("collective").get(pk=person.pk)
    )
    _check_self_or_manager(actor, person)
    if person.left_on is not None:
        raise ValidationError(
            _("Cette personne a déjà quitté le collectif le %(date)s.")
            % {"date": _fr(person.left_on)}
        )
    _not_in_future(on, "on")
    if on < person.joined_on:
        raise ValidationError(
            {
                "on": _("La personne est arrivée le %(date)s : choisissez ce jour ou après.")
                % {"date": _fr(person.joined_on)}
            }
        )
    last_seen = (
        DailyAttendance.objects.filter(person=person, day__gt=on)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )
    if last_seen is not None:
        raise ValidationError(
            {
                "on": _("La personne est venue le %(date)s : le départ date de ce jour ou après.")
                % {"date": _fr(last_seen)}
            }
        )
    person.left_on = on
    person.save(update_fields=["left_on"])
    return MembershipEvent.objects.create(
        person=person,
        kind=MembershipEventKind.LEFT,
        on=on,
        note=note.strip(),
        recorded_by=actor,
    )


@transaction.atomic
def person_come_back(
    *, actor: User, person: CollectivePerson, on: datetime.date | None = None
) -> CollectivePerson:
    """Someone who left comes back: at once, with no condition. A new membership starts
    that day and follows the one that ended, with the same name, contact and account."""
    person = (
        CollectivePerson.objects.select_for_update().select_related("collective").get(pk=person.pk)
    )
    by_self = _check_self_or_manager(actor, person)
    on = _today() if by_self or on is None else on
    if person.left_on is None:
        raise ValidationError(_("Cette personne est toujours membre du collectif."))
    if MembershipEvent.objects.filter(previous=person).exists():
        raise ValidationError(_("Cette personne est déjà revenue : voyez sa dernière adhésion."))
    _not_in_future(on, "on")
    if on < person.left_on:
        raise ValidationError(
            {
                "on": _("La personne est partie le %(date)s : choisissez ce jour ou après.")
                % {"date": _fr(person.left_on)}
            }
        )
    origin = (
        MembershipEvent.objects.filter(person=person, kind=MembershipEventKind.CAME_BACK)
        .values_list("origin_id", flat=True)
        .first()
    ) or person.pk
    returned = _save(
        CollectivePerson(
            collective=person.collective,
            user=person.user,
            member=person.member,
            first_name=person.first_name,
            last_name=person.last_name,
            email=person.email,
            phone=person.phone,
            joined_on=on,
        )
    )
    MembershipEvent.objects.create(
        person=returned,
        kind=MembershipEventKind.CAME_BACK,
        on=on,
        previous=person,
        origin_id=origin,
        recorded_by=actor,
    )
    return returned


# --- charter ----------------------------------------------------------------------------


@transaction.atomic
def charter_publish(
    *,
    actor: User,
    collective: Collective,
    text: str,
    effective_on: datetime.date,
    adopted_by: str = "",
) -> Charter:
    """A new version of the charter, numbered after the last one. From the day it comes
    into force, every member is asked to sign it."""
    collective = Collective.objects.select_for_update().get(pk=collective.pk)
    _check_manager(actor, collective)
    latest = Charter.objects.filter(collective=collective).order_by("-version").first()
    if latest is not None and effective_on < latest.effective_on:
        raise ValidationError(
            {
                "effective_on": _(
                    "La version %(version)s est en vigueur depuis le %(date)s : la nouvelle "
                    "version entre en vigueur ce jour-là ou après."
                )
                % {"version": latest.version, "date": _fr(latest.effective_on)}
            }
        )
    return _save(
        Charter(
            collective=collective,
            version=(latest.version + 1) if latest else 1,
            text=text.strip(),
            effective_on=effective_on,
            adopted_by=adopted_by.strip(),
        )
    )


@transaction.atomic
def charter_sign(
    *,
    actor: User,
    charter: Charter,
    person: CollectivePerson,
    on: datetime.date | None = None,
) -> CharterAcceptance:
    """A member signs the version in force: themselves, today, from their account, or a
    manager records a signature on paper with its date."""
    person = (
        CollectivePerson.objects.select_for_update().select_related("collective").get(pk=person.pk)
    )
    by_self = _check_self_or_manager(actor, person)
    on = _today() if by_self or on is None else on
    if person.collective_id != charter.collective_id:
        raise ValidationError(_("Cette charte est celle d'un autre collectif."))
    if person.left_on is not None:
        raise ValidationError(_("Cette personne a quitté le collectif."))
    in_force = charter_in_force(person.collective)
    if in_force is None or in_force.pk != charter.pk:
        raise ValidationError(_("Seule la version en vigueur de la charte se signe."))
    _not_in_future(on, "on")
    earliest = max(charter.effective_on, person.joined_on)
    if on < earliest:
        raise ValidationError(
            {
                "on": _(
                    "La signature date du %(date)s au plus tôt (entrée en vigueur de cette "
                    "version ou arrivée de la personne)."
                )
                % {"date": _fr(earliest)}
            }
        )
    return _save(
        CharterAcceptance(charter=charter, person=person, accepted_on=on, recorded_by=actor)
    )


# --- daily life -------------------------------------------------------------------------


@transaction.atomic
def work_unit_save(*, actor: User, work_unit: WorkUnit) -> WorkUnit:
    collective = Collective.objects.select_for_update().get(pk=work_unit.collective_id)
    _check_manager(actor, collective)
    _check_daily_life(collective)
    work_unit.name = work_unit.name.strip()
    return _save(work_unit)


@transaction.atomic
def attendance_record(
    *,
    actor: User,
    collective: Collective,
    day: datetime.date,
    present: Iterable[int],
) -> tuple[int, int]:
    """Set who came on that day: the given memberships are present, every other member
    is not. Returns how many were added and removed. Someone with tasks noted that day
    cannot be removed before their tasks are."""
    collective = Collective.objects.select_for_update().get(pk=collective.pk)
    _check_manager(actor, collective)
    _check_daily_life(collective)
    _not_in_future(day, "day")
    if day < collective.founded_on:
        raise ValidationError(
            {
                "day": _("Le collectif a été créé le %(date)s.")
                % {"date": _fr(collective.founded_on)}
            }
        )
    wanted = set(present)
    members = set(memberships_on(collective, day).values_list("pk", flat=True))
    strangers = wanted - members
    if strangers:
        raise ValidationError(
            ngettext(
                "%(count)d personne n'était pas membre du collectif ce jour-là.",
                "%(count)d personnes n'étaient pas membres du collectif ce jour-là.",
                len(strangers),
            )
            % {"count": len(strangers)}
        )
    existing = DailyAttendance.objects.filter(person__collective=collective, day=day)
    already = set(existing.values_list("person_id", flat=True))
    removed = existing.exclude(person_id__in=wanted)
    with_tasks = list(
        removed.filter(tasks__isnull=False)
        .distinct()
        .order_by("person__last_name", "person__first_name")
        .values_list("person__first_name", "person__last_name")
    )
    if with_tasks:
        raise ValidationError(
            _(
                "Des tâches sont notées ce jour pour %(names)s : retirez-les d'abord, ou "
                "laissez ces personnes présentes."
            )
            % {"names": ", ".join(f"{first} {last}" for first, last in with_tasks)}
        )
    removed_count, _detail = removed.delete()
    DailyAttendance.objects.bulk_create(
        DailyAttendance(person_id=pk, day=day, recorded_by=actor) for pk in sorted(wanted - already)
    )
    return len(wanted - already), removed_count


@transaction.atomic
def task_add(
    *, actor: User, attendance: DailyAttendance, work_unit: WorkUnit, description: str
) -> DailyTask:
    """Note a task that a member who came took that day, in one of the collective's
    units."""
    attendance = DailyAttendance.objects.select_related("person__collective").get(pk=attendance.pk)
    _check_manager(actor, attendance.person.collective)
    if work_unit.collective_id != attendance.person.collective_id:
        raise ValidationError({"work_unit": _("Cette unité est celle d'un autre collectif.")})
    if not work_unit.is_active:
        raise ValidationError({"work_unit": _("Cette unité n'est plus en service.")})
    return _save(
        DailyTask(
            attendance=attendance,
            work_unit=work_unit,
            description=description.strip(),
            recorded_by=actor,
        )
    )


@transaction.atomic
def task_remove(*, actor: User, task: DailyTask) -> None:
    task = DailyTask.objects.select_related("attendance__person__collective").get(pk=task.pk)
    _check_manager(actor, task.attendance.person.collective)
    task.delete()


@transaction.atomic
def reach_out_record(
    *, actor: User, person: CollectivePerson, on: datetime.date, note: str = ""
) -> ReachOut:
    """The collective got news of a member it had not seen (call, card, visit)."""
    person = CollectivePerson.objects.select_related("collective").get(pk=person.pk)
    _check_manager(actor, person.collective)
    _check_daily_life(person.collective)
    if person.left_on is not None:
        raise ValidationError(_("Cette personne a quitté le collectif."))
    _not_in_future(on, "on")
    return _save(ReachOut(person=person, on=on, note=note.strip(), recorded_by=actor))


@transaction.atomic
def job_save(*, actor: User, job: Job) -> Job:
    """Record or change a member's job (ending it is giving its last day)."""
    person = CollectivePerson.objects.select_related("collective").get(pk=job.person_id)
    _check_manager(actor, person.collective)
    _check_daily_life(person.collective)
    if job.pk and not Job.objects.filter(pk=job.pk, person=person).exists():
        raise ValidationError(_("Cet emploi est celui d'une autre personne."))
    if not job.pk:
        job.recorded_by = actor
    job.employer = job.employer.strip()
    return _save(job)
