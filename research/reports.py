"""The funders' impact report of a snapshot: an A4 PDF in French, made by WeasyPrint
from a normal template (`research/report/report.html`).

Everything printed comes from published figures: the snapshot's protected tables, the
programme's earlier published snapshots (the change since the last period, the monthly
evolution) and the testimonials chosen with consent. Nothing is recomputed and no hidden
value is there to print: a change is given only when both figures are published, and a
month without a published figure is a gap in its curve. No name is printed but the
changed first name of a testimonial.

The PDF is tagged (PDF/UA-1: structure tree, language, title; charts carry their figures
as alternative text), with an outline, a table of contents with page numbers, a running
header and numbered pages.
"""

import datetime
import functools
import threading
from dataclasses import dataclass, field
from decimal import Decimal

import weasyprint
from django.db.models.fields.json import KeyTransform
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from weasyprint.text.fonts import FontConfiguration

from coop.models import CooperativeProfile
from research import charts
from research.disclosure import DOMINANCE, ProtectedCell, ProtectedTable, Reason, french_number
from research.enums import PeriodKind
from research.indicators import REGISTRY, SECTIONS, TOTAL, Measure
from research.indicators.base import table_key
from research.models import Snapshot, Testimonial
from research.publication import dimension_label, snapshot_tables
from research.services.snapshots import month_bounds, period_label, unit_label

TEMPLATE = "research/report/report.html"
# The indicators whose monthly evolution is drawn (those the snapshot holds); when it
# holds none of them, the first indicator of each section.
KEY_INDICATORS = (
    "entrepreneurs_active",
    "revenue_invoiced",
    "hours_delivered",
    "people_reached",
    "people_accompanied",
    "meetings",
)
# The evolution covers the programme's months up to the report's end, at most this many.
EVOLUTION_MONTHS = 24
# A testimonial page, not an anthology.
TESTIMONIALS_SHOWN = 6
# Measures whose change is also given as a percentage (a count or a sum).
RELATIVE_CHANGE = frozenset({Measure.PEOPLE.value, Measure.SUM.value})
MONTH = "month"
OTHER_SECTION = "other"


# --- What the template prints --------------------------------------------------------------


@dataclass(frozen=True)
class KeyFigure:
    code: str
    label: str
    unit: str
    display: str
    previous: str  # "—" when there is no published previous figure
    change: str  # "—" unless both figures are published


@dataclass(frozen=True)
class Breakdown:
    table: ProtectedTable
    caption: str
    corner: str
    prefix: str


@dataclass
class IndicatorPart:
    code: str
    label: str
    anchor: str
    unit: str
    whole: str
    hidden_whole: str  # why the whole figure is hidden ("" when published)
    # Nothing to break down: the whole is 0 (or a median of nobody).
    empty: bool = False
    breakdowns: list[Breakdown] = field(default_factory=list)


@dataclass
class Section:
    code: str
    title: str
    anchor: str
    indicators: list[IndicatorPart] = field(default_factory=list)


@dataclass(frozen=True)
class Chart:
    code: str
    title: str
    svg: SafeString


@dataclass(frozen=True)
class Definition:
    label: str
    definition: str
    unit: str
    measure: str


# --- Reading a snapshot ----------------------------------------------------------------------


def _codes(snapshot: Snapshot, tables: dict[str, ProtectedTable]) -> list[str]:
    """The indicators of the snapshot, in the catalogue's order (as stored, or as its
    tables say for a snapshot that does not list them)."""
    listed = (snapshot.data or {}).get("indicators")
    if listed is None:
        listed = list(dict.fromkeys(table.indicator for table in tables.values()))
    order = {code: index for index, code in enumerate(REGISTRY)}
    return sorted(listed, key=lambda code: order.get(code, len(order)))


def _label(code: str) -> str:
    indicator = REGISTRY.get(code)
    return str(indicator.label) if indicator is not None else code


