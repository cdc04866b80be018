"""Marking texts for translation in Qt-free code: lupdate finds the calls by their name."""

from __future__ import annotations


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name lupdate looks for
    """Mark ``text`` for translation in ``context``; the UI translates it when it shows it."""
    return text
