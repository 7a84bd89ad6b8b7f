"""A report as text: an aligned table, CSV or JSON (the CLI's formats; the console's CSV export)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any, List

from backend.reports.figures import Report, Table

FRACTION_COLUMNS = ("rate", "share", "low", "high")


def is_fraction(column: str) -> bool:
    """Columns holding a fraction (shown as a percentage)."""
    return any(word in column for word in FRACTION_COLUMNS)


def cell_text(value: Any, column: str) -> str:
    """A value as people read it: percentages for fractions, '-' for none."""
    if value is None:
        return "-"
    if isinstance(value, float) and is_fraction(column):
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def table_csv(table: Table) -> str:
    """One table as CSV: a header row, then the rows (raw values: fractions, seconds, amounts)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if v is None else _plain(v) for v in row])
    return out.getvalue()


def as_csv(report: Report) -> str:
    """Every table as CSV, each after a `# id: title` line, separated by an empty line."""
    return "\n".join(f"# {t.id}: {t.title}\n{table_csv(t)}" for t in report.tables.values())


def as_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2, default=_plain, ensure_ascii=False)


def as_table(report: Report) -> str:
    """Aligned text tables under their titles."""
    filters = ", ".join(f"{k}={v}" for k, v in vars(report.filters).items() if v) or "none"
    parts: List[str] = [
        f"Report {report.since} to {report.until}, days in {report.zone} "
        f"(conversations started in the period; filters: {filters})"
    ]
    for t in report.tables.values():
        cells = [t.columns] + [
            [cell_text(v, c) for v, c in zip(row, t.columns, strict=False)] for row in t.rows
        ]
        widths = [max(len(r[i]) for r in cells) for i in range(len(t.columns))]
        lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=False)).rstrip() for r in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        if not t.rows:
            lines.append("(nothing recorded)")
        parts.append(f"{t.title}\n" + "\n".join(lines))
    return "\n\n".join(parts) + "\n"


FORMATS = {"table": as_table, "csv": as_csv, "json": as_json}
