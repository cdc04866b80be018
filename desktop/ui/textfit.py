"""Breaking text into lines that fit a width, so a label is exactly as tall as its text.

A card's labels do not word-wrap by themselves: Qt sizes a word-wrapped label in a top-level
window from a guessed width, which is how lines got clipped. Here each text is broken once, for
the label's real width and font, at word boundaries (or anywhere inside a word too long for a
line), into at most a given number of lines, the last one ending in "…" when text was left out.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QFontMetricsF, QTextLayout, QTextOption

ELLIPSIS = "…"


def fit_lines(text: str, font: QFont, width: int, max_lines: int) -> tuple[list[str], bool]:
    """The lines ``text`` takes at ``width`` pixels in ``font``, at most ``max_lines`` of them.

    Returns the lines and True when text was left out (the last line then ends in "…").
    Keep ``text`` bounded (:func:`desktop.core.display.display_text`): the work grows with it.
    """
    if max_lines < 1:
        raise ValueError(f"max_lines must be at least 1, got {max_lines}")
    width = max(width, 1)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    lines: list[str] = []
    cut = False
    for paragraph in text.split("\n"):
        if len(lines) >= max_lines:
            cut = True
            break
        if not paragraph:
            lines.append("")
            continue
        layout = QTextLayout(paragraph, font)
        layout.setTextOption(option)
        layout.beginLayout()
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            # QTextLayout lets a line overrun its width by a fraction of a pixel: one pixel of
            # slack keeps every line wholly inside the label.
            line.setLineWidth(max(width - 1, 1))
            if len(lines) >= max_lines:
                cut = True
                break
            start = line.textStart()
            lines.append(paragraph[start : start + line.textLength()].rstrip())
        layout.endLayout()
    if cut:
        lines[-1] = with_ellipsis(lines[-1], font, width)
    return lines, cut


def with_ellipsis(line: str, font: QFont, width: int) -> str:
    """``line`` followed by "…", shortened so that both fit ``width``."""
    metrics = QFontMetricsF(font)
    shown = line
    while shown and metrics.horizontalAdvance(shown + ELLIPSIS) > width - 1:
        shown = shown[:-1]
    return shown.rstrip() + ELLIPSIS


def fit_line(text: str, font: QFont, width: int) -> str:
    """``text`` on one line, elided with "…" when it is wider than ``width``."""
    metrics = QFontMetrics(font)
    return metrics.elidedText(text.replace("\n", " "), Qt.TextElideMode.ElideRight, max(width, 1))
