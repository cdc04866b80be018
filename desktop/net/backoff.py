"""How long to wait between reconnection attempts: capped exponential backoff with jitter."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

BASE_S = 1.0
CAP_S = 30.0


def reconnect_delays(
    base_s: float = BASE_S, cap_s: float = CAP_S, rng: Callable[[], float] = random.random
) -> Iterator[float]:
    """Endless delays: ``min(cap, base * 2**n)`` times a random factor in [0.5, 1).

    The jitter keeps the counters of a whole city from reconnecting in step after a server
    restart.
    """
    attempt = 0
    while True:
        yield min(cap_s, base_s * 2**attempt) * (0.5 + 0.5 * rng())
        # Past the cap the exponent no longer matters; stop it before floats overflow.
        attempt = min(attempt + 1, 64)
