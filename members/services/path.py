"""The path accueil → CAPE → CESA → associé → sortie. Each move is dated, backed by its
contract, written to the member's history, and refused with a French message when it
cannot happen."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from members.dates import add_months, add_years
from members.enums import ContractKind, ExitReason, Stage
from members.models import Contract, Member, PathStep, User

ONE_DAY = datetime.timedelta(days=1)


def _fr(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _lock(member: Member) -> Member:
    return Member.objects.select_for_update().get(pk=member.pk)


def _open_contract(member: Member) -> Contract | None:
    return Contract.objects.open().filter(member=member).first()


def _move(
    member: Member,
    *,
    stage: Stage,
    on: datetime.date,
    actor: User,
    contract: Contract | None = None,
    note: str = "",
    exit_reason: str = "",
) -> PathStep:
    if on < member.stage_since:
        raise ValidationError(
            _("Cette date précède la dernière étape du parcours (%(date)s).")
            % {"date": _fr(member.stage_since)}
        )
    member.stage = stage
    member.stage_since = on
    member.save(update_fields=["stage", "stage_since", "exited_on", "exit_reason"])
    return PathStep.objects.create(
        member=member,
        stage=stage,
        on=on,
        contract=contract,
        note=note,
        exit_reason=exit_reason,
        recorded_by=actor,
    )


def _check_cape_length(start: datetime.date, planned_end: datetime.date) -> None:
    if planned_end < start:
        raise ValidationError({"planned_end_date": _("La fin prévue précède le début.")})
    if planned_end >= add_months(start, Contract.CAPE_MAX_MONTHS):
        raise ValidationError(
            {
                "planned_end_date": _("Un CAPE dure au plus douze mois (jusqu'au %(date)s).")
                % {"date": _fr(add_months(start, Contract.CAPE_MAX_MONTHS) - ONE_DAY)}
            }
        )


@transaction.atomic
def member_register(*, actor: User, information_meeting_on: datetime.date, **fields) -> Member:
    """A candidate comes after an information meeting: the path starts at the welcome."""
    member = Member(
        information_meeting_on=information_meeting_on,
        stage=Stage.WELCOME,
        stage_since=information_meeting_on,
        **{name: value for name, value in fields.items() if name != "skills"},
    )
    member.full_clean()
    member.save()
    if fields.get("skills"):
        member.skills.set(fields["skills"])
    PathStep.objects.create(
        member=member, stage=Stage.WELCOME, on=information_meeting_on, recorded_by=actor
    )
    return member


@transaction.atomic
def cape_start(
    *, actor: User, member: Member, start_date: datetime.date, planned_end_date: datetime.date
) -> Contract:
    """A first CAPE, signed at the welcome stage, for up to twelve months."""
    member = _lock(member)
    if member.stage != Stage.WELCOME:
        raise ValidationError(
            _(
                "Un premier CAPE se signe à l'étape d'accueil ; "
                "pour prolonger un CAPE, renouvelez-le."
            )
        )
    _check_cape_length(start_date, planned_end_date)
    if start_date < member.stage_since:
        raise ValidationError(
            {
                "start_date": _("Le CAPE ne peut pas commencer avant l'accueil (%(date)s).")
                % {"date": _fr(member.stage_since)}
            }
        )
    contract = Contract.objects.create(
        member=member,
        kind=ContractKind.CAPE,
        start_date=start_date,
        planned_end_date=planned_end_date,
        created_by=actor,
    )
    _move(member, stage=Stage.CAPE, on=start_date, actor=actor, contract=contract)
    return contract


@transaction.atomic
def cape_renew(
    *,
    actor: User,
    member: Member,
    planned_end_date: datetime.date,
    start_date: datetime.date | None = None,
) -> Contract:
    """Renew the open CAPE (twice at most): the new one starts the day after the current
    one's planned end unless another start is given, and the current one ends the day
    before."""
    member = _lock(member)
    current = _open_contract(member)
    if member.stage != Stage.CAPE or current is None or current.kind != ContractKind.CAPE:
        raise ValidationError(_("Seul un CAPE en cours peut être renouvelé."))
    if current.renewal_count >= Contract.CAPE_MAX_RENEWALS:
        raise ValidationError(
            _("Un CAPE ne se renouvelle que deux fois : proposez un CESA ou une sortie.")
        )
    start_date = start_date or current.planned_end_date + ONE_DAY
    if start_date <= current.start_date:
        raise ValidationError(
            {
                "start_date": _(
                    "Le renouvellement commence après le début du CAPE en cours (%(date)s)."
                )
                % {"date": _fr(current.start_date)}
            }
        )
    _check_cape_length(start_date, planned_end_date)
    current.end_date = start_date - ONE_DAY
    current.save(update_fields=["end_date"])
    renewal = Contract.objects.create(
        member=member,
        kind=ContractKind.CAPE,
        start_date=start_date,
        planned_end_date=planned_end_date,
        renewal_of=current,
        created_by=actor,
    )
    PathStep.objects.create(
        member=member,
        stage=Stage.CAPE,
        on=start_date,
        contract=renewal,
        note=_("Renouvellement du CAPE"),
        recorded_by=actor,
    )
    return renewal


@transaction.atomic
def cesa_start(*, actor: User, member: Member, start_date: datetime.date) -> Contract:
    """A CESA follows a CAPE: the CAPE ends the day before."""
    member = _lock(member)
    current = _open_contract(member)
    if member.stage != Stage.CAPE or current is None or current.kind != ContractKind.CAPE:
        raise ValidationError(_("Un CESA se signe après un CAPE en cours."))
    if start_date <= current.start_date:
        raise ValidationError(
            {
                "start_date": _("Le CESA commence après le début du CAPE (%(date)s).")
                % {"date": _fr(current.start_date)}
            }
        )
    current.end_date = start_date - ONE_DAY
    current.save(update_fields=["end_date"])
    contract = Contract.objects.create(
        member=member, kind=ContractKind.CESA, start_date=start_date, created_by=actor
    )
    _move(member, stage=Stage.CESA, on=start_date, actor=actor, contract=contract)
    return contract


@transaction.atomic
def associate_join(*, actor: User, member: Member, on: datetime.date) -> PathStep:
    """A CESA holder becomes an associate, within three years of the CESA's start."""
    member = _lock(member)
    current = _open_contract(member)
    if member.stage != Stage.CESA or current is None or current.kind != ContractKind.CESA:
        raise ValidationError(_("On devient associé·e en étant titulaire d'un CESA."))
    deadline = add_years(current.start_date, Contract.CESA_YEARS_TO_ASSOCIATE)
    if on < current.start_date:
        raise ValidationError({"on": _("Cette date précède le début du CESA.")})
    if on > deadline:
        raise ValidationError(
            {
                "on": _("Le délai de trois ans après le début du CESA est dépassé (%(date)s).")
                % {"date": _fr(deadline)}
            }
        )
    return _move(member, stage=Stage.ASSOCIATE, on=on, actor=actor, contract=current)


@transaction.atomic
def member_exit(*, actor: User, member: Member, on: datetime.date, reason: ExitReason) -> PathStep:
    """The member leaves: the open contract ends that day."""
    member = _lock(member)
    if member.stage == Stage.EXITED:
        raise ValidationError(_("Cette personne est déjà sortie de la coopérative."))
    current = _open_contract(member)
    if current is not None:
        if on < current.start_date:
            raise ValidationError({"on": _("La sortie précède le début du contrat en cours.")})
        current.end_date = on
        current.save(update_fields=["end_date"])
    member.exited_on = on
    member.exit_reason = reason
    return _move(
        member, stage=Stage.EXITED, on=on, actor=actor, contract=current, exit_reason=reason
    )
