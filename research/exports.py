"""The anonymous tables of a snapshot as CSV (French spreadsheets: `;`, UTF-8 with a
byte-order mark): exactly what was published, hidden cells as the report shows them."""

import csv
import io

from django.utils.translation import gettext as _

from research import disclosure
from research.indicators import REGISTRY
from research.models import Snapshot


def snapshot_csv(snapshot: Snapshot) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [_("Programme"), snapshot.programme.name, _("Du"), snapshot.period_start.isoformat()]
        + [_("Au"), snapshot.period_end.isoformat(), _("Version"), snapshot.version]
    )
    writer.writerow(
        [_("Seuil"), snapshot.data.get("threshold", ""), _("Cases masquées"), "< seuil / s"]
    )
    for key, stored in snapshot.data.get("tables", {}).items():
        table = disclosure.ProtectedTable.from_dict(stored)
        indicator = REGISTRY.get(table.indicator)
        writer.writerow([])
        writer.writerow([str(indicator.label) if indicator else table.indicator, key])
        writer.writerow([""] + [label for _key, label in table.cols])
        for row_key, row_label in table.rows:
            writer.writerow(
                [row_label] + [table.display(row_key, col_key) for col_key, _l in table.cols]
            )
    return out.getvalue()
