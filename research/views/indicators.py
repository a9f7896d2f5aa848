"""The indicators: their catalogue, and the research page that computes one for a
period, a programme (or the whole cooperative), a territory and a breakdown, and shows
it protected by disclosure control, as a table, a chart and a CSV file. Funders never
come here: they read their reports in their portal."""

import csv
import datetime
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from coop.models import Programme
from members.views.common import require_perm
from research import disclosure
from research.charts import chart_svg
from research.enums import PeriodKind
from research.forms_indicators import IndicatorForm
from research.indicators import REGISTRY, SECTIONS, TOTAL, Measure, Unit
from research.publication import (
    NotPublished,
    can_read_whole_cooperative,
    dimension_label,
    publication_build,
)

# Column shares make sense for what adds up: counts of people and sums.
SHAREABLE = {Measure.PEOPLE, Measure.SUM}
# A cell starting with one of these is a formula for a spreadsheet: it is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@login_required
@require_GET
def indicator_index(request):
    require_perm(request.user, "research.view_indicators")
    units = dict(Unit.choices)
    sections = []
    for code, label in SECTIONS.items():
        indicators = [
            {
                "indicator": indicator,
                "unit": units.get(indicator.unit, indicator.unit),
                "breakdowns": [dimension_label(d) for d in indicator.dimensions],
            }
            for indicator in REGISTRY.values()
            if indicator.section == code
        ]
        if indicators:
            sections.append({"code": code, "label": label, "indicators": indicators})
    return render(request, "research/indicators/index.html", {"sections": sections})


def _published_only(user) -> bool:
    """Researchers read published figures only; coordinators and administrators, who
    may read the records themselves, compute any table."""
    return not can_read_whole_cooperative(user)


def _asked(request) -> IndicatorForm:
    """The form of what is asked. A programme the reader may not see is a 404, as any
    object outside their reach; other bad input is the form's to explain."""
    programmes = list(Programme.objects.visible_to(request.user))
    asked_id = request.GET.get("programme", "")
    if asked_id.isdigit() and int(asked_id) not in {p.pk for p in programmes}:
        raise Http404
    whole = can_read_whole_cooperative(request.user)
    return IndicatorForm(
        request.GET or None,
        programmes=programmes,
        whole_cooperative=whole,
        whole_months_only=not whole,
        today=timezone.localdate(),
    )


