"""Processes read from /proc: children, parents, and a process tree's CPU time."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from benchmarks import procfs


@pytest.fixture
def child() -> Iterator[subprocess.Popen[bytes]]:
    """A child that burns some CPU, then waits on its stdin."""
    burn = "sum(range(3_000_000)); print('ready', flush=True); import sys; sys.stdin.read()"
    with subprocess.Popen(
        [sys.executable, "-c", burn], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as process:
        assert process.stdout is not None
        assert process.stdout.readline() == b"ready\n"
        yield process
        process.kill()


def test_a_live_child_is_listed_with_its_parent(child: subprocess.Popen[bytes]) -> None:
    """The child shows among our children, and names us as its parent."""
    assert child.pid in procfs.children(os.getpid())
    assert procfs.parent(child.pid) == os.getpid()


def test_a_tree_counts_its_live_children_unless_excluded(child: subprocess.Popen[bytes]) -> None:
    """Our tree's CPU includes the child's burn; excluding the child leaves it out."""
    burned = procfs.cpu_seconds(child.pid)
    assert burned > 0
    # Read without the child first: our own time only grows, so the difference cannot shrink.
    without = procfs.tree_cpu_seconds(os.getpid(), frozenset({child.pid}))
    whole = procfs.tree_cpu_seconds(os.getpid())
    assert whole - without >= burned - 1e-9  # sums of clock ticks: allow float rounding
