"""The server's edge policy: timeouts and connection caps, shared by all its connections.

uvicorn hands every protocol instance its ``Config`` and nothing else we control, so the policy
rides on the config (``backend.server`` builds it); :func:`edge_of` finds it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import uvicorn

from backend.admission import Admission, http_reserve, parse_trusted_proxies
from backend.incidents import IncidentLog
from backend.settings import Settings

log = logging.getLogger("backend.edge")


@dataclass(slots=True)
class Edge:
    """What the protocols enforce for one server (shared by all its connections)."""

    header_timeout_s: float
    body_timeout_s: float
    idle_timeout_s: float
    handshake_timeout_s: float
    admission: Admission
    incidents: IncidentLog = field(default_factory=IncidentLog)

    @classmethod
    def from_settings(cls, settings: Settings, total_cap: int) -> Edge:
        """The policy the settings ask for, with the total cap the process can afford (the
        HTTP reserve follows it if it is lower than the settings ask)."""
        return cls(
            header_timeout_s=settings.http_header_timeout_s,
            body_timeout_s=settings.http_body_timeout_s,
            idle_timeout_s=settings.http_idle_timeout_s,
            handshake_timeout_s=settings.ws_handshake_timeout_s,
            admission=Admission(
                total_cap,
                settings.max_connections_per_client,
                parse_trusted_proxies(settings.forwarded_allow_ips),
                http_reserve(
                    settings.http_reserved_connections, settings.max_connections, total_cap
                ),
            ),
        )

    def admit(self, host: str | None, now: float) -> bool:
        """Take a new connection from ``host``, or count the refusal (and report it, rarely)."""
        refused = self.admission.admit(host)
        if refused == Admission.PER_CLIENT:
            self.incident(
                f"refused: over the per-client cap of {self.admission.per_client_cap}", host, now
            )
        elif refused == Admission.TOTAL:
            self.incident(f"refused: over the total cap of {self.admission.total_cap}", host, now)
        elif self.incidents.pending:
            self.report(now)  # news held back by the interval goes out at the next connection
        return refused is None

    def upgrade(self, host: str | None, now: float) -> bool:
        """Let an admitted connection from ``host`` become a counter's stream, or count the
        refusal: the counters' share is full, and the HTTP reserve stays for the callbacks."""
        if self.admission.upgrade() is None:
            return True
        self.incident(
            f"refused: counters have reached their limit of {self.admission.counter_cap} "
            f"(the total cap of {self.admission.total_cap} less "
            f"{self.admission.http_reserve} kept for plain HTTP)",
            host,
            now,
        )
        return False

    def release(self, host: str | None, *, upgraded: bool = False) -> None:
        """An admitted connection (a counter's stream if ``upgraded``) has ended."""
        self.admission.release(host, upgraded=upgraded)

    def incident(self, kind: str, host: str | None, now: float) -> None:
        """Count a refused or cut connection; log when the interval allows."""
        self.incidents.note(kind, host)
        self.report(now)

    def report(self, now: float) -> None:
        for line in self.incidents.due(now):
            log.warning("%s", line)


def edge_of(config: uvicorn.Config) -> Edge | None:
    """The edge policy a server built by ``backend.server`` carries on its config, else None."""
    edge = getattr(config, "edge", None)
    return edge if isinstance(edge, Edge) else None