def _unit(code: str) -> str:
    indicator = REGISTRY.get(code)
    return unit_label(indicator.unit) if indicator is not None else ""


def _whole(tables: dict[str, ProtectedTable], code: str) -> ProtectedTable | None:
    return tables.get(table_key(code, None, None))


def previous_period(snapshot: Snapshot) -> tuple[datetime.date, datetime.date] | None:
    """The period a report compares itself with: the month before a month, the year
    before a year; none for a chosen period."""
    start = snapshot.period_start
    if snapshot.period_kind == PeriodKind.MONTH:
        last = start - datetime.timedelta(days=1)
        return month_bounds(last.year, last.month)
    if snapshot.period_kind == PeriodKind.YEAR:
        return datetime.date(start.year - 1, 1, 1), datetime.date(start.year - 1, 12, 31)
    return None


def previous_snapshot(snapshot: Snapshot) -> Snapshot | None:
    """The programme's published figures of the previous period of the same kind."""
    period = previous_period(snapshot)
    if period is None:
        return None
    return (
        Snapshot.objects.for_period(snapshot.programme, *period)
        .published()
        .current()
        .filter(period_kind=snapshot.period_kind)
        .first()
    )


# --- Summary ---------------------------------------------------------------------------------


def _places(*values: Decimal) -> int:
    return max(max(0, -value.as_tuple().exponent) for value in values)


def change_text(current: ProtectedCell | None, previous: ProtectedCell | None, measure) -> str:
    """`+12 (+8,5 %)`, `−3`, `0`: the change between two published figures; `—` when
    either is hidden or missing (never computed from a hidden value)."""
    if current is None or previous is None or current.hidden or previous.hidden:
        return "—"
    difference = current.value - previous.value
    text = french_number(difference, _places(current.value, previous.value))
    if difference > 0:
        text = "+" + text
    elif difference < 0:
        text = "\u2212" + text.lstrip("-")
    if measure in RELATIVE_CHANGE and previous.value and difference:
        percent = french_number(difference * 100 / previous.value, 1)
        sign = "+" if difference > 0 else "\u2212"
        text += f" ({sign}{percent.lstrip('-')}\xa0%)"
    return text


def summary(
    codes: list[str],
    tables: dict[str, ProtectedTable],
    previous_tables: dict[str, ProtectedTable] | None,
) -> list[KeyFigure]:
    """The whole-programme figure of each indicator, with the previous period's and the
    change between them."""
    figures = []
    for code in codes:
        table = _whole(tables, code)
        if table is None:
            continue
        before = _whole(previous_tables, code) if previous_tables is not None else None
        current_cell = table.cell(TOTAL, TOTAL)
        previous_cell = before.cell(TOTAL, TOTAL) if before is not None else None
        figures.append(
            KeyFigure(
                code=code,
                label=_label(code),
                unit=_unit(code),
                display=table.display(TOTAL, TOTAL),
                previous=before.display(TOTAL, TOTAL) if before is not None else "—",
                change=change_text(current_cell, previous_cell, table.measure),
            )
        )
    return figures


# --- Monthly evolution ---------------------------------------------------------------------


def _month_label(day: datetime.date, count: int) -> str:
    return formats.date_format(day, "F Y" if count <= 13 else "m/Y")


def evolution_months(snapshot: Snapshot) -> list[datetime.date]:
    """The first days of the programme's months up to the report's end (the last
    EVOLUTION_MONTHS of them)."""
    end = snapshot.period_end.replace(day=1)
    first = snapshot.programme.starts_on.replace(day=1)
    months = []
    day = end
    while day >= first and len(months) < EVOLUTION_MONTHS:
        months.append(day)
        day = (day - datetime.timedelta(days=1)).replace(day=1)
    return months[::-1]


def key_indicators(codes: list[str]) -> list[str]:
    chosen = [code for code in KEY_INDICATORS if code in codes]
    if chosen:
        return chosen
    firsts: dict[str, str] = {}
    for code in codes:
        indicator = REGISTRY.get(code)
        if indicator is not None:
            firsts.setdefault(indicator.section, code)
    return list(firsts.values())


