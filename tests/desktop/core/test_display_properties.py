"""Properties of card text: whatever a customer typed, what a card shows is clean and bounded."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from desktop.core.display import detail_text, display_text, one_line, whole_text
from tests.strategies import HOSTILE_CHARACTERS

# What must never reach a label: controls other than the line feed, surrogates, direction changes.
_UNSHOWABLE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)

# Customer text as it can reach the counter: hostile characters, many lines, long runs.
# Characters that break naive display code, drawn about as often as all other code points.
_DISPLAY_HOSTILE = (*HOSTILE_CHARACTERS, "\t", "\r\n", "\u202e", "\u2066", "\u200f", "\x9b", " ")
any_text = st.lists(
    st.sampled_from(_DISPLAY_HOSTILE) | st.characters(codec=None, max_codepoint=0x10FFFF),
    max_size=40,
).map("".join)
customer_text = st.one_of(
    any_text,
    st.lists(any_text, max_size=30).map("\n".join),
    st.builds(lambda part, times: part * times, any_text, st.integers(0, 500)),
)
limits = st.integers(min_value=1, max_value=2_000)


@given(customer_text, limits)
def test_display_text_is_clean_and_within_its_limit(text: str, limit: int) -> None:
    """No control, surrogate or direction character survives, and the limit holds."""
    shown, cut = display_text(text, limit)
    assert len(shown) <= limit
    assert not _UNSHOWABLE.search(shown)
    assert cut == (len(text) > limit)
    shown.encode("utf-8")  # a label can be given it: no lone surrogate raises here


@given(customer_text, limits)
def test_display_text_has_no_blank_line(text: str, limit: int) -> None:
    """Empty lines never push the words off a card."""
    shown, _ = display_text(text, limit)
    assert all(line.strip() for line in shown.split("\n")) or shown == ""


@given(customer_text, limits)
def test_one_line_is_one_line(text: str, limit: int) -> None:
    """A table cell gets a single clean line."""
    shown, _ = one_line(text, limit)
    assert "\n" not in shown
    assert not _UNSHOWABLE.search(shown)


@given(customer_text, st.integers(1, 50), st.integers(1, 500), st.integers(1, 100))
def test_detail_text_stays_within_its_lines_and_blocks(
    text: str, max_lines: int, max_chars: int, block: int
) -> None:
    """The details view gets at most ``max_lines`` lines of at most ``block`` characters."""
    shown, _ = detail_text(text, max_lines=max_lines, max_chars=max_chars, block=block)
    lines = shown.split("\n")
    assert len(lines) <= max_lines
    assert all(len(line) <= block for line in lines)
    assert not _UNSHOWABLE.search(shown)


@given(customer_text)
def test_whole_text_loses_no_letter_or_digit(text: str) -> None:
    """The whole view loses no letter or digit of the text, in blocks of clean lines."""
    shown = whole_text(text, block=7)
    assert [char for char in shown if char.isalnum()] == [char for char in text if char.isalnum()]
    assert not _UNSHOWABLE.search(shown)
    assert all(len(line) <= 7 for line in shown.split("\n"))
