"""Input from outside, checked once at the edge, and stored text made safe to send back out.

Every request body, query parameter and notification the server accepts goes through here
before anything else looks at it: JSON is parsed strictly (UTF-8, no duplicate keys, no NaN,
bounded nesting, integers within a 64-bit database column, no lone surrogate or NUL in any
string), and each field the server uses is checked for its type and bounds, text for its
length and its number of lines. A violation is a :class:`BadInput` whose message says what to
fix; the route answers 400 with it and nothing has changed.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import NoReturn

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
INT32_MAX = 2**31 - 1  # ids and shop numbers are 32-bit columns
MAX_JSON_DEPTH = 16  # our bodies nest three levels; WeChat's notifications two

# A str holds code points, so any surrogate in one is a lone half of a pair: JSON's "\ud800"
# escape decodes to it, and it cannot be encoded as UTF-8 (nor stored, nor sent).
_SURROGATE = re.compile("[\ud800-\udfff]")
# NUL and the other C0/C1 controls; tab and line breaks are judged separately.
_CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


class BadInput(ValueError):
    """Input the server refuses; the message says what to fix (answered with a 400)."""


def readable(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, so it can be sent as UTF-8.

    Only for text stored before input was checked here: new input never holds one.
    """
    return _SURROGATE.sub("\ufffd", text)


def parse_json(raw: bytes, what: str = "the body") -> object:
    """A JSON document whose every string, number and nesting level is within bounds."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{what} is not UTF-8") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constant,
            parse_float=_finite_float,
        )
    except RecursionError:
        raise BadInput(f"{what} is nested more than {MAX_JSON_DEPTH} levels deep") from None
    except ValueError as exc:  # JSONDecodeError, a hook's refusal, an integer of 5,000 digits
        raise BadInput(f"{what} is not JSON ({_first_line(exc)})") from None
    _check_tree(value, what)
    return value


def parse_json_object(raw: bytes, what: str = "the body") -> dict[str, object]:
    """:func:`parse_json` for a document that must be an object."""
    value = parse_json(raw, what)
    if not isinstance(value, dict):
        raise BadInput(f"{what} is not a JSON object")
    return value


def check_text(
    value: str, what: str, *, max_chars: int, max_lines: int = 1, min_chars: int = 0
) -> str:
    """``value`` if it is clean text within bounds; else BadInput naming ``what``.

    Clean: Unicode scalar values only (no lone surrogate), no NUL or other control character
    but tab and line breaks, at most ``max_lines`` lines and ``max_chars`` characters.
    """
    if _SURROGATE.search(value):
        raise BadInput(f"{what} is not valid Unicode (a lone surrogate)")
    if _CONTROL.search(value):
        raise BadInput(f"{what} contains a control character")
    if not min_chars <= len(value) <= max_chars:
        raise BadInput(f"{what} must be {_span(min_chars, max_chars)} characters")
    lines = len(_LINE_BREAK.findall(value.rstrip("\r\n"))) + 1
    if lines > max_lines:
        allowed = "one line" if max_lines == 1 else f"at most {max_lines} lines"
        raise BadInput(f"{what} must be {allowed}")
    return value


def text_field(
    data: Mapping[str, object],
    key: str,
    *,
    max_chars: int,
    max_lines: int = 1,
    min_chars: int = 0,
    default: str | None = None,
) -> str:
    """The string ``data[key]``, checked by :func:`check_text`; ``default`` when absent/null."""
    value = data.get(key)
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise BadInput(f"'{key}' must be a string")
    return check_text(
        value, f"'{key}'", max_chars=max_chars, max_lines=max_lines, min_chars=min_chars
    )


def int_field(
    data: Mapping[str, object], key: str, *, low: int = INT64_MIN, high: int = INT64_MAX
) -> int:
    """The whole number ``data[key]``, from ``low`` to ``high`` (by default, any 64-bit one)."""
    value = data.get(key)
    # bool is an int subclass; true is not a number of anything.
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise BadInput(f"'{key}' must be a whole number from {low} to {high}")
    return value


def list_field(data: Mapping[str, object], key: str, *, max_items: int) -> list[object]:
    """The list ``data[key]``, of at most ``max_items`` elements."""
    value = data.get(key)
    if not isinstance(value, list):
        raise BadInput(f"'{key}' must be a list")
    if len(value) > max_items:
        raise BadInput(f"'{key}' may hold at most {max_items} entries")
    return value


def query_int(
    params: Mapping[str, str], name: str, *, low: int, high: int, default: int | None = None
) -> int | None:
    """The whole-number query parameter ``name`` from ``low`` to ``high``; ``default`` if absent."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    # Only ASCII digits: int() would also take "٣", "+3", " 3" and "3_000".
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 20 or not low <= int(raw) <= high:
        raise BadInput(f"query parameter '{name}' must be a whole number from {low} to {high}")
    return int(raw)


def _check_tree(value: object, what: str) -> None:
    """Every string (keys too) clean of surrogates and NUL, every integer 64-bit, depth bounded."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise BadInput(f"{what} holds text that is not valid Unicode (a lone surrogate)")
            if "\x00" in item:
                raise BadInput(f"{what} holds a NUL character")
        elif isinstance(item, bool) or item is None or isinstance(item, float):
            continue
        elif isinstance(item, int):
            if not INT64_MIN <= item <= INT64_MAX:
                raise BadInput(f"{what} holds a number beyond 64 bits")
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise BadInput(f"{what} is nested more than {MAX_JSON_DEPTH} levels deep")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


# The hooks raise ValueError: parse_json turns it into a BadInput naming the document.


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise ValueError("an object names the same key twice")
    return data


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is out of range")
    return value


def _span(low: int, high: int) -> str:
    return f"at most {high}" if low == 0 else f"{low} to {high}"


def _first_line(exc: ValueError) -> str:
    lines = str(exc).splitlines()
    return lines[0][:100] if lines else type(exc).__name__
