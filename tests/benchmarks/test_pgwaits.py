"""PostgreSQL's backends tallied from pg_stat_activity samples: what they did, who waited."""

from __future__ import annotations

from benchmarks.pgwaits import ADVISORY, IN_TRANSACTION, ON_CPU, Sample, WaitTally, label


def _lock_wait(pid: int, waited_ms: float, since: str = "12:00:00.000") -> Sample:
    return Sample(pid, "active", "Lock", "advisory", waited_ms, since)


def test_an_active_backend_without_a_wait_event_is_on_the_cpu() -> None:
    """Active with no wait event counts as CPU; with one, as that event."""
    assert label(Sample(1, "active", None, None)) == ON_CPU
    assert label(Sample(1, "active", "LWLock", "WALWrite")) == "LWLock:WALWrite"


def test_an_idle_backend_is_not_part_of_the_work() -> None:
    """A pooled connection waiting for a client is left out; one inside a transaction is not."""
    assert label(Sample(1, "idle", "Client", "ClientRead")) is None
    assert label(Sample(1, "idle in transaction", "Client", "ClientRead")) == IN_TRANSACTION


def test_shares_are_of_the_busy_backend_samples() -> None:
    """Three busy backend-samples over two samples: shares of three, 1.5 busy on average."""
    tally = WaitTally()
    tally.add([Sample(1, "active", None, None), Sample(2, "idle", "Client", "ClientRead")])
    tally.add([Sample(1, "active", None, None), _lock_wait(2, 3.0)])
    assert tally.samples == 2
    assert tally.mean_busy() == 1.5
    assert tally.shares() == [(ON_CPU, 2 / 3), (ADVISORY, 1 / 3)]


def test_one_lock_wait_seen_twice_counts_once_at_its_longest() -> None:
    """The same backend and wait start in two samples is one wait, as long as last seen."""
    tally = WaitTally()
    tally.add([_lock_wait(7, 4.0)])
    tally.add([_lock_wait(7, 14.0), _lock_wait(8, 2.0)])
    tally.add([_lock_wait(7, 1.0, since="12:00:01.000")])
    assert tally.lock_wait_summary() == (3, (14.0 + 2.0 + 1.0) / 3, 14.0)


def test_no_samples_give_empty_figures() -> None:
    """Nothing sampled: no shares, no waits, no busy backends (never a division by zero)."""
    tally = WaitTally()
    assert (tally.shares(), tally.lock_wait_summary(), tally.mean_busy()) == (
        [],
        (0, 0.0, 0.0),
        0.0,
    )
