"""The README's screenshots are what the app draws today (else: regenerate them)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QImage

from desktop.ui.screenshots import SCENES, SCREENSHOTS, render

REGENERATE = "QT_QPA_PLATFORM=offscreen uv run python -m desktop.ui.screenshots"
# Anti-aliasing may differ by a few levels between builds of the same fonts; a changed word or
# a moved card changes hundreds of pixels by far more.
CHANNEL_SLACK = 24
MAX_CHANGED = 20


@pytest.fixture(scope="module")
def pictures(qapp: Any) -> dict[str, QImage]:
    return render(qapp)


def changed_pixels(a: QImage, b: QImage) -> int:
    """How many pixels differ by more than the slack in any colour channel."""
    a = a.convertToFormat(QImage.Format.Format_RGB32)
    b = b.convertToFormat(QImage.Format.Format_RGB32)
    if bytes(a.constBits()) == bytes(b.constBits()):
        return 0
    count = 0
    for y in range(a.height()):
        for x in range(a.width()):
            p, q = a.pixel(x, y), b.pixel(x, y)
            if p != q and any(
                abs(((p >> s) & 0xFF) - ((q >> s) & 0xFF)) > CHANNEL_SLACK for s in (0, 8, 16)
            ):
                count += 1
    return count


@pytest.mark.parametrize("name", SCENES)
def test_committed_screenshot_is_current(pictures: dict[str, QImage], name: str) -> None:
    """Each committed picture matches what the widgets draw now."""
    committed = QImage(str(SCREENSHOTS / f"{name}.png"))
    assert not committed.isNull(), f"docs/screenshots/{name}.png is missing: run {REGENERATE}"
    fresh = pictures[name]
    assert committed.size() == fresh.size(), f"{name} changed size: run {REGENERATE}"
    changed = changed_pixels(committed, fresh)
    assert changed <= MAX_CHANGED, f"{name}: {changed} pixels changed: run {REGENERATE}"


def test_the_stack_picture_is_a_counter_screen(pictures: dict[str, QImage]) -> None:
    """The stack is shown on a whole 1366x768 screen."""
    assert pictures["stack-1366x768"].size().toTuple() == (1366, 768)
