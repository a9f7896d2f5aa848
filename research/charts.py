"""Charts of published tables, drawn by matplotlib as SVG: inline on the research pages,
and in the PDF reports.

Only a `ProtectedTable` is drawn: a hidden value is not there to draw. Its place stays
empty (a gap in a line, the mark of the table instead of a bar) and a note says why.
Charts read in grey: series differ by hatches and markers, not by colour alone. Text
stays text (readable, searchable, small), in the reader's number format.

The SVG is rewritten for a strict Content-Security-Policy (no `style` attribute or
element: matplotlib's inline styles become SVG presentation attributes), carries a
`<title>`, a `<desc>` listing the figures, `role="img"` and `aria-label`, and is checked
to hold no script, no event handler and no outside link before it is marked safe.
"""

import io
import itertools
import math
import os
import re
import tempfile
import textwrap
import xml.etree.ElementTree as ET  # noqa: S405 — parses matplotlib's own output only
from dataclasses import dataclass
from decimal import Decimal

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from research import disclosure
from research.disclosure import french_number
from research.indicators import TOTAL

# matplotlib writes its font cache under MPLCONFIGDIR; the server's home may be read-only.
os.environ.setdefault("MPLCONFIGDIR", os.path.join(tempfile.gettempdir(), "entrepairs-mpl"))

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

MONTH = "month"
# Greys from dark to light, with a hatch and a marker each: told apart in black and white.
GREYS = ("#3b3b3b", "#9a9a9a", "#d4d4d4", "#ffffff", "#6b6b6b", "#bdbdbd", "#ececec")
HATCHES = ("", "//", "..", "xx", "\\\\", "--", "++", "oo")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", ":", "-.")
INK = "#1b1f23"
MUTED = "#4a5560"
WIDTH = 5.0  # inches: 360 pt, about a phone's width, so that text stays readable there
LABEL_WIDTH = 22  # characters per line of a category label
MAX_MONTH_LABELS = 13  # month names along a line chart, at most
RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "entrepairs",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 11,
    "text.color": INK,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "hatch.color": INK,
    "hatch.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# Each chart of a process gets its own id prefix unless the caller names one.
_PREFIXES = itertools.count(1)
_URL_REFERENCE = re.compile(r"url\(#([^)]+)\)")
# What a chart may contain once rewritten (anything else is refused).
_FORBIDDEN_TAGS = {"script", "foreignObject", "iframe", "image", "style", "a", "animate", "set"}


@dataclass
class _Series:
    label: str
    values: list[float | None]  # None: hidden
    marks: list[str]  # what the table shows in each place


def chart_svg(
    table: disclosure.ProtectedTable,
    *,
    title: str,
    value_label: str,
    id_prefix: str | None = None,
) -> SafeString | None:
    """The chart of a published table: a line along the months when one breakdown is
    the month, bars for one breakdown, grouped bars for two. None for a table without
    breakdown (a single figure is read, not drawn).

    Every id of the chart (markers, clip paths, hatches) starts with `id_prefix`, so
    that several charts can share one page or document; by default a prefix of its own
    (`chart<n>-`, counted in this process)."""
    # Imported here: matplotlib is slow to load, and most processes never draw.
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    if table.rows_dimension is None:
        return None
    categories, series, _transposed = _series_of(table)
    if not categories:
        return None
    with rc_context(RC):
        figure = Figure(figsize=(WIDTH, _height(table, categories, series)), layout="constrained")
        axes = figure.subplots()
        if MONTH in (table.rows_dimension, table.cols_dimension):
            kind = _("Courbe")
            hidden = _draw_lines(axes, categories, series, value_label)
        else:
            kind = _("Diagramme en barres")
            hidden = _draw_bars(axes, categories, series, value_label)
        figure.suptitle(textwrap.fill(title, 48), x=0.02, ha="left", fontsize=11, fontweight="bold")
        note = (
            textwrap.fill(
                _(
                    "Les valeurs masquées par le secret statistique ne sont pas tracées "
                    "(voir le tableau)."
                ),
                60,
            )
            if hidden
            else None
        )
        if len(series) > 1:
            handles, labels = axes.get_legend_handles_labels()
            handles = [_legend_handle(handle) for handle in handles]
            legend = figure.legend(
                handles,
                labels,
                loc="outside lower center",
                ncols=min(len(series), 2),
                frameon=False,
                title=note,
                title_fontsize=9,
            )
            legend.get_title().set_fontstyle("italic")
            legend.get_title().set_color(MUTED)
        elif note:
            figure.supxlabel(note, fontsize=9, fontstyle="italic", color=MUTED)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    figure.clear()
    description = _description(kind, title, categories, series)
    prefix = id_prefix if id_prefix is not None else f"chart{next(_PREFIXES)}-"
    svg = _rewrite(buffer.getvalue(), title=title, description=description, prefix=prefix)
    return mark_safe(svg)  # noqa: S308