def _monthly_wholes(
    snapshot: Snapshot, codes: list[str], months: list[datetime.date], tables
) -> dict[datetime.date, dict[str, dict | None]]:
    """The whole-table figure of each code for each month, as published: the
    programme's current published monthly snapshots (only the tables asked for are read
    from the database), and this snapshot's own when it is a month."""
    keys = {code: table_key(code, None, None) for code in codes}
    found: dict[datetime.date, dict[str, dict | None]] = {}
    if months:
        rows = (
            Snapshot.objects.published()
            .current()
            .filter(
                programme_id=snapshot.programme_id,
                period_kind=PeriodKind.MONTH,
                period_start__gte=months[0],
                period_end__lte=snapshot.period_end,
            )
            .exclude(pk=snapshot.pk)
            .annotate(
                **{
                    f"whole_{index}": KeyTransform(key, KeyTransform("tables", "data"))
                    for index, key in enumerate(keys.values())
                }
            )
            .values("period_start", *(f"whole_{index}" for index in range(len(keys))))
        )
        for row in rows:
            found[row["period_start"]] = {
                code: row[f"whole_{index}"] for index, code in enumerate(keys)
            }
    if snapshot.period_kind == PeriodKind.MONTH:
        found[snapshot.period_start] = {
            code: tables[key].to_dict() if key in tables else None for code, key in keys.items()
        }
    return found


def evolution_table(
    code: str, months: list[datetime.date], wholes: dict, threshold: int
) -> ProtectedTable:
    """A table of the code's whole figure per month, as published: a hidden month stays
    hidden, a month without published figures has no value."""
    rows, cells, measure = [], {}, Measure.PEOPLE.value
    for month in months:
        key = month.strftime("%Y-%m")
        rows.append((key, _month_label(month, len(months))))
        stored = wholes.get(month, {}).get(code)
        if stored is None:
            cells[(key, TOTAL)] = ProtectedCell(value=None, reason=Reason.EMPTY)
            continue
        table = ProtectedTable.from_dict(stored)
        measure = table.measure
        cells[(key, TOTAL)] = table.cell(TOTAL, TOTAL)
    return ProtectedTable(
        key=f"{code}:{MONTH}:evolution",
        indicator=code,
        measure=measure,
        rows_dimension=MONTH,
        cols_dimension=None,
        rows=rows,
        cols=[(TOTAL, _label(code))],
        cells=cells,
        threshold=threshold,
    )


def _for_report(svg: SafeString) -> SafeString:
    """A chart ready for the PDF: its description (the figures in words) as its
    <title>, which WeasyPrint gives as the PDF figure's alternative text. (Its ids are
    already its own: `chart_svg` prefixes them.)"""
    text = str(svg)
    start, end = text.find("<desc>"), text.find("</desc>")
    title_start, title_end = text.find("<title>"), text.find("</title>")
    if min(start, end, title_start, title_end) >= 0:
        description = text[start + len("<desc>") : end]
        text = text[: title_start + len("<title>")] + description + text[title_end:]
    # Only our own chart, whose texts ElementTree escaped, rearranged.
    return mark_safe(text)  # noqa: S308


@dataclass(frozen=True)
class MonthRow:
    label: str
    figures: list[str]  # as published, one per key indicator


