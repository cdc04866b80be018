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
