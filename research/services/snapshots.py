"""The monthly cycle: a programme's figures for a period are computed once, protected,
stored as an immutable snapshot, rendered as a PDF and sent to the funders.

One snapshot per programme and period: `snapshot_request` finds the current one or
creates it (concurrent calls meet on a unique constraint); `snapshot_build` claims it
with a conditional update, so that a task delivered twice, or redelivered after its
worker died (acks_late), computes it once; a re-run is an explicit new version, the old
one kept. What `data` holds:

    {"tables": {table key: ProtectedTable.to_dict()},
     "indicators": [codes, in the order of the catalogue],
     "threshold": the programme's threshold when computed,
     "previous": the id of the snapshot whose masks were kept stable, or None}
"""

import calendar
import datetime
import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.models import Programme
from research import disclosure
from research.enums import PeriodKind, SnapshotStatus
from research.indicators import REGISTRY, Scope
from research.models import Snapshot
from research.publication import indicators_of, snapshot_tables, threshold_for

logger = logging.getLogger(__name__)

# A build claimed longer ago than this is taken to have lost its worker.
STALE_AFTER = datetime.timedelta(minutes=30)
# How far back the catch-up run looks for months left without a snapshot.
CATCH_UP_MONTHS = 12


class SnapshotError(Exception):
    """A request the cycle refuses, with a French message for the person who asked."""


# --- Periods -------------------------------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, 1), datetime.date(year, month, last)


