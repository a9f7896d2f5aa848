"""Published tables in HTML: `{% protected_table table %}` shows a ProtectedTable as
printed (`ProtectedTable.display`: "1 234", "< 11", "s") with numbered footnotes saying
why each kind of cell is hidden (`ProtectedTable.reason_label`). Used by the research
pages and the PDF reports."""

from django import template
from django.utils.text import slugify

from research import disclosure
from research.indicators import TOTAL

register = template.Library()


@register.inclusion_tag("research/indicators/_table.html")
def protected_table(
    table: disclosure.ProtectedTable,
    caption: str = "",
    corner: str = "",
    suffix: str = "",
    prefix: str = "",
):
    """`corner`: the label of the rows' breakdown; `suffix`: after each published
    figure (" %"); `prefix`: keeps the footnotes' ids apart when a page shows two
    tables."""
    anchor = slugify(f"{prefix} {table.key}".replace(":", " ")) or "tableau"
    notes: dict[tuple[str, str], dict] = {}
    rows = []
    for row_key, row_label in table.rows:
        cells = []
        for col_key, _col_label in table.cols:
            cell = table.cell(row_key, col_key)
            text = table.display(row_key, col_key)
            note = None
            if cell.hidden:
                note = notes.get((text, cell.reason))
                if note is None:
                    number = len(notes) + 1
                    note = {
                        "number": number,
                        "mark": text,
                        "text": table.reason_label(row_key, col_key),
                        "id": f"{anchor}-note-{number}",
                    }
                    notes[(text, cell.reason)] = note
            else:
                text += suffix
            cells.append(
                {"text": text, "hidden": cell.hidden, "note": note, "total": col_key == TOTAL}
            )
        rows.append({"label": row_label, "total": row_key == TOTAL, "cells": cells})
    return {
        "caption": caption,
        "corner": corner,
        "columns": [{"label": label, "total": key == TOTAL} for key, label in table.cols],
        "rows": rows,
        "notes": list(notes.values()),
    }
