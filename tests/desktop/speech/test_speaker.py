"""The speaker interface, its status, and the silent speaker."""

from __future__ import annotations

from desktop.core.phrasing import Language
from desktop.speech.speaker import SilentSpeaker, Speaker, SpeechStatus


def test_status_available_needs_engine_and_playback() -> None:
    """Speech is available only when the engine works and its sound can be played."""
    assert SpeechStatus(engine_ok=True).available
    assert not SpeechStatus(engine_ok=True, playback_ok=False).available
    assert not SpeechStatus(engine_ok=False).available


def test_silent_speaker_is_unavailable_and_says_why() -> None:
    """The silent speaker reports itself unavailable, with the reason."""
    speaker = SilentSpeaker("espeak-ng is missing")
    assert not speaker.available
    assert speaker.status.problem == "espeak-ng is missing"


def test_silent_speaker_accepts_everything() -> None:
    """Saying and stopping on the silent speaker do nothing and never fail."""
    speaker: Speaker = SilentSpeaker()
    speaker.say("您有新的外卖订单，尾号一二三四", Language.ZH, priority=20)
    speaker.stop()
    assert not speaker.available
