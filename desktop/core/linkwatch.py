"""Link supervision: raise the alarm when the server link stays down, and say when it is back."""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop.core import phrasing
from desktop.core.phrasing import Language
from desktop.core.utterance import Priority, Utterance, UtteranceKind


@dataclass(slots=True)
class LinkActions:
    """What to do now: ``alarm_on`` is the alarm state, ``alarm_changed`` whether it flipped."""

    alarm_on: bool
    alarm_changed: bool = False
    speak: list[Utterance] = field(default_factory=list)


class LinkWatch:
    """Decides when a broken link to the server deserves an alarm. Pure; ``now`` is monotonic.

    Down for ``threshold_s`` (start-up counts as down until the first connect): the alarm goes
    on and the link-down phrase is said, again every ``repeat_s`` while it lasts. Connected
    after an alarm: the link-back phrase is said once and the alarm goes off. A short drop below
    the threshold says nothing. Until the first :meth:`connected`, the link counts as down from
    the first :meth:`due` or :meth:`disconnected`, so an app that never manages to connect still
    raises the alarm; :meth:`next_deadline` knows nothing before that first call.

    A connection that closes within ``stable_s`` of opening does not end the outage: a link
    that keeps opening and dropping at once (a frame the app cannot take, a proxy that cuts
    every connection) delivers nothing, and raises the alarm like a link that stays down.

    Mute is the caller's business: drop ``speak`` while the alert board is muted.
    """

    def __init__(
        self,
        threshold_s: float = 60.0,
        repeat_s: float = 180.0,
        language: Language = Language.ZH,
        stable_s: float = 10.0,
    ) -> None:
        self.threshold_s = threshold_s
        self.repeat_s = repeat_s
        self.language = language
        self.stable_s = stable_s
        self._up = False
        self._up_since: float | None = None
        self._down_since: float | None = None
        # When the outage that the current connection interrupted began (None: no outage).
        self._outage_since: float | None = None
        self._alarming = False
        self._next_say: float | None = None
        self._say_back_at: float | None = None

    @property
    def alarming(self) -> bool:
        """True while the alarm is on (from the last :meth:`due`)."""
        return self._alarming

    def down_for(self, now: float) -> float | None:
        """Seconds the link has been down as of ``now``; None while it is up."""
        if self._up or self._down_since is None:
            return None
        return max(now - self._down_since, 0.0)

    def connected(self, now: float) -> None:
        """The stream is open."""
        if not self._up:
            self._outage_since = self._down_since
            self._up_since = now
        self._up = True
        self._down_since = None
        self._next_say = None
        if self._alarming:
            self._say_back_at = now

    def disconnected(self, now: float) -> None:
        """The stream closed or a connect attempt failed; repeated calls keep the first time."""
        if self._up or self._down_since is None:
            brief = self._up and self._up_since is not None and now - self._up_since < self.stable_s
            self._up = False
            self._down_since = (
                self._outage_since if brief and self._outage_since is not None else now
            )
        # A flap shorter than one `due` never said "reconnected": keep the alarm going as it was.
        if self._say_back_at is not None:
            self._say_back_at = None
            self._next_say = now + self.repeat_s

    def due(self, now: float) -> LinkActions:
        """The alarm state and anything to say now."""
        if not self._up and self._down_since is None:
            self._down_since = now
        if self._say_back_at is not None:
            self._say_back_at = None
            self._alarming = False
            return LinkActions(
                alarm_on=False, alarm_changed=True, speak=[self._utterance(UtteranceKind.LINK_BACK)]
            )
        if self._up or self._down_since is None:
            return LinkActions(alarm_on=self._alarming)
        if not self._alarming:
            if now < self._down_since + self.threshold_s:
                return LinkActions(alarm_on=False)
            self._alarming = True
            self._next_say = now + self.repeat_s
            return LinkActions(
                alarm_on=True, alarm_changed=True, speak=[self._utterance(UtteranceKind.LINK_DOWN)]
            )
        if self._next_say is not None and now >= self._next_say:
            self._next_say = now + self.repeat_s
            return LinkActions(alarm_on=True, speak=[self._utterance(UtteranceKind.LINK_DOWN)])
        return LinkActions(alarm_on=True)

    def next_deadline(self) -> float | None:
        """When :meth:`due` next has something to do; None while the link is up and quiet."""
        if self._say_back_at is not None:
            return self._say_back_at
        if self._up or self._down_since is None:
            return None
        if not self._alarming:
            return self._down_since + self.threshold_s
        return self._next_say

    def _utterance(self, kind: UtteranceKind) -> Utterance:
        text = (
            phrasing.link_back(self.language)
            if kind is UtteranceKind.LINK_BACK
            else phrasing.link_down(self.language)
        )
        return Utterance(text=text, priority=Priority.LINK, kind=kind, language=self.language)
