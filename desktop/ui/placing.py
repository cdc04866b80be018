"""Showing a dialog where it belongs (beside the card it is about), above the cards."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

Place = Callable[[QWidget], None]


def show_placed(window: QWidget, place: Place | None) -> None:
    """Size ``window`` to its contents, move it with ``place`` and show it active on top.

    ``place`` runs before the window shows and once more after, when its frame is known.
    """
    window.adjustSize()
    if place is not None:
        place(window)
    window.show()
    window.raise_()
    window.activateWindow()
    if place is not None:
        place(window)
