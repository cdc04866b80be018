"""Text from outside, checked once at the edge; and stored text made safe to send back out."""

from __future__ import annotations

import re

# A str holds code points, so any surrogate in one is a lone half of a pair: JSON's "\ud800"
# escape decodes to it, and it cannot be encoded as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


def readable(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, so it can be sent as UTF-8.

    Only for text stored before input was checked: new input never holds one.
    """
    return _SURROGATE.sub("\ufffd", text)


class BadInput(ValueError):
    """Input the server refuses; the message says what to fix (answered with a 400)."""


# NUL and the other C0/C1 controls; tab and line breaks are judged separately.
_CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


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
        raise BadInput(f"{what} must be {min_chars} to {max_chars} characters")
    lines = len(_LINE_BREAK.findall(value.rstrip("\r\n"))) + 1
    if lines > max_lines:
        allowed = "one line" if max_lines == 1 else f"at most {max_lines} lines"
        raise BadInput(f"{what} must be {allowed}")
    return value