def _legend_handle(handle):
    """A series of bars is shown in the legend by a swatch copied from its first bar;
    when that bar is hidden (not drawn), the swatch would be too: give a visible copy."""
    from matplotlib.container import BarContainer
    from matplotlib.patches import Rectangle

    if not isinstance(handle, BarContainer) or not handle.patches:
        return handle
    swatch = Rectangle((0, 0), 1, 1)
    swatch.update_from(handle.patches[0])
    swatch.set_visible(True)
    return swatch


def _series_of(table):
    """Categories along the axis and one series per column category (the column total
    alone for one breakdown). The month goes along the axis whichever side it is on."""
    rows = [(k, label) for k, label in table.rows if k != TOTAL]
    cols = [(k, label) for k, label in table.cols if k != TOTAL] or [(TOTAL, table.cols[-1][1])]
    transposed = table.cols_dimension == MONTH and table.rows_dimension != MONTH
    along, across = (cols, rows) if transposed else (rows, cols)
    series = []
    for key, label in across:
        values, marks = [], []
        for position, _label in along:
            row, col = (key, position) if transposed else (position, key)
            cell = table.cell(row, col)
            values.append(None if cell.hidden else float(cell.value))
            marks.append(table.display(row, col))
        series.append(_Series(label=label, values=values, marks=marks))
    return [label for _k, label in along], series, transposed


