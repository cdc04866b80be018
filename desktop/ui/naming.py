"""Object names: how style sheets and tests find a widget without reaching into layouts."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject

_Named = TypeVar("_Named", bound=QObject)


def named(widget: _Named, name: str) -> _Named:
    """``widget`` with its object name set (the type stubs lack the ``objectName=`` keyword)."""
    widget.setObjectName(name)
    return widget
