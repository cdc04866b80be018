"""Input checked at the edge: JSON, text and numbers within bounds, or a clear BadInput."""

from __future__ import annotations

import json

import pytest

from backend.validation import (
    INT64_MAX,
    MAX_JSON_DEPTH,
    BadInput,
    check_day,
    check_text,
    int_field,
    parse_json,
    parse_json_object,
    query_day,
    query_int,
    readable,
    text_field,
)


def test_a_clean_document_parses_to_its_value() -> None:
    """Nothing is lost or changed in a document within every bound."""
    document = {"name": "宫保鸡丁 🌶", "n": [1, -2, INT64_MAX, 1.5, None, True], "o": {"k": ""}}
    assert parse_json(json.dumps(document).encode()) == document


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        (b'{"name": "\\ud800"}', "lone surrogate"),
        (b'{"\\udfff": 1}', "lone surrogate"),
        (b'["a\\u0000b"]', "NUL"),
        (b'{"n": 9223372036854775808}', "64 bits"),
        (b'{"n": -9223372036854775809}', "64 bits"),
        (b'{"n": NaN}', "NaN"),
        (b'{"n": 1e400}', "out of range"),
        (b'{"a": 1, "a": 2}', "same key twice"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"n": 1', "not JSON"),
        (b"1" * 5000, "64 bits"),
    ],
)
def test_a_hostile_document_is_refused(raw: bytes, complaint: str) -> None:
    """Each kind of hostile JSON is a BadInput saying what is wrong."""
    with pytest.raises(BadInput, match=complaint):
        parse_json(raw)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_nesting_beyond_the_limit_is_refused(depth: int) -> None:
    """Deep nesting is a BadInput, however deep: never a RecursionError."""
    with pytest.raises(BadInput, match="nested"):
        parse_json(b"[" * depth + b"]" * depth)


def test_nesting_up_to_the_limit_is_accepted() -> None:
    """A document exactly at the depth limit parses."""
    depth = MAX_JSON_DEPTH
    assert parse_json(b"[" * depth + b"]" * depth) is not None


def test_an_object_is_required_where_one_is_expected() -> None:
    """A JSON array where an object belongs is refused."""
    with pytest.raises(BadInput, match="is not a JSON object"):
        parse_json_object(b"[]")


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("a\ud800", "lone surrogate"),
        ("a\x00b", "control character"),
        ("\x1b[31mred", "control character"),
        ("a\x85b", "control character"),
        ("x" * 11, "at most 10 characters"),
        ("one\ntwo", "one line"),
        ("one\u2028two", "one line"),
    ],
)
def test_dirty_or_oversized_text_is_refused(text: str, complaint: str) -> None:
    """Text with a surrogate, a control character, too many characters or lines is refused."""
    with pytest.raises(BadInput, match=complaint):
        check_text(text, "'name'", max_chars=10)


def test_lines_are_counted_as_staff_would_see_them() -> None:
    """CRLF is one break, a trailing break adds no line, and the limit is inclusive."""
    assert check_text("a\r\nb\nc\n", "'remark'", max_chars=20, max_lines=3) == "a\r\nb\nc\n"
    with pytest.raises(BadInput, match="at most 3 lines"):
        check_text("a\nb\nc\nd", "'remark'", max_chars=20, max_lines=3)


def test_tabs_and_characters_beyond_the_basic_plane_are_text() -> None:
    """A tab and an emoji are allowed; the emoji counts as one character."""
    assert check_text("辣\t🌶", "'remark'", max_chars=3) == "辣\t🌶"


def test_text_field_names_the_field_and_takes_a_default() -> None:
    """A missing optional field takes its default; a wrong type names the key."""
    assert text_field({}, "remark", max_chars=5, default="") == ""
    with pytest.raises(BadInput, match="'remark' must be a string"):
        text_field({"remark": 5}, "remark", max_chars=5, default="")


@pytest.mark.parametrize("value", [True, 1.0, "1", 2**31, 0])
def test_int_field_takes_only_whole_numbers_in_range(value: object) -> None:
    """Booleans, floats, strings and numbers out of range are refused."""
    with pytest.raises(BadInput, match="'shopId' must be a whole number from 1 to"):
        int_field({"shopId": value}, "shopId", low=1, high=2**31 - 1)


@pytest.mark.parametrize("raw", ["٣", "+3", " 3", "3_000", "-1", "1" * 21, "7"])
def test_query_int_takes_only_ascii_digits_in_range(raw: str) -> None:
    """Only plain ASCII digits naming a number in range are a query number."""
    with pytest.raises(BadInput, match="'page' must be a whole number from 1 to 6"):
        query_int({"page": raw}, "page", low=1, high=6)


def test_query_int_defaults_when_absent_or_empty() -> None:
    """An absent or empty parameter is the default; a good one is its number."""
    assert query_int({}, "page", low=1, high=6, default=1) == 1
    assert query_int({"page": ""}, "page", low=1, high=6, default=1) == 1
    assert query_int({"page": "6"}, "page", low=1, high=6) == 6


def test_readable_replaces_each_lone_surrogate() -> None:
    """Stored text that cannot be encoded is shown with U+FFFD in each bad place."""
    assert readable("a\ud800b\udfff") == "a\ufffdb\ufffd"
    assert readable("宫保鸡丁") == "宫保鸡丁"


@pytest.mark.parametrize(
    "text",
    [
        "2026-13-01",
        "2026-02-30",
        "26-11-2026",
        "2026-11-26T00:00",
        "2026-W48-4",
        "20261126",
        "２０２６-11-26",
        "2026-11-2\x00",
        "2026-11-2\ud800",
        "2026-11-26\n" * 10_000,
    ],
)
def test_check_day_takes_only_a_calendar_day_as_yyyy_mm_dd(text: str) -> None:
    """Impossible days, other shapes, week dates, other digits, NUL and huge text are refused."""
    with pytest.raises(BadInput, match=r"^--day must be a day as YYYY-MM-DD, e\.g\. 2026-11-26$"):
        check_day(text, "--day")


def test_query_day_names_the_parameter_and_is_none_when_absent_or_empty() -> None:
    """A day parameter is its day; absent or empty is None; a bad one is named as a parameter."""
    assert str(query_day({"from": "2026-11-26"}, "from")) == "2026-11-26"
    assert query_day({}, "from") is None
    assert query_day({"from": ""}, "from") is None
    with pytest.raises(BadInput, match=r"^query parameter 'to' must be a day as YYYY-MM-DD"):
        query_day({"to": "2026-11-31"}, "to")