def _height(table, categories, series) -> float:
    if MONTH in (table.rows_dimension, table.cols_dimension):
        return 3.6 + 0.25 * ((len(series) + 1) // 2)
    bars = len(categories) * max(len(series), 1)
    gaps = len(categories) * (0.2 if len(series) > 1 else 0)
    legend = 0.25 * ((len(series) + 1) // 2) if len(series) > 1 else 0
    return max(2.6, 1.4 + 0.3 * bars + gaps + legend)


def _places(step: float) -> int:
    """Decimals that a tick step needs: 0 for 5, 1 for 2.5, 2 for 0.05 (read on the step
    rounded to 10 significant digits, so that 0.15000000000000002 reads as 0.15)."""
    if not step or not math.isfinite(step):
        return 0
    exponent = Decimal(f"{abs(step):.10g}").normalize().as_tuple().exponent
    return max(0, -int(exponent))


def _number_axis(axis, whole: bool) -> None:
    """Ticks in the reader's number format, all with the decimals that the step between
    them needs (never "0,05 0,05 0,04", never "0,50 1 1,50")."""
    from matplotlib.ticker import Formatter, MaxNLocator

    if whole:
        axis.set_major_locator(MaxNLocator(integer=True))

    class TickFormatter(Formatter):
        places = 0

        def set_locs(self, locs):
            super().set_locs(locs)
            steps = [b - a for a, b in itertools.pairwise(sorted(locs)) if b > a]
            self.places = _places(min(steps)) if steps else 0

        def __call__(self, value, pos=None):
            return french_number(Decimal(repr(float(value))), self.places)

    axis.set_major_formatter(TickFormatter())


def _value_range(series) -> float:
    """The largest value drawn, 0 when there is none (all hidden, or all zero)."""
    return max((v for s in series for v in s.values if v is not None), default=0)


def _draw_bars(axes, categories, series, value_label) -> bool:
    """Horizontal bars (long labels stay readable on a phone), the first category on
    top; each bar carries its figure, a hidden one the table's mark."""
    count = len(series)
    thickness = 0.8 / count
    hidden = False
    labels = [textwrap.fill(c, LABEL_WIDTH) for c in categories]
    largest = _value_range(series) or 1
    for index, one in enumerate(series):
        offset = (index - (count - 1) / 2) * thickness
        positions = [i + offset for i in range(len(categories))]
        drawn = [v if v is not None else 0 for v in one.values]
        bars = axes.barh(
            positions,
            drawn,
            height=thickness * 0.92,
            color=GREYS[index % len(GREYS)],
            edgecolor=INK,
            linewidth=0.6,
            hatch=HATCHES[index % len(HATCHES)],
            label=one.label,
        )
        for bar, value, mark in zip(bars, one.values, one.marks, strict=True):
            y = bar.get_y() + bar.get_height() / 2
            if value is None:
                hidden = True
                bar.set_visible(False)
                axes.text(
                    largest * 0.01,
                    y,
                    mark,
                    va="center",
                    fontsize=9,
                    fontstyle="italic",
                    color=MUTED,
                )
            else:
                axes.text(value + largest * 0.01, y, mark, va="center", fontsize=9)
    axes.set_yticks(range(len(categories)), labels)
    axes.invert_yaxis()
    axes.set_xlim(0, largest * 1.15)
    axes.set_xlabel(value_label)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    _number_axis(
        axes.xaxis, all(float(v).is_integer() for s in series for v in s.values if v is not None)
    )
    return hidden


def _draw_lines(axes, categories, series, value_label) -> bool:
    """One line per series along the months, a marker on each month; a hidden month is
    a gap in its line."""
    hidden = False
    positions = list(range(len(categories)))
    for index, one in enumerate(series):
        values = [v if v is not None else float("nan") for v in one.values]
        hidden = hidden or any(v is None for v in one.values)
        axes.plot(
            positions,
            values,
            color=GREYS[index % 3] if index % 3 != 2 else MUTED,
            linestyle=LINESTYLES[index % len(LINESTYLES)],
            marker=MARKERS[index % len(MARKERS)],
            markerfacecolor="white" if index % 2 else INK,
            markeredgecolor=INK,
            linewidth=1.6,
            label=one.label,
        )
    # Past a year, one month in every few is named (the latest always): the names
    # would run into each other on a phone.
    every = math.ceil(len(categories) / MAX_MONTH_LABELS)
    named = [p for p in positions if (len(positions) - 1 - p) % every == 0]
    axes.set_xticks(
        named,
        [categories[p] for p in named],
        rotation=45 if len(named) > 4 else 0,
        ha="right" if len(named) > 4 else "center",
    )
    axes.set_ylabel(value_label)
    if _value_range(series) > 0:
        axes.set_ylim(bottom=0)
    else:
        # Nothing above zero: an axis from 0 to 1 rather than a zoom on nothing.
        axes.set_ylim(0, 1)
        axes.set_yticks([0, 1])
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    _number_axis(
        axes.yaxis, all(float(v).is_integer() for s in series for v in s.values if v is not None)
    )
    return hidden


def _description(kind, title, categories, series) -> str:
    """The figures in words, for whoever does not see the chart (up to 80 of them)."""
    parts = []
    for one in series:
        for category, mark in zip(categories, one.marks, strict=True):
            name = category if len(series) == 1 else f"{category}, {one.label}"
            parts.append(f"{name} : {mark}")
    if len(parts) > 80:
        parts = [*parts[:80], "…"]
    return f"{kind} — {title}. " + " ; ".join(parts) + "."


# --- SVG for a strict Content-Security-Policy -----------------------------------------------


def _rewrite(raw: str, *, title: str, description: str, prefix: str) -> str:
    root = ET.fromstring(raw.encode("utf-8"))  # noqa: S314 — our own output
    for parent in list(root.iter()):
        for child in list(parent):
            if _local(child.tag) in ("metadata", "style"):
                parent.remove(child)
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if style:
            for declaration in style.split(";"):
                name, _colon, value = declaration.partition(":")
                if name.strip() and value.strip():
                    element.attrib.setdefault(name.strip(), value.strip())
        if _local(element.tag) == "g":
            # matplotlib's group ids ("figure_1", "axes_1") are never referenced.
            element.attrib.pop("id", None)
    _prefix_ids(root, prefix)
    for name in ("width", "height"):
        root.attrib.pop(name, None)
    # What the removed <style> said for every element (both inherited properties).
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    root.set("role", "img")
    root.set("aria-label", title)
    root.set("class", "chart__svg")
    desc = ET.Element(f"{{{SVG_NS}}}desc")
    desc.text = description
    root.insert(0, desc)
    heading = ET.Element(f"{{{SVG_NS}}}title")
    heading.text = title
    root.insert(0, heading)
    _check(root)
    return ET.tostring(_plain_names(root), encoding="unicode")


def _prefix_ids(root, prefix: str) -> None:
    """Make every id of the chart its own (`prefix` + id), with the links to it
    (`xlink:href="#…"`, `url(#…)`) following."""
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    if not ids or not prefix:
        return

    def linked(match):
        name = match.group(1)
        return f"url(#{prefix}{name})" if name in ids else match.group(0)

    for element in root.iter():
        for name, value in list(element.attrib.items()):
            if _local(name) == "id":
                element.set(name, prefix + value)
            elif _local(name) == "href" and value.startswith("#") and value[1:] in ids:
                element.set(name, f"#{prefix}{value[1:]}")
            elif "url(#" in value:
                element.set(name, _URL_REFERENCE.sub(linked, value))


def _plain_names(root):
    """Write the namespaces out by hand (ElementTree would name them ns0, ns1, or need a
    process-wide registration): tags in the SVG namespace, `xlink:href` for links."""
    for element in root.iter():
        element.tag = _local(element.tag)
        for name in [n for n in element.attrib if n.startswith("{")]:
            value = element.attrib.pop(name)
            prefix = "xlink:" if name.startswith(f"{{{XLINK_NS}}}") else ""
            element.set(prefix + _local(name), value)
    root.set("xmlns", SVG_NS)
    root.set("xmlns:xlink", XLINK_NS)
    return root


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _check(root) -> None:
    """Refuse anything that could run or fetch: the SVG is put in the page as is."""
    for element in root.iter():
        if _local(element.tag) in _FORBIDDEN_TAGS:
            raise ValueError(f"Unexpected <{_local(element.tag)}> in a chart.")
        for name, value in element.attrib.items():
            local = _local(name).lower()
            if local.startswith("on"):
                raise ValueError("Event handler in a chart.")
            if local == "href" and not value.startswith("#"):
                raise ValueError("Outside link in a chart.")
            if "url(" in value and not value.replace(" ", "").startswith("url(#"):
                raise ValueError("Outside reference in a chart.")
