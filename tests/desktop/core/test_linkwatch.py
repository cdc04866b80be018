"""Link supervision: alarm after the threshold, repeat while down, say once when back."""

from __future__ import annotations

from desktop.core.linkwatch import LinkActions, LinkWatch
from desktop.core.phrasing import Language
from desktop.core.utterance import Priority, UtteranceKind

T0 = 500.0


def said(actions: LinkActions) -> list[str]:
    return [utterance.text for utterance in actions.speak]


def alarmed_watch() -> LinkWatch:
    """Connected, then down since T0, alarm raised at T0 + 60."""
    watch = LinkWatch()
    watch.connected(T0 - 100)
    watch.disconnected(T0)
    watch.due(T0 + 60)
    return watch


def test_short_drop_says_nothing() -> None:
    """A link down for less than the threshold raises no alarm."""
    watch = LinkWatch()
    watch.connected(T0 - 100)
    watch.disconnected(T0)
    assert watch.due(T0 + 59.9) == LinkActions(alarm_on=False)
    watch.connected(T0 + 59.9)
    assert watch.due(T0 + 60) == LinkActions(alarm_on=False)
    assert watch.next_deadline() is None


def test_alarm_after_threshold() -> None:
    """Down for the threshold: alarm on, the link-down phrase at link priority."""
    watch = LinkWatch()
    watch.connected(T0 - 100)
    watch.disconnected(T0)
    assert watch.next_deadline() == T0 + 60
    actions = watch.due(T0 + 60)
    assert actions.alarm_on
    assert actions.alarm_changed
    (utterance,) = actions.speak
    assert utterance.text == "订单提醒已断开，请检查网络"
    assert utterance.priority == Priority.LINK
    assert utterance.kind is UtteranceKind.LINK_DOWN
    assert watch.alarming


def test_alarm_repeats_while_down() -> None:
    """The link-down phrase comes back every repeat period while the link stays down."""
    watch = alarmed_watch()
    assert watch.next_deadline() == T0 + 240
    assert watch.due(T0 + 239) == LinkActions(alarm_on=True)
    actions = watch.due(T0 + 240)
    assert said(actions) == ["订单提醒已断开，请检查网络"]
    assert not actions.alarm_changed
    assert watch.next_deadline() == T0 + 420


def test_back_is_said_once_and_alarm_goes_off() -> None:
    """Reconnected after an alarm: the link-back phrase once, then silence."""
    watch = alarmed_watch()
    watch.connected(T0 + 100)
    assert watch.next_deadline() == T0 + 100
    actions = watch.due(T0 + 100)
    assert said(actions) == ["订单提醒已恢复"]
    assert actions.speak[0].kind is UtteranceKind.LINK_BACK
    assert actions == LinkActions(alarm_on=False, alarm_changed=True, speak=actions.speak)
    assert not watch.alarming
    assert watch.due(T0 + 400) == LinkActions(alarm_on=False)
    assert watch.next_deadline() is None


def test_repeated_disconnects_keep_the_first_time() -> None:
    """Each failed reconnect attempt reports down again; the outage still counts from the first."""
    watch = LinkWatch()
    watch.connected(T0 - 100)
    watch.disconnected(T0)
    watch.disconnected(T0 + 30)
    assert watch.next_deadline() == T0 + 60


def test_start_up_counts_as_down_until_connected() -> None:
    """An app that never connects raises the alarm a threshold after it started watching."""
    watch = LinkWatch()
    assert watch.due(T0) == LinkActions(alarm_on=False)
    assert watch.next_deadline() == T0 + 60
    assert watch.due(T0 + 60).alarm_on


def test_flap_before_due_keeps_the_alarm() -> None:
    """Up and down again between two calls of due: no "reconnected", the alarm carries on."""
    watch = alarmed_watch()
    watch.connected(T0 + 100)
    watch.disconnected(T0 + 101)
    assert watch.due(T0 + 101) == LinkActions(alarm_on=True)
    assert watch.next_deadline() == T0 + 281


def test_link_that_drops_at_once_each_time_raises_the_alarm() -> None:
    """Connections that close within seconds deliver nothing: the outage goes on counting."""
    watch = LinkWatch()
    watch.connected(T0 - 100)
    watch.disconnected(T0)
    for offset in range(5, 60, 5):
        watch.connected(T0 + offset)
        watch.disconnected(T0 + offset + 1)
        assert watch.due(T0 + offset + 1) == LinkActions(alarm_on=False)
    assert watch.next_deadline() == T0 + 60
    assert said(watch.due(T0 + 60)) == ["订单提醒已断开，请检查网络"]


def test_connection_that_held_ends_the_outage() -> None:
    """A connection up for ``stable_s`` ends the outage: the next drop counts afresh."""
    watch = LinkWatch(stable_s=10)
    watch.connected(T0 - 100)
    watch.disconnected(T0)
    watch.connected(T0 + 30)
    watch.disconnected(T0 + 40)
    assert watch.next_deadline() == T0 + 100
    assert watch.down_for(T0 + 50) == 10


def test_threshold_repeat_and_language_are_settable() -> None:
    """Threshold, repeat period and language come from the constructor."""
    watch = LinkWatch(threshold_s=10, repeat_s=20, language=Language.EN)
    watch.disconnected(T0)
    assert said(watch.due(T0 + 10)) == ["Order alerts disconnected, please check the network"]
    assert watch.next_deadline() == T0 + 30
    watch.connected(T0 + 15)
    assert said(watch.due(T0 + 15)) == ["Order alerts reconnected"]
