"""An ``aplay`` stand-in that notes when it was handed each sound, and when that sound is heard.

:func:`install` writes an ``aplay`` first on PATH: a bash script that reads the wall clock
(``$EPOCHREALTIME``, no fork) the moment it starts, then runs this module as a script, which
copies the WAV file it was given, appends one JSON line to ``played.jsonl`` and takes as long as
the sound lasts, as aplay does, before it exits 0. The timestamp is taken before Python starts,
so the interpreter's start-up is not counted against the app; what the app did before it is.

The harness side reads the log back (:func:`read_played`) and finds each sound's first sample a
person can hear (:func:`first_audible_s`): the player started at once, so that sample is due at
``received + offset``.
"""

from __future__ import annotations

import array
import json
import os
import shutil
import sys
import time
import wave
from dataclasses import dataclass
from pathlib import Path

LOG_ENV = "ORDERBELL_BENCH_PLAYED"
LOG_NAME = "played.jsonl"
# The app's own threshold for "holds sound" (desktop.speech.audio.AUDIBLE_PEAK): about -30 dBFS.
AUDIBLE = 1000


@dataclass(frozen=True, slots=True)
class Played:
    """One sound handed to the player: when (wall clock), what, and its first audible sample."""

    received: float
    source: str
    copy: Path
    first_audible_s: float | None

    @property
    def heard_at(self) -> float | None:
        """Wall-clock time of the first audible sample, the player having started at once."""
        return None if self.first_audible_s is None else self.received + self.first_audible_s


def install(directory: Path) -> dict[str, str]:
    """Write the stand-in into ``directory``; the environment variables that put it in use."""
    bin_dir = directory / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    played = directory / "played"
    played.mkdir(exist_ok=True)
    script = bin_dir / "aplay"
    script.write_text(
        "#!/bin/bash\n"
        "received=$EPOCHREALTIME\n"
        f'exec "{sys.executable}" -I -S "{Path(__file__).resolve()}" "$received" "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", LOG_ENV: str(played)}


def read_played(played: Path, since: float = 0.0) -> list[Played]:
    """Every sound the stand-in was handed from ``since`` (wall clock), in the order it was
    handed them."""
    try:
        lines = (played / LOG_NAME).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    records = []
    for line in lines:
        try:
            raw = json.loads(line)
        except ValueError:
            continue  # a line being written right now
        if float(raw["received"]) < since:
            continue
        copy = Path(raw["copy"])
        records.append(Played(float(raw["received"]), raw["source"], copy, first_audible_s(copy)))
    return sorted(records, key=lambda record: record.received)


def first_audible_s(path: Path, threshold: int = AUDIBLE) -> float | None:
    """Seconds from the start of a 16-bit PCM WAV file to its first sample of at least
    ``threshold`` (on any channel); None when it holds none or is not such a file."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2:
                return None
            channels, rate = wav.getnchannels(), wav.getframerate()
            samples = array.array("h", wav.readframes(wav.getnframes()))
    except (OSError, wave.Error, EOFError):
        return None
    if sys.byteorder == "big":
        samples.byteswap()
    for index, sample in enumerate(samples):
        if sample >= threshold or sample <= -threshold:
            return (index // channels) / rate
    return None


def _play(received: str, argv: list[str]) -> int:
    """The stand-in itself: note the sound, keep a copy, last as long as it does."""
    if not argv:
        print("aplay stand-in: no file given", file=sys.stderr)
        return 1
    source = Path(argv[-1])
    played = Path(os.environ[LOG_ENV])
    copy = played / f"{received}-{os.getpid()}.wav"
    shutil.copyfile(source, copy)
    try:
        with wave.open(str(copy), "rb") as wav:
            seconds = wav.getnframes() / wav.getframerate()
    except (OSError, wave.Error, EOFError) as exc:
        print(f"aplay stand-in: {source}: {exc}", file=sys.stderr)
        return 1
    line = json.dumps({"received": received, "source": str(source), "copy": str(copy)})
    with (played / LOG_NAME).open("a", encoding="utf-8") as log:
        log.write(line + "\n")
    # Playback takes as long as the sound: the app's next sound waits for it, as with aplay.
    time.sleep(max(0.0, float(received) + seconds - time.time()))
    return 0


if __name__ == "__main__":
    sys.exit(_play(sys.argv[1], sys.argv[2:]))
