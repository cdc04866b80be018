"""The report command's output formats."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from backend.report import COLUMNS, render
from backend.stats import DayFigures

ROWS = [
    DayFigures(1, date(2026, 11, 26), 42, 40, 1, 1, 3, 38.4, 95.0, 412.0, 1),
    DayFigures(1, date(2026, 11, 27), 0, 0, 0, 0, 0, None, None, None, 0),
]


def test_csv_has_a_header_and_one_line_per_day() -> None:
    """CSV: the column names, then each day; no order means empty time cells."""
    lines = list(csv.reader(io.StringIO(render(ROWS, "csv"))))
    assert lines[0] == list(COLUMNS)
    assert lines[1] == ["1", "2026-11-26", "42", "40", "1", "1", "3", "38", "95", "412", "1"]
    assert lines[2][7:10] == ["", "", ""]


def test_json_is_a_list_of_the_apis_objects() -> None:
    """JSON: the same objects GET /admin/stats returns, nulls for no times."""
    data = json.loads(render(ROWS, "json"))
    assert data[0]["paid"] == 42
    assert data[0]["acceptP50Seconds"] == 38.4
    assert data[1]["acceptP50Seconds"] is None
    assert data[1]["day"] == "2026-11-27"


def test_table_lines_up_its_columns() -> None:
    """The table's lines are as wide as each other (right-aligned columns)."""
    lines = render(ROWS, "table").splitlines()
    assert lines[0].split() == list(COLUMNS)
    assert len({len(line) for line in lines[:2]}) == 1
    assert lines[1].split()[:3] == ["1", "2026-11-26", "42"]


def test_an_unknown_format_is_refused() -> None:
    """Only table, csv and json exist."""
    with pytest.raises(ValueError, match="unknown format"):
        render(ROWS, "xml")
