"""The print queue on disk: nothing lost across restarts, nothing printed twice by accident."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from desktop.printing.queue import PrintQueue
from desktop.printing.ticket import Charset
from tests.desktop.printing.conftest import PAID_AT


def add(queue: PrintQueue, number: str, key: str | None = None, copies: int = 1) -> object:
    return queue.add(
        b"ticket " + number.encode(),
        order_number=number,
        copies=copies,
        charset=Charset.GB18030,
        paper_mm=58,
        now=PAID_AT,
        key=key,
    )


def test_jobs_come_out_oldest_first(tmp_path: Path) -> None:
    """The head is the first ticket queued."""
    queue = PrintQueue(tmp_path)
    for number in ("1001", "1002", "1003"):
        add(queue, number)
    assert [job.order_number for job in queue.pending()] == ["1001", "1002", "1003"]


def test_a_new_queue_on_the_same_folder_finds_every_job(tmp_path: Path) -> None:
    """A restart sees the tickets (and their bytes) the last run queued."""
    add(PrintQueue(tmp_path), "1001")
    add(PrintQueue(tmp_path), "1002")
    jobs = PrintQueue(tmp_path).pending()
    assert [(job.order_number, job.ticket) for job in jobs] == [
        ("1001", b"ticket 1001"),
        ("1002", b"ticket 1002"),
    ]


def test_a_job_marked_sending_is_still_sending_after_a_restart(tmp_path: Path) -> None:
    """A crash between sending and marking printed leaves the job flagged as maybe printed."""
    queue = PrintQueue(tmp_path)
    job = queue.add(
        b"t", order_number="1001", copies=1, charset=Charset.ASCII, paper_mm=80, now=PAID_AT
    )
    assert job is not None
    queue.mark_sending(job)
    (again,) = PrintQueue(tmp_path).pending()
    assert again.sending
    assert (again.charset, again.paper_mm) == (Charset.ASCII, 80)


def test_each_copy_is_counted_until_the_last_removes_the_job(tmp_path: Path) -> None:
    """Two copies: one printed leaves the job with one to go; the second removes it."""
    queue = PrintQueue(tmp_path)
    add(queue, "1001", copies=2)
    (job,) = queue.pending()
    after_one = queue.mark_printed(queue.mark_sending(job))
    assert after_one is not None
    assert (after_one.printed, after_one.sending) == (1, False)
    assert queue.mark_printed(queue.mark_sending(after_one)) is None
    assert queue.pending() == []


def test_a_key_is_remembered_across_restarts(tmp_path: Path) -> None:
    """An order's ticket queued under a key is not queued again by the next run."""
    assert add(PrintQueue(tmp_path), "1001", key="1001:arrival") is not None
    assert add(PrintQueue(tmp_path), "1001", key="1001:arrival") is None
    assert len(PrintQueue(tmp_path)) == 1


def test_sequence_numbers_continue_after_a_restart(tmp_path: Path) -> None:
    """A job queued by the next run comes after the waiting ones."""
    add(PrintQueue(tmp_path), "1001")
    add(PrintQueue(tmp_path), "1002")
    assert [job.seq for job in PrintQueue(tmp_path).pending()] == [1, 2]


def test_a_damaged_job_is_kept_aside_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Garbage in a job file does not stop the queue: it is renamed .damaged, never deleted."""
    queue = PrintQueue(tmp_path)
    add(queue, "1001")
    (tmp_path / "000000000001.job").write_bytes(b'{"seq": 1, "ticket": "\xff')
    add(queue, "1002")
    with caplog.at_level(logging.ERROR, logger="desktop.printing.queue"):
        assert [job.order_number for job in queue.pending()] == ["1002"]
    assert (tmp_path / "000000000001.job.damaged").exists()
    assert "damaged" in caplog.text


def test_copies_out_of_range_are_refused(tmp_path: Path) -> None:
    """Zero copies would never print; the queue refuses it."""
    with pytest.raises(ValueError, match="copies"):
        add(PrintQueue(tmp_path), "1001", copies=0)
