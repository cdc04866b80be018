"""Whether the counter's sound is heard, as every playback shows, and when to look again."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SoundDue:
    """What :meth:`SoundWatch.due` asks for.

    ``changed``: show the "no sound output" alarm (``failing``) or clear it, now.
    ``check``: check the output now and report the result with :meth:`SoundWatch.played`.
    """

    changed: bool = False
    failing: bool = False
    problem: str = ""
    check: bool = False


class SoundWatch:
    """The alarm for a counter PC whose alerts are not heard (no device, a failing player, muted).

    Pure: feed it the outcome of every playback (:meth:`played`, ``problem`` None when the
    sound went out) and call :meth:`due` at :meth:`next_deadline`. The first failure raises the
    alarm at once; while it lasts the output is checked every ``recheck_s`` (a check that
    cannot be heard: the app plays silence); the first playback or check that works clears it.
    """

    def __init__(self, recheck_s: float = 30.0) -> None:
        if recheck_s <= 0:
            raise ValueError(f"recheck interval must be positive, got {recheck_s}")
        self.recheck_s = recheck_s
        self._failing = False
        self._problem = ""
        self._changed_at: float | None = None
        self._next_check: float | None = None

    @property
    def failing(self) -> bool:
        """True while the last playback or check failed."""
        return self._failing

    @property
    def problem(self) -> str:
        """Why the sound is not heard; empty while it is."""
        return self._problem

    def played(self, problem: str | None, now: float) -> None:
        """A playback or an output check ended: ``problem`` says why it was not heard, or None."""
        if problem is None:
            if self._failing:
                self._failing = False
                self._problem = ""
                self._next_check = None
                self._changed_at = now
            return
        self._problem = problem
        if not self._failing:
            self._failing = True
            self._changed_at = now
        if self._next_check is None:
            self._next_check = now + self.recheck_s

    def due(self, now: float) -> SoundDue:
        """What to do now; call once per deadline and act on all of it."""
        changed = self._changed_at is not None
        self._changed_at = None
        check = self._failing and self._next_check is not None and now >= self._next_check
        if check:
            # The next check is scheduled when this one reports back.
            self._next_check = None
        return SoundDue(changed=changed, failing=self._failing, problem=self._problem, check=check)

    def next_deadline(self) -> float | None:
        """When :meth:`due` next has something to do (possibly already past); None: nothing."""
        if self._changed_at is not None:
            return self._changed_at
        if self._failing:
            return self._next_check
        return None