def evolution_charts(
    snapshot: Snapshot, codes: list[str], tables: dict[str, ProtectedTable], threshold: int
) -> tuple[list[Chart], list[MonthRow], list[datetime.date]]:
    """The chart of each key indicator along the months, and the same figures as a
    table (months in rows), which the charts refer to for what they leave out."""
    months = evolution_months(snapshot)
    if len(months) < 2:
        return [], [], months
    chosen = key_indicators(codes)
    wholes = _monthly_wholes(snapshot, chosen, months, tables)
    drawn, columns = [], []
    for code in chosen:
        table = evolution_table(code, months, wholes, threshold)
        if all(cell.hidden or cell.value == 0 for cell in table.cells.values()):
            continue  # nothing but zeros and gaps: a flat line says nothing
        title = _("%(indicator)s, mois par mois") % {"indicator": _label(code)}
        svg = charts.chart_svg(
            table,
            title=title,
            value_label=_unit(code).capitalize(),
            id_prefix=f"c{len(drawn) + 1}-",
        )
        if svg is not None:
            columns.append(table)
            drawn.append(Chart(code=code, title=title, svg=_for_report(svg)))
    rows = [
        MonthRow(label=label, figures=[table.display(key, TOTAL) for table in columns])
        for key, label in (columns[0].rows if columns else [])
    ]
    return drawn, rows, months


# --- Breakdowns ------------------------------------------------------------------------------


def _is_empty(cell: ProtectedCell) -> bool:
    return cell.value == 0 if not cell.hidden else cell.reason == Reason.EMPTY


def sections(codes: list[str], tables: dict[str, ProtectedTable]) -> list[Section]:
    """The catalogue's sections, each with its indicators and every breakdown the
    snapshot published (in the indicator's order of breakdowns)."""
    found: dict[str, Section] = {}
    for code in codes:
        indicator = REGISTRY.get(code)
        section_code = indicator.section if indicator is not None else OTHER_SECTION
        section = found.get(section_code)
        if section is None:
            title = SECTIONS.get(section_code, _("Autres indicateurs"))
            section = Section(code=section_code, title=str(title), anchor=f"section-{section_code}")
            found[section_code] = section
        whole = _whole(tables, code)
        dimensions = list(indicator.dimensions) if indicator is not None else []
        dimensions += sorted(
            {t.rows_dimension for t in tables.values() if t.indicator == code}
            - {None}
            - set(dimensions)
        )
        unit = _unit(code)
        part = IndicatorPart(
            code=code,
            label=_label(code),
            anchor=f"indicateur-{code}",
            unit=unit,
            whole=whole.display(TOTAL, TOTAL) if whole is not None else "—",
            hidden_whole=(
                whole.reason_label(TOTAL, TOTAL)
                if whole is not None and whole.cell(TOTAL, TOTAL).reason != Reason.EMPTY
                else ""
            ),
            empty=whole is not None and _is_empty(whole.cell(TOTAL, TOTAL)),
        )
        for dimension in [] if part.empty else dimensions:
            table = tables.get(table_key(code, dimension, None))
            if table is None or all(key == TOTAL for key, _label in table.rows):
                continue
            name = dimension_label(dimension)
            caption = _("%(indicator)s, par %(dimension)s (%(unit)s)") % {
                "indicator": part.label,
                "dimension": name[:1].lower() + name[1:],
                "unit": unit,
            }
            part.breakdowns.append(
                Breakdown(
                    table=table,
                    caption=caption,
                    corner=dimension_label(dimension),
                    prefix=code,
                )
            )
        section.indicators.append(part)
    order = list(SECTIONS) + [OTHER_SECTION]
    return sorted(found.values(), key=lambda s: order.index(s.code))


def definitions(codes: list[str]) -> list[Definition]:
    result = []
    for code in codes:
        indicator = REGISTRY.get(code)
        if indicator is None:
            continue
        try:
            measure = str(Measure(indicator.measure).label)
        except ValueError:
            measure = str(indicator.measure)
        result.append(
            Definition(
                label=str(indicator.label),
                definition=str(indicator.definition),
                unit=unit_label(indicator.unit),
                measure=measure,
            )
        )
    return result


# --- The report ------------------------------------------------------------------------------


def _in_french(render):
    """Reports are French whatever the language of whoever asks for them."""

    @functools.wraps(render)
    def wrapper(*args, **kwargs):
        with translation.override("fr"):
            return render(*args, **kwargs)

    return wrapper


