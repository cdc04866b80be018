"""What to say aloud, how urgent it is, and which orders it is about."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum

from desktop.core.phrasing import Language


class Priority(IntEnum):
    """Speaking order when several utterances wait: higher goes first.

    A broken link outranks everything because while it lasts no order alert can arrive at all;
    a customer's reminder outranks new orders because that customer has already waited.
    """

    NEW_ORDER = 10
    REMINDER = 20
    LINK = 30


class UtteranceKind(Enum):
    """Why something is said; the log and the UI use it, the speaker does not."""

    NEW_ORDER = "new_order"
    NEW_ORDERS = "new_orders"
    REMINDER = "reminder"
    REPEAT = "repeat"
    LINK_DOWN = "link_down"
    LINK_BACK = "link_back"
    AUTO_ACCEPTED = "auto_accepted"
    PRINTER = "printer"


@dataclass(frozen=True, slots=True)
class Utterance:
    """One thing to say: hand ``text``, ``language`` and ``priority`` to a speaker."""

    text: str
    priority: int
    kind: UtteranceKind
    language: Language
    order_ids: tuple[int, ...] = ()
