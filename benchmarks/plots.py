"""PNG plots for docs/benchmarks/ (matplotlib, no display needed)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

COLORS = {
    "OrderBell": "#d62728",
    "Node ws": "#2ca02c",
    "naive Starlette": "#1f77b4",
    "raw uvloop": "#7f7f7f",
}


def _finite(values: Sequence[float]) -> list[float]:
    """inf (never delivered) cannot be drawn: leave a gap."""
    return [value if math.isfinite(value) else math.nan for value in values]


def _color(name: str) -> str:
    for key, color in COLORS.items():
        if name.startswith(key):
            return color
    return "#7f7f7f"


def grouped_bars(
    path: Path,
    title: str,
    ylabel: str,
    groups: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    log: bool = False,
) -> Path:
    """Bars for each series side by side within each group (e.g. servers per size)."""
    figure, axes = plt.subplots(figsize=(7, 4))
    width = 0.8 / max(1, len(series))
    for offset, (name, values) in enumerate(series.items()):
        positions = [index + offset * width for index in range(len(groups))]
        axes.bar(positions, _finite(values), width, label=name, color=_color(name))
    axes.set_xticks([index + width * (len(series) - 1) / 2 for index in range(len(groups))])
    axes.set_xticklabels(groups)
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    if log:
        axes.set_yscale("log")
    axes.legend()
    axes.grid(axis="y", alpha=0.3)
    return _save(figure, path)


def lines(
    path: Path,
    title: str,
    xlabel: str,
    ylabel: str,
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    log: bool = False,
    hline: float | None = None,
) -> Path:
    """One line per series, e.g. p99 latency against rate."""
    figure, axes = plt.subplots(figsize=(7, 4))
    for name, (xs, ys) in series.items():
        axes.plot(xs, _finite(ys), marker="o", label=name, color=_color(name))
    if hline is not None:
        axes.axhline(hline, color="black", linestyle="--", linewidth=1, label="target")
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    if log:
        axes.set_yscale("log")
    axes.legend()
    axes.grid(alpha=0.3)
    return _save(figure, path)


def timeline(
    path: Path,
    title: str,
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    marks: Mapping[str, float] | None = None,
) -> Path:
    """Latency of each event against the time it was due, for stall runs."""
    figure, axes = plt.subplots(figsize=(8, 4))
    for name, (xs, ys) in series.items():
        axes.plot(xs, _finite(ys), ".", markersize=2, label=name, color=_color(name))
    for label, x in (marks or {}).items():
        axes.axvline(x, color="black", linestyle=":", linewidth=1)
        axes.annotate(label, (x, 1), rotation=90, fontsize=7, va="bottom")
    axes.set_yscale("log")
    axes.set_xlabel("seconds since the stall began")
    axes.set_ylabel("last healthy subscriber latency (ms)")
    axes.set_title(title)
    axes.legend(markerscale=6)
    axes.grid(alpha=0.3)
    return _save(figure, path)


def _save(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