def _period_label(scope) -> str:
    start, end = scope.start, scope.end
    if start.year == end.year and (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return _("année %(year)s") % {"year": start.year}
    next_day = end + datetime.timedelta(days=1)
    if start.day == 1 and next_day.day == 1 and (start.year, start.month) == (end.year, end.month):
        return formats.date_format(start, "F Y")
    return _("du %(start)s au %(end)s") % {
        "start": formats.date_format(start, "d/m/Y"),
        "end": formats.date_format(end, "d/m/Y"),
    }


def _scope_label(scope) -> str:
    parts = [
        scope.programme.name if scope.programme is not None else _("toute la coopérative"),
        _period_label(scope),
    ]
    if scope.department:
        parts.append(dimension_label("department") + " " + scope.department)
    return " · ".join(parts)


NOT_PUBLISHED = gettext_lazy(
    "Ces chiffres ne sont pas publiés. Vous lisez les chiffres publiés des programmes : "
    "un mois, une année ou une période dont le rapport est prêt, sur tout le territoire "
    "du programme, par une seule ventilation. Des tableaux calculés à la demande, comparés "
    "entre eux, feraient réapparaître des cases masquées. Pour aller plus loin, demandez "
    "une extraction pseudonymisée."
)


def _result(form: IndicatorForm, *, published_only: bool) -> dict:
    """Compute what the valid form asks: the protected table, and its column shares when
    asked (and meaningful). NotPublished when a reader of published figures only asks
    for others."""
    asked = form.request()
    indicator = asked.indicator
    scope = form.scope()
    publication = publication_build(scope=scope, requests=[asked], published_only=published_only)
    table = publication.table(asked)
    unit = str(dict(Unit.choices).get(indicator.unit, indicator.unit))
    scope_label = _scope_label(scope)
    shares_wanted = form.cleaned_data["shares"]
    shares = (
        disclosure.column_shares(table)
        if shares_wanted and indicator.measure in SHAREABLE
        else None
    )
    return {
        "indicator": indicator,
        "measure": dict(Measure.choices).get(indicator.measure, indicator.measure),
        "unit": unit,
        "scope_label": scope_label,
        "publication": publication,
        "table": table,
        "corner": dimension_label(table.rows_dimension),
        "cols_label": dimension_label(table.cols_dimension),
        "shares": shares,
        "shares_refused": shares_wanted and shares is None,
        "single_value": table.display(TOTAL, TOTAL) if table.rows_dimension is None else "",
    }


def _drawable(table: disclosure.ProtectedTable) -> bool:
    """Whether a chart would show something: a published figure other than 0 among the
    categories (a chart of gaps and zeros says nothing the table does not)."""
    return any(
        not cell.hidden and cell.value for (row, _col), cell in table.cells.items() if row != TOTAL
    )


@login_required
@require_GET
def indicator_table(request):
    require_perm(request.user, "research.view_indicators")
    form = _asked(request)
    result = None
    if form.is_bound and form.is_valid():
        try:
            result = _result(form, published_only=_published_only(request.user))
        except NotPublished:
            form.add_error(None, NOT_PUBLISHED)
    if result is not None and _drawable(result["table"]):
        result["chart"] = chart_svg(
            result["table"],
            title=f"{result['indicator'].label} — {result['scope_label']}",
            value_label=result["unit"].capitalize(),
        )
    elif result is not None:
        result["chart_empty"] = result["table"].rows_dimension is not None
    return render(
        request,
        "research/indicators/table.html",
        {
            "form": form,
            "result": result,
            "period_kinds": PeriodKind,
            "query": request.GET.urlencode(),
        },
    )


def _text(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_value(table: disclosure.ProtectedTable, row: str, col: str) -> str:
    """A published figure as a spreadsheet reads it (a decimal comma, no grouping); a
    hidden one as the table shows it."""
    cell = table.cell(row, col)
    if cell.hidden:
        return table.display(row, col)
    return f"{cell.value:f}".replace(".", formats.get_format("DECIMAL_SEPARATOR"))


class _Echo:
    """A file-like object that hands back what is written, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(table: disclosure.ProtectedTable, result: dict) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    header = [result["corner"] or result["indicator"].label, *(label for _k, label in table.cols)]
    # The byte order mark tells Excel (in French) that the file is UTF-8.
    yield "\ufeff" + writer.writerow([_text(v) for v in header])
    for row_key, row_label in table.rows:
        values = [_csv_value(table, row_key, col_key) for col_key, _l in table.cols]
        yield writer.writerow([_text(row_label), *(_text(v) for v in values)])
    yield writer.writerow([])
    yield writer.writerow([_text(result["indicator"].label), _text(result["scope_label"])])
    yield writer.writerow([_("Unité"), _text(result["unit"])])
    if table.cols_dimension:
        yield writer.writerow([_("Colonnes"), _text(result["cols_label"])])
    notes = {}
    for (row, col), cell in table.cells.items():
        if cell.hidden:
            notes.setdefault(table.display(row, col), table.reason_label(row, col))
    for mark, reason in notes.items():
        yield writer.writerow([_text(mark), _("valeur masquée (%(reason)s)") % {"reason": reason}])


@login_required
@require_GET
def indicator_csv(request):
    require_perm(request.user, "research.view_indicators")
    form = _asked(request)
    if not (form.is_bound and form.is_valid()):
        # The page shows what is wrong with the request.
        return redirect(reverse("research:indicator_table") + "?" + request.GET.urlencode())
    try:
        result = _result(form, published_only=_published_only(request.user))
    except NotPublished:
        return redirect(reverse("research:indicator_table") + "?" + request.GET.urlencode())
    table = result["shares"] if request.GET.get("tableau") == "parts" else None
    table = table or result["table"]
    response = HttpResponse(
        "".join(_csv_lines(table, result)), content_type="text/csv; charset=utf-8"
    )
    scope = result["publication"].scope
    name = f"{result['indicator'].code}-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}"
    if table is result["shares"]:
        name += "-parts"
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.csv")
    return response


urlpatterns = [
    path("recherche/indicateurs/", indicator_index, name="indicator_index"),
    path("recherche/indicateurs/tableau/", indicator_table, name="indicator_table"),
    path("recherche/indicateurs/tableau.csv", indicator_csv, name="indicator_csv"),
]
