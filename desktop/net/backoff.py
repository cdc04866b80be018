"""How long to wait between reconnection attempts: capped exponential backoff with jitter."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

BASE_S = 1.0
CAP_S = 30.0
# A server restart (an update, a moved instance) is over in seconds: for about the first ten
# seconds the attempts keep the base pace, so the counter is back right after it; only a longer
# outage backs off further.
STEADY_ATTEMPTS = 12


def reconnect_delays(
    base_s: float = BASE_S,
    cap_s: float = CAP_S,
    rng: Callable[[], float] = random.random,
    steady: int = STEADY_ATTEMPTS,
) -> Iterator[float]:
    """Endless delays: ``steady`` times ``base``, then ``min(cap, base * 2**n)`` for n = 1, 2 ...

    Each is multiplied by a random factor in [0.5, 1): the jitter keeps the counters of a whole
    city from reconnecting in step after a server restart.
    """
    for _ in range(steady):
        yield base_s * (0.5 + 0.5 * rng())
    attempt = 1
    while True:
        yield min(cap_s, base_s * 2**attempt) * (0.5 + 0.5 * rng())
        # Past the cap the exponent no longer matters; stop it before floats overflow.
        attempt = min(attempt + 1, 64)