def previous_month(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The calendar month before the one of `day`."""
    first = day.replace(day=1) - datetime.timedelta(days=1)
    return month_bounds(first.year, first.month)


def period_kind_of(start: datetime.date, end: datetime.date) -> PeriodKind:
    if (start, end) == month_bounds(start.year, start.month):
        return PeriodKind.MONTH
    if start == datetime.date(start.year, 1, 1) and end == datetime.date(start.year, 12, 31):
        return PeriodKind.YEAR
    return PeriodKind.CUSTOM


# --- What a snapshot publishes -------------------------------------------------------


def table_specs(programme: Programme, kind: str) -> list[tuple[str, str | None]]:
    """The tables of a snapshot: each indicator as a whole and split by each of its
    breakdowns; the month breakdown only for periods longer than a month."""
    specs = []
    for indicator in indicators_of(programme):
        specs.append((indicator.code, None))
        for dimension in indicator.dimensions:
            if dimension == "month" and kind == PeriodKind.MONTH:
                continue
            specs.append((indicator.code, dimension))
    return specs


def previous_published(programme: Programme, start: datetime.date) -> Snapshot | None:
    """The published snapshot of the month before `start`, whose masks stay stable."""
    prev_start, prev_end = previous_month(start)
    return (
        Snapshot.objects.for_period(programme, prev_start, prev_end)
        .published()
        .filter(is_current=True)
        .first()
    )


def publication_compute(
    programme: Programme,
    start: datetime.date,
    end: datetime.date,
    *,
    previous: Snapshot | None = None,
    progress=None,
) -> dict:
    """Compute, protect and serialise the programme's tables for the period (the
    database aggregates; disclosure control sees all tables at once)."""
    kind = period_kind_of(start, end)
    scope = Scope(start=start, end=end, programme=programme)
    specs = table_specs(programme, kind)
    tables = []
    for index, (code, rows) in enumerate(specs):
        tables.append(REGISTRY[code].table(scope, rows))
        if progress is not None and index % 5 == 0:
            progress(10 + int(60 * index / max(len(specs), 1)), _("Calcul des indicateurs"))
    previous_tables = snapshot_tables(previous) if previous is not None else {}
    if kind != PeriodKind.MONTH:
        previous_tables.update(_link_to_months(programme, start, end, tables))
    threshold = threshold_for(programme)
    protected = disclosure.protect(tables, threshold=threshold, previous=previous_tables)
    return {
        "tables": {key: table.to_dict() for key, table in protected.items()},
        "indicators": list(dict.fromkeys(code for code, _rows in specs)),
        "threshold": threshold,
        "previous": previous.pk if previous is not None else None,
    }


def _link_to_months(programme: Programme, start, end, tables) -> dict:
    """A longer period's sums are the sums of its months: when every month of the
    period is published, a reader could subtract eleven published months from the year
    and rebuild a month's hidden cell. The months' tables are given to disclosure
    control as published figures, and each sum cell linked to its months' cells, so
    that the year hides what that would give away. (Counts of distinct people do not
    add up across months: no such link.)"""
    from research.indicators.base import Measure, Relation

    months = list(
        Snapshot.objects.filter(
            programme=programme,
            period_kind=PeriodKind.MONTH,
            period_start__gte=start,
            period_end__lte=end,
        )
        .published()
        .current()
        .order_by("period_start")
    )
    expected = 12 * (end.year - start.year) + end.month - start.month + 1
    if len(months) != expected or start.day != 1 or end != month_bounds(end.year, end.month)[1]:
        return {}
    linked = {}
    for month in months:
        prefix = f"{month.period_start:%Y-%m}|"
        for key, table in snapshot_tables(month).items():
            linked[prefix + key] = table
    for table in tables:
        if table.measure != Measure.SUM:
            continue
        for row, col in table.cells:
            months_terms = tuple(
                ((f"{month.period_start:%Y-%m}|{table.key}", row, col), -1, True)
                for month in months
            )
            table.relations.append(
                Relation(terms=(((table.key, row, col), 1, False), *months_terms))
            )
    return linked


# --- The lifecycle -------------------------------------------------------------------


def snapshot_request(
    *,
    programme: Programme,
    start: datetime.date,
    end: datetime.date,
    actor=None,
) -> Snapshot:
    """The current snapshot of this programme and period, or a new one waiting to be
    built. Never a second one: two callers at once meet on the unique constraint."""
    if end < start:
        raise SnapshotError(_("La fin de la période précède son début."))
    if end >= timezone.localdate():
        raise SnapshotError(_("Une période se publie une fois terminée."))
    existing = Snapshot.objects.for_period(programme, start, end).current().first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Snapshot.objects.create(
                programme=programme,
                period_kind=period_kind_of(start, end),
                period_start=start,
                period_end=end,
                version=1,
                requested_by=actor,
            )
    except IntegrityError:
        return Snapshot.objects.for_period(programme, start, end).current().get()


def snapshot_rerun(*, snapshot: Snapshot, actor) -> Snapshot:
    """A new version of the period's figures; the old one is kept (no longer current).
    Refused while a version of the period is still being built."""
    with transaction.atomic():
        Programme.objects.select_for_update().get(pk=snapshot.programme_id)
        versions = Snapshot.objects.for_period(
            snapshot.programme, snapshot.period_start, snapshot.period_end
        )
        current = versions.current().select_for_update().first()
        if current is not None and current.status == SnapshotStatus.BUILDING:
            raise SnapshotError(_("Cette période est déjà en cours de calcul."))
        last = versions.aggregate(last=Max("version"))["last"] or 0
        if current is not None:
            current.is_current = False
            current.save(update_fields=["is_current"])
        return Snapshot.objects.create(
            programme=snapshot.programme,
            period_kind=snapshot.period_kind,
            period_start=snapshot.period_start,
            period_end=snapshot.period_end,
            version=last + 1,
            requested_by=actor,
        )


def _set_progress(snapshot_id: int, percent: int, label: str) -> None:
    Snapshot.objects.filter(pk=snapshot_id, status=SnapshotStatus.BUILDING).update(
        progress=min(percent, 99), progress_label=label[:200]
    )


def snapshot_claim(*, snapshot_id: int) -> bool:
    """Take the build of a snapshot for this worker: only one at a time; a claim older
    than STALE_AFTER is taken to have lost its worker and may be taken again."""
    now = timezone.now()
    return bool(
        Snapshot.objects.filter(pk=snapshot_id, status=SnapshotStatus.BUILDING)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - STALE_AFTER))
        .update(claimed_at=now, error="")
    )


def snapshot_build(*, snapshot_id: int, render_pdf=None) -> Snapshot:
    """Compute, protect and store the snapshot's figures, then its PDF. Safe to run
    twice, and after a worker died midway: what is ready is left as it is; the figures
    are written in one transaction at the end, or not at all."""
    if not snapshot_claim(snapshot_id=snapshot_id):
        return Snapshot.objects.get(pk=snapshot_id)
    snapshot = Snapshot.objects.select_related("programme").get(pk=snapshot_id)
    try:
        _set_progress(snapshot_id, 5, _("Calcul des indicateurs"))
        data = publication_compute(
            snapshot.programme,
            snapshot.period_start,
            snapshot.period_end,
            previous=previous_published(snapshot.programme, snapshot.period_start)
            if snapshot.period_kind == PeriodKind.MONTH
            else None,
            progress=lambda percent, label: _set_progress(snapshot_id, percent, label),
        )
        _set_progress(snapshot_id, 75, _("Mise en page du rapport PDF"))
        snapshot.data = data
        pdf = render_pdf(snapshot) if render_pdf is not None else _render_pdf(snapshot)
        with transaction.atomic():
            locked = Snapshot.objects.select_for_update().get(pk=snapshot_id)
            if locked.status != SnapshotStatus.BUILDING:
                return locked
            locked.data = data
            locked.computed_at = timezone.now()
            locked.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
            locked.pdf.save(f"rapport-{snapshot_id}.pdf", ContentFile(pdf), save=False)
            locked.status = SnapshotStatus.READY
            locked.progress = 100
            locked.progress_label = _("Prêt")
            locked.claimed_at = None
            locked.save()
            return locked
    except Exception as exc:
        Snapshot.objects.filter(pk=snapshot_id, status=SnapshotStatus.BUILDING).update(
            claimed_at=None, error=str(exc)[:2000]
        )
        raise


def snapshot_fail(*, snapshot_id: int, error: str) -> None:
    """The build failed for good (retries exhausted): said on the coordinators' page."""
    Snapshot.objects.filter(pk=snapshot_id, status=SnapshotStatus.BUILDING).update(
        status=SnapshotStatus.FAILED, claimed_at=None, error=error[:2000]
    )


