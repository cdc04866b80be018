"""What every scenario is handed: sizes, cores, a scratch directory, options and a logger."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.machine import Cores
from benchmarks.profiles import Profile
from benchmarks.results import Section


@dataclass
class Context:
    """One benchmark run's shared settings."""

    profile: Profile
    cores: Cores
    workdir: Path
    plots_dir: Path
    database_url: str | None = None
    instances: int = 1
    say: Callable[[str], None] = print
    # Sections stored by earlier runs (results.json), for figures that compare against them.
    earlier: dict[str, Section] = field(default_factory=dict)
    _next_port: int = field(default=0)

    def scratch(self, name: str) -> Path:
        """A fresh directory for one scenario's files."""
        path = self.workdir / f"{name}-{time.monotonic_ns()}"
        path.mkdir(parents=True)
        return path
