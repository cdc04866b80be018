"""The print queue on disk: every ticket is a file until its last copy is on paper.

A ticket is written (atomically, fsynced) before anything is sent, so a restart, a crash or a
power cut loses none. Before a copy is sent the job is marked *sending*; after the printer took
it, *printed*. A job found still *sending* after a restart may or may not have printed: it is
printed again under a "reprint, may be a duplicate" banner, because a kitchen can spot a
duplicate but cannot cook a ticket it never got. Orders are remembered by a key so an event
replayed after a restart does not print the same ticket twice.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from desktop.files import fsync_directory, write_atomically
from desktop.printing.ticket import Charset

log = logging.getLogger(__name__)

JOB_SUFFIX = ".job"
KEYS_FILE = "printed-keys.txt"
KEYS_REMEMBERED = 2000

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class PrintJob:
    """One ticket waiting to be printed ``copies`` times; ``printed`` copies are done."""

    seq: int
    order_number: str
    ticket: bytes
    copies: int
    charset: Charset
    paper_mm: int
    created_at: str
    printed: int = 0
    sending: bool = False

    @property
    def tail(self) -> str:
        """The last four digits staff call the order by."""
        return self.order_number[-4:]


class PrintQueue:
    """Tickets waiting for the printer, oldest first, one file each in ``directory``.

    Safe to use from several threads. Writing raises OSError (the caller reports it); reading
    never raises: a damaged job file is kept aside as ``*.damaged`` and logged.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._next_seq: int | None = None
        self._keys: list[str] | None = None

    def add(
        self,
        ticket: bytes,
        *,
        order_number: str,
        copies: int,
        charset: Charset,
        paper_mm: int,
        now: datetime,
        key: str | None = None,
    ) -> PrintJob | None:
        """Queue a ticket; None when ``key`` was queued before (a ticket never prints twice)."""
        if not 1 <= copies <= 9:
            raise ValueError(f"copies must be 1-9, got {copies}")
        with self._lock:
            keys = self._load_keys()
            if key is not None and key in keys:
                log.info("ticket %s was queued before; not printed again", key)
                return None
            seq = self._allocate_seq()
            job = PrintJob(seq, order_number, ticket, copies, charset, paper_mm, now.isoformat())
            self._write(job)
            if key is not None:
                keys.append(key)
                del keys[:-KEYS_REMEMBERED]
                try:
                    write_atomically(self.directory / KEYS_FILE, "\n".join(keys).encode() + b"\n")
                except OSError as exc:  # the ticket is queued; only a replay could repeat it
                    log.warning("cannot save the printed-ticket keys: %s", exc)
        log.info("ticket of order %s queued (#%d, %d copies)", order_number, seq, copies)
        return job

    def pending(self) -> list[PrintJob]:
        """Every job not fully printed, oldest first."""
        with self._lock:
            jobs = []
            for path in sorted(self._job_paths()):
                job = self._read(path)
                if job is not None:
                    jobs.append(job)
            return jobs

    def head(self) -> PrintJob | None:
        """The oldest job, or None when everything is printed."""
        jobs = self.pending()
        return jobs[0] if jobs else None

    def mark_sending(self, job: PrintJob) -> PrintJob:
        """Record that the next copy of ``job`` is about to be sent."""
        sending = replace(job, sending=True)
        with self._lock:
            self._write(sending)
        return sending

    def mark_printed(self, job: PrintJob) -> PrintJob | None:
        """Record that one more copy is on paper; None when that was the last (the job is gone)."""
        done = replace(job, printed=job.printed + 1, sending=False)
        with self._lock:
            if done.printed >= done.copies:
                self._path(job.seq).unlink(missing_ok=True)
                fsync_directory(self.directory)
                return None
            self._write(done)
        return done

    def __len__(self) -> int:
        with self._lock:
            return len(self._job_paths())

    # Details ----------------------------------------------------------------------------

    def _path(self, seq: int) -> Path:
        return self.directory / f"{seq:012d}{JOB_SUFFIX}"

    def _job_paths(self) -> list[Path]:
        try:
            return [path for path in self.directory.iterdir() if path.name.endswith(JOB_SUFFIX)]
        except FileNotFoundError:
            return []

    def _allocate_seq(self) -> int:
        if self._next_seq is None:
            numbers = [_seq_of(path) for path in self._job_paths()]
            self._next_seq = max((n for n in numbers if n is not None), default=0) + 1
        seq = self._next_seq
        self._next_seq += 1
        return seq

    def _load_keys(self) -> list[str]:
        if self._keys is None:
            try:
                text = (self.directory / KEYS_FILE).read_text(encoding="utf-8")
            except FileNotFoundError:
                text = ""
            except (OSError, UnicodeDecodeError) as exc:
                log.warning("cannot read the printed-ticket keys, starting afresh: %s", exc)
                text = ""
            self._keys = [line for line in text.splitlines() if line]
        return self._keys

    def _write(self, job: PrintJob) -> None:
        record = {
            "seq": job.seq,
            "orderNumber": job.order_number,
            "copies": job.copies,
            "printed": job.printed,
            "sending": job.sending,
            "charset": job.charset.value,
            "paperMm": job.paper_mm,
            "createdAt": job.created_at,
            "ticket": base64.b64encode(job.ticket).decode("ascii"),
        }
        write_atomically(self._path(job.seq), json.dumps(record).encode("utf-8") + b"\n")

    def _read(self, path: Path) -> PrintJob | None:
        try:
            record = json.loads(path.read_bytes())
            job = PrintJob(
                seq=_field(record, "seq", int),
                order_number=_field(record, "orderNumber", str),
                ticket=base64.b64decode(_field(record, "ticket", str), validate=True),
                copies=_field(record, "copies", int),
                charset=Charset(_field(record, "charset", str)),
                paper_mm=_field(record, "paperMm", int),
                created_at=_field(record, "createdAt", str),
                printed=_field(record, "printed", int),
                sending=_field(record, "sending", bool),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, binascii.Error) as exc:
            self._keep_aside(path, exc)
            return None
        if job.seq != _seq_of(path) or not 0 <= job.printed < job.copies:
            self._keep_aside(path, ValueError("inconsistent job record"))
            return None
        return job

    def _keep_aside(self, path: Path, reason: Exception) -> None:
        aside = path.with_name(path.name + ".damaged")
        log.error("print job %s is damaged (%s); kept as %s", path.name, reason, aside.name)
        try:
            path.replace(aside)
        except OSError as exc:
            log.error("cannot move the damaged print job %s aside: %s", path, exc)


def _seq_of(path: Path) -> int | None:
    stem = path.name.removesuffix(JOB_SUFFIX)
    return int(stem) if stem.isascii() and stem.isdigit() else None


def _field(record: object, key: str, kind: type[_T]) -> _T:
    if not isinstance(record, dict):
        raise ValueError("a job record is not a JSON object")
    value = record.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"field {key!r} is not a {kind.__name__}")
    return value