def _render_pdf(snapshot: Snapshot) -> bytes:
    from research.reports import report_pdf

    return report_pdf(snapshot)


# --- Sending -------------------------------------------------------------------------


def _report_recipients(programme: Programme) -> list[str]:
    from research.models import FunderContact

    return list(
        FunderContact.objects.receiving_reports()
        .filter(funder__programmes=programme)
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def _coordinator_addresses() -> list[str]:
    from members.enums import Role
    from members.models import User

    return list(
        User.objects.filter(role=Role.COORDINATOR, is_active=True)
        .order_by("email")
        .values_list("email", flat=True)
    )


def snapshot_send(*, snapshot_id: int, notify: bool = True) -> bool:
    """Release the report to the funders' portal and e-mail it to the programme's funder
    contacts (a link to their portal and the PDF attached), with the month's summary to
    coordinators. Once: the status moves from ready to sent in a conditional update,
    whoever asks twice. `notify=False` releases without e-mail (months caught up after an
    outage: only the month just finished is e-mailed)."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string
    from django.urls import reverse

    with transaction.atomic():
        claimed = Snapshot.objects.filter(pk=snapshot_id, status=SnapshotStatus.READY).update(
            status=SnapshotStatus.SENT, sent_at=timezone.now()
        )
        if not claimed:
            return False
        snapshot = Snapshot.objects.select_related("programme").get(pk=snapshot_id)
        context = {
            "snapshot": snapshot,
            "figures": key_figures(snapshot),
            "programme": snapshot.programme,
            "portal_url": settings.SITE_URL + reverse("research:portal"),
            "reports_url": settings.SITE_URL + reverse("research:report_list"),
        }
        if not notify:
            return True
        recipients = _report_recipients(snapshot.programme)
        subject = _("Rapport d'impact — %(programme)s — %(period)s") % {
            "programme": snapshot.programme.name,
            "period": period_label(snapshot),
        }
        if recipients:
            message = EmailMessage(
                subject=subject,
                body=render_to_string("research/emails/report_funders.txt", context),
                to=recipients,
            )
            with snapshot.pdf.open("rb") as pdf:
                message.attach(report_filename(snapshot), pdf.read(), "application/pdf")
            message.send()
        coordinators = _coordinator_addresses()
        if coordinators:
            EmailMessage(
                subject=_("Synthèse mensuelle — %(programme)s — %(period)s")
                % {"programme": snapshot.programme.name, "period": period_label(snapshot)},
                body=render_to_string("research/emails/report_coordinators.txt", context),
                bcc=coordinators,
            ).send()
    return True


def period_label(snapshot: Snapshot) -> str:
    from django.utils import formats

    if snapshot.period_kind == PeriodKind.MONTH:
        return formats.date_format(snapshot.period_start, "F Y")
    if snapshot.period_kind == PeriodKind.YEAR:
        return str(snapshot.period_start.year)
    return _("du %(start)s au %(end)s") % {
        "start": formats.date_format(snapshot.period_start, "SHORT_DATE_FORMAT"),
        "end": formats.date_format(snapshot.period_end, "SHORT_DATE_FORMAT"),
    }


def report_filename(snapshot: Snapshot) -> str:
    from django.utils.text import slugify

    return (
        f"rapport-{slugify(snapshot.programme.name)}-{snapshot.period_start:%Y-%m-%d}"
        f"-{snapshot.period_end:%Y-%m-%d}-v{snapshot.version}.pdf"
    )


# --- The monthly run -----------------------------------------------------------------


def months_due(programme: Programme, today: datetime.date) -> list[tuple]:
    """The finished months of the programme, from CATCH_UP_MONTHS back to the last one,
    that the programme ran in."""
    months = []
    start, end = previous_month(today)
    for _i in range(CATCH_UP_MONTHS):
        if end < programme.starts_on:
            break
        if programme.ends_on is None or start <= programme.ends_on:
            months.append((start, end))
        start, end = previous_month(start)
    return months


def monthly_due(*, today: datetime.date) -> list[int]:
    """The automatic snapshots the monthly run must (still) build or release: for every
    programme, each finished month of the last year (created when missing), whose build
    has not finished or whose report is not released yet. Creating them is idempotent;
    so is calling this twice. A coordinator's re-run is never released automatically
    (it is previewed first)."""
    due = []
    last_month = previous_month(today)
    earliest = last_month[0] - datetime.timedelta(days=31 * CATCH_UP_MONTHS)
    for programme in Programme.objects.running_between(earliest, today).order_by("pk"):
        for start, end in months_due(programme, today):
            snapshot = snapshot_request(programme=programme, start=start, end=end)
            automatic = snapshot.requested_by_id is None and snapshot.version == 1
            if automatic and snapshot.status in (SnapshotStatus.BUILDING, SnapshotStatus.READY):
                due.append(snapshot.pk)
    return due


def notifies(snapshot: Snapshot, today: datetime.date) -> bool:
    """Only the month just finished is e-mailed by the monthly run."""
    return (snapshot.period_start, snapshot.period_end) == previous_month(today)


def key_figures(snapshot: Snapshot) -> list[dict]:
    """The whole-programme figure of each indicator of the snapshot, as published
    (hidden stays hidden), in the catalogue's order."""
    from research.indicators.base import TOTAL, table_key

    figures = []
    tables = snapshot.data.get("tables", {})
    for code in snapshot.data.get("indicators", []):
        stored = tables.get(table_key(code, None, None))
        if stored is None or code not in REGISTRY:
            continue
        table = disclosure.ProtectedTable.from_dict(stored)
        indicator = REGISTRY[code]
        figures.append(
            {
                "code": code,
                "label": indicator.label,
                "unit": unit_label(indicator.unit),
                "cell": table.cell(TOTAL, TOTAL),
                "display": table.display(TOTAL, TOTAL),
            }
        )
    return figures


def unit_label(unit: str) -> str:
    from research.indicators.base import Unit

    try:
        return str(Unit(unit).label)
    except ValueError:
        return unit
