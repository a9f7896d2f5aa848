"""Pseudonymised extracts: a researcher asks (with a purpose), a coordinator approves or
refuses, the researcher downloads the file once. k-anonymity is checked when the
extract is asked for, again when it is approved and again at the download (the data
may have changed): below k, the extract is refused, saying what to generalise."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.enums import AccessAction
from members.models import AccessLog
from research import extracts
from research.enums import ExtractStatus
from research.models import ExtractRequest


class ExtractUnavailable(Exception):
    """The file cannot be made: already downloaded, refused, or not approved yet."""


def _refuse_for_anonymity(extract: ExtractRequest, result: extracts.AnonymityCheck, now):
    """The check refused the extract (no person decided it): the key, if any, goes."""
    extract.status = ExtractStatus.REFUSED
    extract.decided_by = None
    extract.decided_at = now
    extract.decision_note = _("Refusée au contrôle de k-anonymat. %(why)s") % {
        "why": result.explanation()
    }
    extract.secret = ""


def extract_request(
    *,
    actor,
    programme,
    dataset: str,
    period_start,
    period_end,
    purpose: str,
    territory: str,
    dates: str,
    ages: str,
    include_gender: bool,
) -> ExtractRequest:
    """A researcher asks for an extract of a programme they read. The k-anonymity check
    runs at once: a request that fails it is recorded as refused, with what to
    generalise, so that it can be asked again coarser."""
    from coop.models import Programme

    if not actor.has_perm("research.request_extracts"):
        raise PermissionDenied
    if not Programme.objects.visible_to(actor).filter(pk=programme.pk).exists():
        raise PermissionDenied
    if period_end < period_start:
        raise ValidationError({"period_end": _("La fin de la période précède son début.")})
    if not purpose.strip():
        raise ValidationError({"purpose": _("Dites à quelle recherche servira l'extraction.")})
    with transaction.atomic():
        now = timezone.now()
        extract = ExtractRequest(
            programme=programme,
            dataset=dataset,
            period_start=period_start,
            period_end=period_end,
            purpose=purpose.strip(),
            territory=territory,
            dates=dates,
            ages=ages,
            include_gender=include_gender,
            requested_by=actor,
            requested_at=now,
        )
        result = extracts.check(extract)
        extract.anonymity_check = result.to_dict()
        if not result.ok:
            _refuse_for_anonymity(extract, result, now)
        extract.save()
    return extract


def extract_decide(
    *, actor, extract: ExtractRequest, approve: bool, note: str = ""
) -> ExtractRequest:
    """A coordinator approves or refuses a request (a refusal says why). Approving runs
    the check again; when it passes, the extract's own key is drawn."""
    if not actor.has_perm("research.approve_extracts"):
        raise PermissionDenied
    note = note.strip()
    if not approve and not note:
        raise ValidationError({"note": _("Dites au chercheur ou à la chercheuse pourquoi.")})
    with transaction.atomic():
        locked = ExtractRequest.objects.select_for_update().select_related("programme")
        locked = locked.get(pk=extract.pk)
        if locked.status != ExtractStatus.REQUESTED:
            raise ValidationError(_("Cette demande a déjà été tranchée."))
        now = timezone.now()
        if not approve:
            locked.status = ExtractStatus.REFUSED
            locked.decided_by = actor
            locked.decided_at = now
            locked.decision_note = note
            locked.save()
            return locked
        result = extracts.check(locked)
        locked.anonymity_check = result.to_dict()
        if result.ok:
            locked.status = ExtractStatus.APPROVED
            locked.decided_by = actor
            locked.decided_at = now
            locked.decision_note = note
            locked.secret = extracts.new_key()
        else:
            _refuse_for_anonymity(locked, result, now)
        locked.save()
    return locked


def extract_download(*, actor, extract: ExtractRequest) -> bytes | None:
    """The file of an approved extract, for the researcher who asked, once: the key is
    wiped as the file is made, so it can never be made again. The check runs one last
    time; None when it refuses the extract now (the extract then says why). The
    download is in the access log."""
    if extract.requested_by_id != actor.pk or not actor.has_perm("research.request_extracts"):
        raise PermissionDenied
    with transaction.atomic():
        locked = ExtractRequest.objects.select_for_update().select_related("programme")
        locked = locked.get(pk=extract.pk)
        if locked.status != ExtractStatus.APPROVED or not locked.secret:
            raise ExtractUnavailable
        now = timezone.now()
        result = extracts.check(locked)
        if not result.ok:
            locked.anonymity_check = result.to_dict()
            _refuse_for_anonymity(locked, result, now)
            locked.save()
            return None
        content, rows = extracts.write_csv(locked, locked.secret)
        # Claimed by a conditional update: of two downloads at once, one gets the file.
        claimed = ExtractRequest.objects.filter(pk=locked.pk, status=ExtractStatus.APPROVED).update(
            status=ExtractStatus.DOWNLOADED,
            secret="",
            downloaded_at=now,
            rows=rows,
            anonymity_check=result.to_dict(),
        )
        if claimed != 1:
            raise ExtractUnavailable
        AccessLog.objects.create(
            actor=actor,
            action=AccessAction.DOWNLOAD,
            record_type="research.extractrequest",
            record_id=locked.pk,
            at=now,
        )
    return content


def extract_filename(extract: ExtractRequest) -> str:
    return (
        f"extraction-{extract.pk}-{extract.dataset}-"
        f"{extract.period_start:%Y%m%d}-{extract.period_end:%Y%m%d}.csv"
    )
