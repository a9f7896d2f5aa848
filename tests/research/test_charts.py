"""Charts of published tables: valid SVG with a title and a description, safe to put
inline under a strict Content-Security-Policy, readable in grey, and never drawing a
hidden value."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from research.charts import chart_svg
from research.disclosure import ProtectedCell, ProtectedTable, Reason
from research.indicators import TOTAL, Measure

NS = "{http://www.w3.org/2000/svg}"
GENDERS = [("woman", "Femme"), ("man", "Homme"), ("non_binary", "Non binaire")]
DEPARTMENTS = [("75", "75 — Paris"), ("93", "93 — Seine-Saint-Denis")]


def _table(rows, cols=None, *, values=None, rows_dimension="gender", cols_dimension=None):
    """A published table: every cell 20 unless `values` says otherwise (a Reason for a
    hidden cell)."""
    values = values or {}
    rows = [*rows, (TOTAL, "Ensemble")]
    cols = [*(cols or []), (TOTAL, "Ensemble")]
    cells = {}
    for row, _r in rows:
        for col, _c in cols:
            value = values.get((row, col), Decimal(20))
            cells[(row, col)] = (
                ProtectedCell(value=None, reason=value)
                if isinstance(value, str)
                else ProtectedCell(value=value)
            )
    return ProtectedTable(
        key="test",
        indicator="test",
        measure=Measure.PEOPLE,
        rows_dimension=rows_dimension,
        cols_dimension=cols_dimension,
        rows=rows,
        cols=cols,
        cells=cells,
        threshold=11,
    )


def _parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 — our own chart


def _bar_labels(root) -> list[str]:
    """The figures written next to the bars (the axis ticks are bigger)."""
    return [t.text for t in root.iter(f"{NS}text") if t.get("font-size") == "9px"]


def test_a_bar_chart_has_a_title_a_description_and_a_role():
    svg = chart_svg(
        _table(GENDERS, values={("man", TOTAL): Decimal(1234)}),
        title="Personnes par genre",
        value_label="Personnes",
    )
    root = _parse(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Personnes par genre"
    assert root.find(f"{NS}title").text == "Personnes par genre"
    desc = root.find(f"{NS}desc").text
    assert desc.startswith("Diagramme en barres — Personnes par genre.")
    # French number format (a narrow no-break space between thousands).
    assert "Homme : 1\u202f234" in desc
    assert "1\u202f234" in _bar_labels(root)


def test_a_chart_holds_nothing_a_strict_csp_would_block_or_that_could_run():
    root = _parse(chart_svg(_table(GENDERS), title="Titre", value_label="Personnes"))
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        assert tag not in {"script", "style", "foreignObject", "metadata", "a"}
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)
    # Fixed size is left to the page (it scales the chart to its width).
    assert "width" not in root.attrib
    assert root.get("viewBox")


def test_text_stays_text():
    root = _parse(chart_svg(_table(GENDERS), title="Titre", value_label="Personnes"))
    texts = {t.text for t in root.iter(f"{NS}text")}
    assert {"Femme", "Homme", "Non binaire", "Titre", "Personnes"} <= texts


def test_a_hidden_value_is_not_drawn_and_a_note_says_so():
    table = _table(GENDERS, values={("non_binary", TOTAL): Reason.SMALL})
    root = _parse(chart_svg(table, title="Titre", value_label="Personnes"))
    labels = _bar_labels(root)
    assert "<\xa011" in labels
    assert labels.count("20") == 2
    texts = " ".join(t.text or "" for t in root.iter(f"{NS}text"))
    assert "ne sont pas tracées" in texts
    # Two bars drawn (hatched patches), not three.
    bars = [
        p
        for p in root.iter(f"{NS}path")
        if p.get("stroke") == "#1b1f23" and p.get("stroke-width") == "0.6"
    ]
    assert len(bars) == 2


def test_a_chart_without_hidden_value_has_no_note():
    root = _parse(chart_svg(_table(GENDERS), title="Titre", value_label="Personnes"))
    texts = " ".join(t.text or "" for t in root.iter(f"{NS}text"))
    assert "ne sont pas tracées" not in texts


def test_two_breakdowns_make_grouped_bars_told_apart_by_hatches():
    table = _table(
        GENDERS,
        DEPARTMENTS,
        cols_dimension="department",
        values={("non_binary", "75"): Reason.SMALL, ("non_binary", "93"): Reason.SECONDARY},
    )
    svg = chart_svg(table, title="Titre", value_label="Personnes")
    root = _parse(svg)
    texts = {t.text for t in root.iter(f"{NS}text")}
    # The legend names each series.
    assert {"75 — Paris", "93 — Seine-Saint-Denis"} <= texts
    # The second series is hatched: an SVG pattern, drawn in the ink colour.
    assert root.find(f".//{NS}pattern") is not None
    assert {"<\xa011", "s"} <= set(_bar_labels(root))
    desc = root.find(f"{NS}desc").text
    assert "Non binaire, 75 — Paris : <\xa011" in desc


def test_months_make_a_line_with_a_gap_for_a_hidden_month():
    months = [(f"2026-{m:02d}", f"mois {m}") for m in range(1, 7)]
    table = _table(months, rows_dimension="month", values={("2026-03", TOTAL): Reason.SMALL})
    root = _parse(chart_svg(table, title="Par mois", value_label="Personnes"))
    assert root.find(f"{NS}desc").text.startswith("Courbe — Par mois.")
    # The line is cut at the hidden month: two pieces (M … L … M … L …).
    lines = [
        p.get("d")
        for p in root.iter(f"{NS}path")
        if p.get("stroke-width") == "1.6" and p.get("fill") == "none"
    ]
    assert len(lines) == 1
    assert lines[0].count("M") == 2


def test_the_month_goes_along_the_axis_whichever_side_it_was_chosen():
    months = [(f"2026-{m:02d}", f"mois {m}") for m in range(1, 4)]
    table = _table(DEPARTMENTS, months, rows_dimension="department", cols_dimension="month")
    root = _parse(chart_svg(table, title="Titre", value_label="Personnes"))
    texts = {t.text for t in root.iter(f"{NS}text")}
    assert {"mois 1", "mois 2", "mois 3", "75 — Paris"} <= texts
    assert "mois 1, 75 — Paris : 20" in root.find(f"{NS}desc").text


def test_a_table_without_breakdown_has_no_chart():
    table = _table([], rows_dimension=None)
    assert chart_svg(table, title="Titre", value_label="Personnes") is None


def test_titles_are_escaped():
    svg = chart_svg(_table(GENDERS), title="<script>alert(1)</script>", value_label="x")
    assert "<script>" not in str(svg)
    assert _parse(svg).find(f"{NS}title").text == "<script>alert(1)</script>"


@pytest.mark.parametrize("count", [1, 40])
def test_many_categories_stay_readable(count):
    rows = [(f"{n:02d}", f"Département {n}") for n in range(count)]
    root = _parse(chart_svg(_table(rows, rows_dimension="department"), title="T", value_label="P"))
    height = float(root.get("viewBox").split()[3])
    # About 0.3 inch (21.6 pt) a bar.
    assert height >= min(count, 40) * 20
