"""Marking texts for translation in Qt-free code; the UI translates them where it shows them.

lupdate finds ``QT_TRANSLATE_NOOP("Context", "text")`` by its name. The marked text remembers its
context, so a :class:`Message` built from it can be translated by whoever shows it, while its
``str()`` stays the English sentence for logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PLACE_MARKER = re.compile(r"%([1-9])")


class Marked(str):
    """A source text marked for translation, knowing its translation context."""

    context: str

    def __new__(cls, context: str, text: str) -> Marked:
        marked = super().__new__(cls, text)
        marked.context = context
        return marked


def QT_TRANSLATE_NOOP(context: str, text: str) -> Marked:  # noqa: N802 - the name lupdate looks for
    """Mark ``text`` for translation in ``context``; the UI translates it when it shows it."""
    return Marked(context, text)


@dataclass(frozen=True, slots=True)
class Message:
    """A sentence for staff: a marked text and the values of its ``%1``..``%9`` markers.

    Values are plain text (shown as given) or messages (translated in turn). ``str()`` gives the
    English sentence.
    """

    text: Marked
    args: tuple[str | Message, ...] = ()

    def __str__(self) -> str:
        return fill(self.text, *(str(arg) for arg in self.args))


def message(text: Marked, *args: object) -> Message:
    """A :class:`Message`; values that are not messages are shown as ``str(value)``."""
    return Message(text, tuple(arg if isinstance(arg, Message) else str(arg) for arg in args))


def lines(*messages: Message | str) -> Message:
    """Several messages, one per line, translated each."""
    return Message(Marked("", "\n".join(f"%{i}" for i in range(1, len(messages) + 1))), messages)


def fill(template: str, *values: object) -> str:
    """Replace Qt-style place markers ``%1``..``%9`` in one pass.

    One pass matters: a value containing ``%2`` (a customer's remark) must stay as typed.
    """

    def value(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return str(values[index]) if index < len(values) else match.group(0)

    return _PLACE_MARKER.sub(value, template)
