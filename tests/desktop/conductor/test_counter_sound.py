"""The conductor and the sound: the chime before speech, the "no sound output" card and alarm."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from desktop.core.alerts import AlertBoard
from desktop.core.linkwatch import LinkWatch
from desktop.core.soundwatch import SoundWatch
from desktop.core.utterance import Priority
from desktop.counter import NOTICE_SOUND, Counter
from orderbell_protocol import EventType
from tests.conftest import FakeClock
from tests.desktop.conductor.test_counter_loop import FakeSpeaker, FakeView
from tests.desktop.core.conftest import build_event

NO_CARD = "aplay failed: audio open error: No such file or directory"


def counter_with(view: FakeView, speaker: FakeSpeaker, clock: FakeClock) -> Counter:
    """A conductor with no server: events are fed by hand, time moves when the test says."""
    return Counter(
        board=AlertBoard(),
        linkwatch=LinkWatch(threshold_s=60),
        speaker=speaker,
        view=view,
        api=None,
        clock=clock,
        wall=lambda: datetime.now(UTC),
        soundwatch=SoundWatch(recheck_s=30),
    )


async def test_a_new_order_rings_the_chime_at_once(clock: FakeClock) -> None:
    """The chime is rung as the card shows, before the sentence is queued."""
    view, speaker = FakeView(), FakeSpeaker()
    counter = counter_with(view, speaker, clock)
    await counter.on_event(build_event(EventType.NEW_ORDER, 7))
    counter.step()
    assert speaker.rung == [Priority.NEW_ORDER]
    assert speaker.said == []
    clock.advance(0.25)
    counter.step()
    assert len(speaker.said) == 1


async def test_the_chime_is_rung_before_the_card_is_drawn(clock: FakeClock) -> None:
    """The first sound does not wait for the screen: the chime is queued before the card."""
    view = FakeView()

    class Speaker(FakeSpeaker):
        def ring(self, priority: int = 0) -> None:
            view.calls.append("ring")

    counter = counter_with(view, Speaker(), clock)
    await counter.on_event(build_event(EventType.NEW_ORDER, 7))
    counter.step()
    assert view.calls[:2] == ["ring", "show 7"]


async def test_a_failed_playback_shows_the_no_sound_card_and_the_tray_alarm(
    clock: FakeClock,
) -> None:
    """Not heard: the red notice appears and the status tells the tray sound is not OK."""
    view, speaker = FakeView(), FakeSpeaker()
    counter = counter_with(view, speaker, clock)
    counter.sound_played(NO_CARD)
    counter.step()
    assert NOTICE_SOUND in view.notices
    assert "speakers" in view.notices[NOTICE_SOUND]
    assert view.statuses[-1].sound_ok is False


async def background_done(counter: Counter) -> None:
    """Wait (bounded) until the conductor's background work, e.g. an output check, has ended."""
    async with asyncio.timeout(5):
        await asyncio.gather(*counter.tasks.running)


async def test_the_output_is_checked_again_and_the_card_clears_when_sound_works(
    clock: FakeClock,
) -> None:
    """30 s later the output is checked (silently); once it works the card goes away."""
    view, speaker = FakeView(), FakeSpeaker(output=NO_CARD)
    counter = counter_with(view, speaker, clock)
    counter.sound_played(NO_CARD)
    counter.step()
    clock.advance(29)
    counter.step()
    assert speaker.checks == 0
    clock.advance(1)
    counter.step()
    await background_done(counter)
    assert speaker.checks == 1
    counter.step()
    assert NOTICE_SOUND in view.notices
    speaker.output = None
    clock.advance(30)
    counter.step()
    await background_done(counter)
    assert speaker.checks == 2
    counter.step()
    assert NOTICE_SOUND not in view.notices
    assert view.statuses[-1].sound_ok is True


async def test_check_sound_at_start_raises_the_card_without_any_order(clock: FakeClock) -> None:
    """The start-up check finds a PC without sound before the first order does."""
    view, speaker = FakeView(), FakeSpeaker(output=NO_CARD)
    counter = counter_with(view, speaker, clock)
    counter.check_sound()
    await background_done(counter)
    counter.step()
    assert NOTICE_SOUND in view.notices


async def test_nothing_is_rung_while_muted(clock: FakeClock) -> None:
    """Mute silences the chime too; the card still shows."""
    view, speaker = FakeView(), FakeSpeaker()
    counter = counter_with(view, speaker, clock)
    counter.mute(15)
    await counter.on_event(build_event(EventType.NEW_ORDER, 7))
    counter.step()
    assert speaker.rung == []
    assert view.shown == [7]
