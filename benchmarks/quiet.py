"""Keep the harness's own garbage collector out of what it measures.

The harness and load clients hold large heaps (prepared requests, thousands of connections,
results). CPython's full collections walk all of it: 80-100 ms pauses in the middle of an
open-loop window, during which nothing is sent or read, and every event then looks that much
later, whichever server is measured. Collecting once and freezing what survives before a
window leaves the collector only the window's own young objects.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def freeze_heap() -> None:
    """Collect now, then exempt every surviving object from later collections."""
    gc.collect()
    gc.freeze()


@contextmanager
def frozen_heap() -> Iterator[None]:
    """:func:`freeze_heap` for the duration of the block; unfrozen afterwards."""
    freeze_heap()
    try:
        yield
    finally:
        gc.unfreeze()
