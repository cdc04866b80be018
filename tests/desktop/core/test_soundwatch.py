"""The "no sound output" alarm: raised by a failed playback, checked again, cleared by sound."""

from __future__ import annotations

import pytest

from desktop.core.soundwatch import SoundDue, SoundWatch

T0 = 500.0


def test_nothing_to_do_while_sound_works() -> None:
    """Playbacks that work raise nothing and schedule nothing."""
    watch = SoundWatch()
    watch.played(None, T0)
    assert watch.next_deadline() is None
    assert watch.due(T0) == SoundDue()


def test_a_failed_playback_raises_the_alarm_at_once() -> None:
    """The first failure is due at once, with its reason."""
    watch = SoundWatch()
    watch.played("aplay failed: audio open error", T0)
    assert watch.next_deadline() == T0
    assert watch.due(T0) == SoundDue(
        changed=True, failing=True, problem="aplay failed: audio open error"
    )
    assert watch.failing


def test_the_output_is_checked_again_every_interval() -> None:
    """While failing, a check falls due every recheck interval after the last result."""
    watch = SoundWatch(recheck_s=30)
    watch.played("no sound card", T0)
    watch.due(T0)
    assert watch.next_deadline() == T0 + 30
    assert not watch.due(T0 + 29).check
    due = watch.due(T0 + 30)
    assert due.check
    assert not due.changed
    assert watch.next_deadline() is None  # waiting for the check's result
    watch.played("no sound card", T0 + 31)
    assert watch.next_deadline() == T0 + 61


def test_more_failures_do_not_raise_it_again_or_delay_the_check() -> None:
    """Each failed alert while failing keeps the alarm as it is and the check on time."""
    watch = SoundWatch(recheck_s=30)
    watch.played("no sound card", T0)
    watch.due(T0)
    watch.played("the computer's sound is muted", T0 + 10)
    assert watch.next_deadline() == T0 + 30
    due = watch.due(T0 + 30)
    assert not due.changed
    assert due.problem == "the computer's sound is muted"


def test_sound_that_works_again_clears_the_alarm() -> None:
    """A playback or check that works clears the alarm at once and stops the checks."""
    watch = SoundWatch()
    watch.played("no sound card", T0)
    watch.due(T0)
    watch.played(None, T0 + 5)
    assert watch.next_deadline() == T0 + 5
    assert watch.due(T0 + 5) == SoundDue(changed=True, failing=False)
    assert watch.next_deadline() is None
    assert not watch.failing


def test_a_failure_and_recovery_before_due_still_tells_the_view() -> None:
    """Failing then working before the next due: the view hears the final state, once."""
    watch = SoundWatch()
    watch.played("no sound card", T0)
    watch.played(None, T0 + 1)
    assert watch.due(T0 + 1) == SoundDue(changed=True, failing=False)


def test_the_recheck_interval_must_be_positive() -> None:
    """A zero interval would check in a busy loop."""
    with pytest.raises(ValueError, match="positive"):
        SoundWatch(recheck_s=0)
