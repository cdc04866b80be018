"""Breaking text into lines that fit a width: at word boundaries, inside long words, at most N."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QFont, QFontMetrics

from desktop.ui.textfit import fit_line, fit_lines

WIDTH = 200


@pytest.fixture
def font(qapp: Any) -> QFont:
    result = QFont()
    result.setPixelSize(14)
    return result


def widest(lines: list[str], font: QFont) -> int:
    metrics = QFontMetrics(font)
    return max(metrics.horizontalAdvance(line) for line in lines)


def test_short_text_is_one_line(font: QFont) -> None:
    """Text narrower than the width stays whole."""
    assert fit_lines("少辣", font, WIDTH, 3) == (["少辣"], False)


def test_words_wrap_at_their_boundaries(font: QFont) -> None:
    """English wraps between words, every line within the width."""
    text = "no coriander please and ring instead of knocking the baby is asleep"
    lines, cut = fit_lines(text, font, WIDTH, 10)
    assert len(lines) > 1
    assert not cut
    assert " ".join(lines) == text
    assert widest(lines, font) <= WIDTH


def test_a_word_longer_than_the_width_is_broken_inside(font: QFont) -> None:
    """A 300-character word still fits: it is broken anywhere."""
    lines, _ = fit_lines("x" * 300, font, WIDTH, 50)
    assert "".join(lines) == "x" * 300
    assert widest(lines, font) <= WIDTH


def test_chinese_wraps_between_characters(font: QFont) -> None:
    """Chinese has no spaces; it wraps between characters."""
    text = "不要香菜不要葱微辣米饭多一点筷子两双到了打电话不要敲门宝宝在睡觉"
    lines, _ = fit_lines(text, font, WIDTH, 10)
    assert "".join(lines) == text
    assert widest(lines, font) <= WIDTH


def test_newlines_start_new_lines(font: QFont) -> None:
    """Each paragraph starts on its own line."""
    assert fit_lines("一\n二", font, WIDTH, 3) == (["一", "二"], False)


def test_at_most_max_lines_the_last_ending_in_an_ellipsis(font: QFont) -> None:
    """Cut text says so with "…", still within the width."""
    lines, cut = fit_lines("\n".join(f"第{i}行" for i in range(100)), font, WIDTH, 3)
    assert cut
    assert lines[:2] == ["第0行", "第1行"]
    assert lines[2].endswith("…")
    assert widest(lines, font) <= WIDTH


def test_fit_line_elides(font: QFont) -> None:
    """One line at most, "…" when too long."""
    shown = fit_line("很长的备注" * 100, font, WIDTH)
    assert shown.endswith("…")
    assert QFontMetrics(font).horizontalAdvance(shown) <= WIDTH


def test_zero_lines_is_refused(font: QFont) -> None:
    """Asking for no lines at all is a programming error."""
    with pytest.raises(ValueError, match="at least 1"):
        fit_lines("a", font, WIDTH, 0)
