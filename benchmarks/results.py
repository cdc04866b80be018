"""One scenario's outcome: its rendered section, its targets met or missed, and its raw figures."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class Verdict:
    """One target: what was asked, what was measured, whether it was met (None: a figure only)."""

    target: str
    measured: str
    met: bool | None


@dataclass
class Section:
    """A scenario's part of docs/benchmarks.md."""

    key: str
    title: str
    profile: str
    markdown: str
    verdicts: list[Verdict] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    load_average: tuple[float, float, float] = field(default_factory=os.getloadavg)
    finished: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))

    def to_json(self) -> dict[str, Any]:
        """A JSON-able form (results.json)."""
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Section:
        """Read back what ``to_json`` wrote."""
        verdicts = [Verdict(**item) for item in raw.get("verdicts", [])]
        load = tuple(raw.get("load_average", (0.0, 0.0, 0.0)))
        return cls(
            key=raw["key"],
            title=raw["title"],
            profile=raw["profile"],
            markdown=raw["markdown"],
            verdicts=verdicts,
            data=raw.get("data", {}),
            load_average=(float(load[0]), float(load[1]), float(load[2])),
            finished=raw.get("finished", ""),
        )


def yes_no(met: bool | None) -> str:
    """A verdict cell."""
    return {True: "met", False: "**missed**", None: "(figure only)"}[met]
