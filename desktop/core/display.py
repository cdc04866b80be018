"""Customer text made safe and bounded for display; the order itself keeps every character.

Item names and remarks come from customers: they may hold control characters, lone surrogates,
direction overrides that reorder what follows them, thousands of lines or a megabyte of text.
What a card or a table cell shows is cut to a bounded size first, so laying it out costs the
same for a 600,000-character remark as for a short one.
"""

from __future__ import annotations

import re

REMARK_DISPLAY_CHARS = 1_000
NAME_DISPLAY_CHARS = 200
ADDRESS_DISPLAY_CHARS = 200
# What a scrolling text view shows of one text: a text view costs tens of microseconds per line
# to build, so 100,000 short lines kept the Orders window frozen for seconds.
DETAIL_LINES = 2_000
DETAIL_CHARS = 200_000
DETAIL_BLOCK = 1_000

# C0 and C1 controls except the line breaks handled below, and the bidirectional embeddings,
# overrides and isolates (they would reorder the quantity or the text after them).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_BREAK = re.compile("\r\n|[\r\u2028\u2029\x85]")


def display_text(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut to ``limit`` characters and cleaned for display; True when it was cut.

    Line breaks become ``\\n``, tabs spaces; lone surrogates show as U+FFFD; other control
    and direction-changing characters are dropped. Blank lines are dropped too, so a remark of
    10,000 empty lines does not push the real words off the card.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    cut = len(text) > limit
    lines = [line.rstrip() for line in _cleaned(text[:limit]).split("\n") if line.strip()]
    return "\n".join(lines), cut


def one_line(text: str, limit: int) -> tuple[str, bool]:
    """:func:`display_text` on one line (line breaks become spaces), for table cells."""
    shown, cut = display_text(text, limit)
    return shown.replace("\n", " "), cut


def whole_text(text: str, block: int = DETAIL_BLOCK) -> str:
    """All of ``text``, cleaned like :func:`display_text`, for a scrolling text view.

    Lines longer than ``block`` characters are broken every ``block`` characters: a text view
    lays out one line as a whole, and a 600,000-character line without a break takes it
    seconds to minutes, while short lines are laid out only as they scroll into view.
    """
    if block < 1:
        raise ValueError(f"block must be at least 1, got {block}")
    lines: list[str] = []
    for line in _cleaned(text).split("\n"):
        lines.extend(line[start : start + block] for start in range(0, max(len(line), 1), block))
    return "\n".join(lines)


def detail_text(
    text: str,
    max_lines: int = DETAIL_LINES,
    max_chars: int = DETAIL_CHARS,
    block: int = DETAIL_BLOCK,
) -> tuple[str, bool]:
    """The start of :func:`whole_text`: at most ``max_lines`` lines and about ``max_chars``
    characters of ``text``; True when text was left out.

    Only that start of ``text`` is looked at, so the work is bounded whatever its length.
    """
    if max_lines < 1 or max_chars < 1 or block < 1:
        raise ValueError(f"sizes must be at least 1, got {max_lines}, {max_chars}, {block}")
    head = _cleaned(text[:max_chars])
    lines: list[str] = []
    for line in head.split("\n", max_lines):
        for start in range(0, max(len(line), 1), block):
            if len(lines) == max_lines:
                return "\n".join(lines), True
            lines.append(line[start : start + block])
    return "\n".join(lines), len(text) > max_chars


def _cleaned(text: str) -> str:
    text = _LINE_BREAK.sub("\n", text).replace("\t", " ")
    return _SURROGATE.sub("\ufffd", _INVISIBLE.sub("", text))