def _funder_names(snapshot: Snapshot) -> list[str]:
    names = list(snapshot.programme.funders.order_by("name").values_list("name", flat=True))
    if not names and snapshot.programme.funder:
        names = [snapshot.programme.funder]
    return names


@_in_french
def report_context(snapshot: Snapshot) -> dict:
    """Everything the template prints. Five queries whatever the data size, for a
    snapshot read with its programme: the previous period's snapshot, the key
    indicators' monthly figures (read out of the JSON by the database), the cooperative,
    the testimonials, the funders' names."""
    tables = snapshot_tables(snapshot)
    codes = _codes(snapshot, tables)
    threshold = (snapshot.data or {}).get("threshold") or snapshot.programme.disclosure_threshold
    previous = previous_snapshot(snapshot)
    previous_tables = snapshot_tables(previous) if previous is not None else None
    chart_list, month_rows, months = evolution_charts(snapshot, codes, tables, threshold)
    profile = CooperativeProfile.current()
    made_at = timezone.localtime(snapshot.computed_at or timezone.now())
    testimonials = list(
        Testimonial.objects.for_report(snapshot.programme, snapshot.period_end).only(
            "text", "changed_first_name", "chosen_on"
        )[:TESTIMONIALS_SHOWN]
    )
    return {
        "snapshot": snapshot,
        "programme": snapshot.programme,
        "cooperative": profile.name if profile is not None else "",
        "funders": _funder_names(snapshot),
        "period": period_label(snapshot),
        "period_start": formats.date_format(snapshot.period_start, "SHORT_DATE_FORMAT"),
        "period_end": formats.date_format(snapshot.period_end, "SHORT_DATE_FORMAT"),
        "version": snapshot.version,
        "made_on": formats.date_format(made_at.date(), "SHORT_DATE_FORMAT"),
        "threshold": threshold,
        "dominance": french_number(DOMINANCE * 100, 0),
        "previous": previous,
        "previous_period": period_label(previous) if previous is not None else "",
        "has_previous_period": previous_period(snapshot) is not None,
        "summary": summary(codes, tables, previous_tables),
        "charts": chart_list,
        "month_rows": month_rows,
        "chart_columns": [(_label(chart.code), _unit(chart.code)) for chart in chart_list],
        "evolution_from": _month_label(months[0], 1) if months else "",
        "evolution_to": _month_label(months[-1], 1) if months else "",
        "sections": sections(codes, tables),
        "testimonials": testimonials,
        "definitions": definitions(codes),
        "hidden_small": f"<\xa0{threshold}",
        "reasons": {
            "small": str(Reason.LABELS[Reason.SMALL]) % {"threshold": threshold},
            "secondary": str(Reason.LABELS[Reason.SECONDARY]),
            "dominance": str(Reason.LABELS[Reason.DOMINANCE]),
            "derived": str(Reason.LABELS[Reason.DERIVED]),
        },
    }


@_in_french
def report_html(snapshot: Snapshot) -> str:
    """The report as HTML (self-contained: its styles are inline; it fetches nothing)."""
    return render_to_string(TEMPLATE, report_context(snapshot))


_per_thread = threading.local()


def _font_config() -> FontConfiguration:
    """One font configuration per thread, reused (Pango's font map is per thread)."""
    if not hasattr(_per_thread, "font_config"):
        _per_thread.font_config = FontConfiguration()
    return _per_thread.font_config


def render_pdf(html: str) -> bytes:
    """A report's HTML as a tagged PDF (PDF/UA-1)."""
    return weasyprint.HTML(string=html).write_pdf(
        font_config=_font_config(), pdf_variant="pdf/ua-1"
    )


def report_pdf(snapshot: Snapshot) -> bytes:
    """The report of a snapshot whose figures are computed (`snapshot.data`), as PDF."""
    return render_pdf(report_html(snapshot))
