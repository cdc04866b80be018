"""py-spy's collapsed stacks summed by function: running, and on the stack."""

from __future__ import annotations

from benchmarks.pyspy import Hot, hottest

STACKS = """\
<module> (/srv/backend/cli.py:1);serve (/srv/backend/server.py:40);execute (/v/asyncpg/pool.py:9) 6
<module> (/srv/backend/cli.py:1);serve (/srv/backend/server.py:40);encode (/srv/ob/wire.py:3) 3
<module> (/srv/backend/cli.py:1);serve (/srv/backend/server.py:40) 1
"""


def test_the_function_most_often_running_comes_first() -> None:
    """Shares of all samples; a function's own share counts only where it is the leaf."""
    hot = hottest([STACKS])
    assert hot[0] == Hot("execute (asyncpg/pool.py)", 0.6, 0.6)
    assert hot[1] == Hot("encode (ob/wire.py)", 0.3, 0.3)
    assert hot[2] == Hot("serve (backend/server.py)", 0.1, 1.0)


def test_processes_are_pooled() -> None:
    """Two servers' stacks add up: the same figures as one server twice as long."""
    assert hottest([STACKS, STACKS]) == hottest([STACKS])


def test_lines_that_are_not_stacks_are_ignored() -> None:
    """An empty profile or a stray line gives no figures rather than an error."""
    assert hottest(["", "py-spy> Wrote raw flamegraph data\n"]) == []
