"""The ``report`` command's output: daily figures as a table, CSV or JSON (pure text)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from backend.stats import DayFigures

FORMATS = ("table", "csv", "json")
COLUMNS = (
    "shop",
    "day",
    "paid",
    "accepted",
    "rejected",
    "refunded",
    "reminders",
    "accept_p50_s",
    "accept_p90_s",
    "accept_max_s",
    "waited_over_5_min",
)


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def _cells(figures: DayFigures) -> list[str]:
    return [
        str(figures.shop_id),
        figures.day.isoformat(),
        str(figures.paid),
        str(figures.accepted),
        str(figures.rejected),
        str(figures.refunded),
        str(figures.reminders),
        _seconds(figures.accept_p50_s),
        _seconds(figures.accept_p90_s),
        _seconds(figures.accept_max_s),
        str(figures.waited_over_5_min),
    ]


def render(rows: Sequence[DayFigures], output_format: str) -> str:
    """The rows in ``table``, ``csv`` or ``json``, ending with a newline."""
    if output_format == "json":
        return json.dumps([row.to_json() for row in rows], ensure_ascii=False, indent=2) + "\n"
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(_cells(row) for row in rows)
        return buffer.getvalue()
    if output_format != "table":
        raise ValueError(f"unknown format {output_format!r}: one of {', '.join(FORMATS)}")
    table = [list(COLUMNS), *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.rjust(widths[i]) for i, cell in enumerate(line)) for line in table]
    return "\n".join(line.rstrip() for line in lines) + "\n"
