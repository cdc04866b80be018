"""Small Markdown builders for the report: tables and figures."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def figure(path: Path, caption: str) -> str:
    """An image reference relative to docs/."""
    return f"![{caption}](benchmarks/{path.name})"


def number(value: float, digits: int = 0) -> str:
    """A figure with thousands separators ("–" when unknown)."""
    if math.isnan(value):
        return "–"
    return f"{value:,.{digits}f}"


def ratio(value: float) -> str:
    """A ratio like 0.83×."""
    if math.isnan(value) or math.isinf(value):
        return "–"
    return f"{value:.2f}×"
