"""Properties of the edge checks: whatever arrives, the answer is a clean value or a BadInput."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.validation import (
    INT64_MAX,
    INT64_MIN,
    MAX_JSON_DEPTH,
    BadInput,
    check_text,
    parse_json,
    readable,
)
from tests.strategies import any_json, any_text, clean_line


def _clean(value: Any, depth: int = 1) -> bool:
    """Whether ``value`` is what parse_json promises: clean strings, 64-bit ints, bounded depth."""
    if isinstance(value, str):
        return "\x00" not in value and not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return True
    if isinstance(value, int):
        return INT64_MIN <= value <= INT64_MAX
    if isinstance(value, list):
        return depth <= MAX_JSON_DEPTH and all(_clean(child, depth + 1) for child in value)
    if isinstance(value, dict):
        children = [*value.keys(), *value.values()]
        return depth <= MAX_JSON_DEPTH and all(_clean(child, depth + 1) for child in children)
    return False


@settings(max_examples=60)
@given(any_json)
def test_a_document_is_accepted_exactly_when_it_is_clean(value: Any) -> None:
    """Any JSON document parses back to itself if it is clean, and is a BadInput otherwise."""
    raw = json.dumps(value).encode()
    try:
        parsed = parse_json(raw)
    except BadInput:
        assert not _clean(value)
    else:
        assert _clean(value)
        assert parsed == value


@settings(max_examples=100)
@given(st.binary(max_size=200))
def test_any_bytes_are_a_value_or_a_bad_input(raw: bytes) -> None:
    """Arbitrary bytes never raise anything but BadInput, and what parses is clean."""
    try:
        value = parse_json(raw)
    except BadInput:
        return
    assert _clean(value)


@settings(max_examples=100)
@given(any_text, st.integers(min_value=0, max_value=30), st.integers(min_value=1, max_value=4))
def test_accepted_text_can_be_stored_and_sent(text: str, max_chars: int, max_lines: int) -> None:
    """Text that passes is UTF-8 encodable, NUL-free and within its bounds; nothing else raises."""
    try:
        accepted = check_text(text, "'remark'", max_chars=max_chars, max_lines=max_lines)
    except BadInput as exc:
        refusal = str(exc)
    else:
        refusal = None
    if refusal is not None:
        assert refusal.startswith("'remark'"), "the refusal names the field"
        return
    assert accepted == text
    accepted.encode("utf-8")
    assert "\x00" not in accepted
    assert len(accepted) <= max_chars
    assert len(accepted.rstrip("\r\n").splitlines() or [""]) <= max_lines


@settings(max_examples=100)
@given(clean_line.filter(lambda text: len(text) <= 64))
def test_clean_one_line_text_is_accepted_verbatim(text: str) -> None:
    """Any line of Unicode scalar values without control characters passes unchanged."""
    assert check_text(text, "'name'", max_chars=64) == text


@settings(max_examples=100)
@given(any_text)
def test_readable_text_always_encodes(text: str) -> None:
    """Whatever a stored row holds, its readable form encodes as UTF-8 and keeps its length."""
    shown = readable(text)
    shown.encode("utf-8")
    assert len(shown) == len(text)
