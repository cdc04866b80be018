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
from collections.abc import Iterable, Mapping
from datetime import date
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
# date.fromisoformat also takes week dates (2026-W48-4) and other digits: only this shape is a day.
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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
        value = _DECODER.decode(text)
    except RecursionError:
        raise BadInput(f"{what} is nested more than {MAX_JSON_DEPTH} levels deep") from None
    except _OutOfBounds as exc:
        raise BadInput(f"{what} holds {exc}") from None
    except ValueError as exc:  # JSONDecodeError, a hook's refusal
        raise BadInput(f"{what} is not JSON ({_first_line(exc)})") from None
    # JSON text cannot carry a NUL or a lone surrogate into a string but by a \u escape: raw
    # control characters are refused in strings, and strict UTF-8 never decodes to a surrogate.
    strings = "\\u" in text
    # No more brackets than levels allowed (in strings too): the nesting is within bounds.
    if strings or text.count("[") + text.count("{") > MAX_JSON_DEPTH:
        _check_tree(value, what, strings=strings)
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
    problem = text_problem(value, max_chars=max_chars, max_lines=max_lines, min_chars=min_chars)
    if problem is not None:
        raise BadInput(f"{what} {problem}")
    return value


def text_problem(
    value: str, *, max_chars: int, max_lines: int = 1, min_chars: int = 0
) -> str | None:
    """What is wrong with ``value`` as text (see :func:`check_text`), or None if nothing is."""
    if not min_chars <= len(value) <= max_chars:
        return f"must be {_span(min_chars, max_chars)} characters"
    if value.isascii() and value.isprintable():
        return None  # the usual case: no surrogate, no control character, no line break
    if _SURROGATE.search(value):
        return "is not valid Unicode (a lone surrogate)"
    if _CONTROL.search(value):
        return "contains a control character"
    lines = len(_LINE_BREAK.findall(value.rstrip("\r\n"))) + 1
    if lines > max_lines:
        return "must be one line" if max_lines == 1 else f"must be at most {max_lines} lines"
    return None


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


def check_day(text: str, what: str) -> date:
    """The day ``text`` names as ``YYYY-MM-DD``; else BadInput naming ``what``."""
    if _DAY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:  # 2026-02-30, month 13
            pass
    raise BadInput(f"{what} must be a day as YYYY-MM-DD, e.g. 2026-11-26")


def query_day(params: Mapping[str, str], name: str) -> date | None:
    """The day query parameter ``name`` (``YYYY-MM-DD``); None when absent or empty."""
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    return check_day(raw, f"query parameter '{name}'")


def _check_tree(value: object, what: str, *, strings: bool) -> None:
    """Nesting bounded; with ``strings``, every string (keys too) clean of surrogates and NUL."""
    if isinstance(value, str) and strings:
        _check_string(value, what)
    if not isinstance(value, _CONTAINERS):
        return
    pending: list[tuple[dict[str, object] | list[object], int]] = [(value, 1)]
    while pending:
        container, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadInput(f"{what} is nested more than {MAX_JSON_DEPTH} levels deep")
        children: Iterable[object] = container
        if isinstance(container, dict):
            children = [*container.keys(), *container.values()] if strings else container.values()
        for child in children:
            if isinstance(child, _CONTAINERS):
                pending.append((child, depth + 1))
            elif strings and isinstance(child, str):
                _check_string(child, what)


def _check_string(text: str, what: str) -> None:
    if _SURROGATE.search(text):
        raise BadInput(f"{what} holds text that is not valid Unicode (a lone surrogate)")
    if "\x00" in text:
        raise BadInput(f"{what} holds a NUL character")


class _OutOfBounds(ValueError):
    """A number the database cannot hold (parse_json names the document)."""


# The hooks raise ValueError: parse_json turns it into a BadInput naming the document.


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise ValueError("an object names the same key twice")
    return data


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _int64(text: str) -> int:
    # Within 64 bits: at most 19 digits and a sign; anything longer is refused before int().
    value = int(text) if len(text) <= 20 else INT64_MAX + 1
    if not INT64_MIN <= value <= INT64_MAX:
        raise _OutOfBounds("a number beyond 64 bits")
    return value


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is out of range")
    return value


_CONTAINERS = (dict, list)
# Built once: json.loads with hooks would build a decoder for every document.
_DECODER = json.JSONDecoder(
    object_pairs_hook=_unique_keys,
    parse_constant=_no_constant,
    parse_float=_finite_float,
    parse_int=_int64,
)


def _span(low: int, high: int) -> str:
    return f"at most {high}" if low == 0 else f"{low} to {high}"


def _first_line(exc: ValueError) -> str:
    lines = str(exc).splitlines()
    return lines[0][:100] if lines else type(exc).__name__
