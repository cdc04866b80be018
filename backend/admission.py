"""Who may open another connection: caps per client address, in all, and on counters' streams.

Pure bookkeeping, no I/O: the protocols ask before they take a connection and tell when it ends.
Counters' WebSocket streams last for hours and WeChat Pay's callbacks for milliseconds: were they
to share the total cap alone, a fleet larger than planned would fill it and every payment would be
refused. So a connection that upgrades to a WebSocket must also find room in the counters' share,
the total cap less a reserve that only plain HTTP may use.
A trusted proxy (``ORDERBELL_FORWARDED_ALLOW_IPS``) carries many clients on its connections, so
it is held only to the total cap; the per-client cap behind a proxy belongs in the proxy, which
sees every client's own connections (and holds half-open ones before they reach the server).
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# An IPv6 client usually holds a whole /64: counting each address would let one client open
# as many connections as it likes.
IPV6_CLIENT_PREFIX = 64


# An IPv4 client of a dual-stack listener arrives as ::ffff:a.b.c.d; the rest of its address
# is IPv4's, 96 bits further down an IPv6 prefix.
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_MAPPED_PREFIX = 96


@dataclass(frozen=True, slots=True)
class TrustedProxies:
    """Addresses trusted to name the client they forward for (``*`` trusts everyone).

    An IPv4 address and its IPv4-mapped IPv6 form (``10.0.0.1``, ``::ffff:10.0.0.1``) are the
    same peer, whichever of them the entry or the connection uses.
    """

    everyone: bool
    addresses: frozenset[str]
    networks: tuple[IPNetwork, ...]

    def __contains__(self, host: object) -> bool:
        if not isinstance(host, str):
            return False
        if self.everyone or host in self.addresses:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        # Both forms of a mapped peer: an IPv6 network may hold ::ffff:a.b.c.d as it is.
        forms = {address, _unmapped(address)}
        return any(str(form) in self.addresses for form in forms) or any(
            form in network for form in forms for network in self.networks
        )

    def spelled_out(self) -> list[str]:
        """Every entry in each form a peer may take (IPv4 and IPv4-mapped), as uvicorn takes them.

        uvicorn's own check compares the peer as it comes, and reads ``10.0.0.1/8`` (host bits
        set) as a name rather than a network: it gets the entries written out in full.
        """
        if self.everyone:
            return ["*"]
        entries: list[str] = []
        for text in sorted(self.addresses):
            address = ipaddress.ip_address(text)
            entries.append(text)
            if isinstance(address, ipaddress.IPv4Address):
                entries.append(f"::ffff:{address}")
        for network in self.networks:
            entries.append(str(network))
            if isinstance(network, ipaddress.IPv4Network):
                mapped = _MAPPED.network_address + int(network.network_address)
                entries.append(f"{mapped}/{_MAPPED_PREFIX + network.prefixlen}")
        return entries


def parse_trusted_proxies(value: str) -> TrustedProxies:
    """``"127.0.0.1, ::1, 10.0.0.0/8"`` or ``"*"``; raises ValueError naming a bad entry.

    IPv4-mapped IPv6 entries (``::ffff:10.0.0.1``, ``::ffff:10.0.0.0/104``) are kept as IPv4.
    """
    everyone = False
    addresses: set[str] = set()
    networks: list[IPNetwork] = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        if entry == "*":
            everyone = True
        elif "/" in entry:
            try:
                networks.append(_unmapped_network(ipaddress.ip_network(entry, strict=False)))
            except ValueError:
                raise ValueError(f"{entry!r} is not an address network like 10.0.0.0/8") from None
        else:
            try:
                addresses.add(str(_unmapped(ipaddress.ip_address(entry))))
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address (or a network, or *)") from None
    return TrustedProxies(everyone, frozenset(addresses), tuple(networks))


def _unmapped(address: IPAddress) -> IPAddress:
    """``::ffff:10.0.0.1`` as ``10.0.0.1``; any other address as it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _unmapped_network(network: IPNetwork) -> IPNetwork:
    """``::ffff:10.0.0.0/104`` as ``10.0.0.0/8``; any other network as it is."""
    if (
        isinstance(network, ipaddress.IPv6Network)
        and network.prefixlen >= _MAPPED_PREFIX
        and network.subnet_of(_MAPPED)
    ):
        first = ipaddress.IPv4Address(int(network.network_address) & 0xFFFF_FFFF)
        return ipaddress.IPv4Network((first, network.prefixlen - _MAPPED_PREFIX))
    return network


def client_key(host: str) -> str:
    """What the per-client cap counts: the address; for IPv6 its /64 network."""
    if ":" not in host:
        return host
    try:
        address = ipaddress.IPv6Address(host.split("%", 1)[0])
    except ValueError:
        return host
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False))


# Without a figure of the operator's, a tenth of the total cap is kept for plain HTTP.
DEFAULT_RESERVE_DIVISOR = 10


def http_reserve(reserved: int | None, wanted_cap: int, total_cap: int) -> int:
    """Connections kept for plain HTTP out of ``total_cap``.

    ``reserved`` is the operator's figure for the configured ``wanted_cap`` (None: a tenth of
    it). When the open-file limit lowered the cap, the reserve is lowered in proportion, so the
    operator's split stays; counters always keep at least one place.
    """
    wanted = reserved if reserved is not None else wanted_cap // DEFAULT_RESERVE_DIVISOR
    if total_cap != wanted_cap:
        wanted = -(-wanted * total_cap // wanted_cap)  # rounded up: the callbacks come first
    return max(0, min(wanted, total_cap - 1))


class Admission:
    """Open connections counted in all, per client and as counters, against their caps.

    ``admit`` and ``release`` must be called with the same host for one connection; ``None``
    (no peer address, e.g. a Unix socket) counts only in all. An admitted connection that asks
    to become a WebSocket calls ``upgrade``; it is then released with ``upgraded=True``.
    """

    __slots__ = (
        "by_client",
        "counter_cap",
        "counters",
        "open",
        "per_client_cap",
        "total_cap",
        "trusted",
    )

    # Why a connection was refused.
    PER_CLIENT = "per-client"
    TOTAL = "total"
    COUNTERS = "counters"

    def __init__(
        self,
        total_cap: int,
        per_client_cap: int,
        trusted: TrustedProxies,
        http_reserve: int = 0,
    ) -> None:
        if not 0 <= http_reserve < total_cap:
            raise ValueError(
                f"the HTTP reserve ({http_reserve}) must be below the total cap ({total_cap})"
            )
        self.total_cap = total_cap
        self.counter_cap = total_cap - http_reserve
        self.per_client_cap = per_client_cap
        self.trusted = trusted
        self.open = 0
        self.counters = 0
        self.by_client: Counter[str] = Counter()

    @property
    def http_reserve(self) -> int:
        """Places only plain HTTP requests may take."""
        return self.total_cap - self.counter_cap

    def _key(self, host: str | None) -> str | None:
        if host is None or host in self.trusted:
            return None
        return client_key(host)

    def admit(self, host: str | None) -> str | None:
        """Count a new connection from ``host``; or say which cap refuses it (nothing counted)."""
        if self.open >= self.total_cap:
            return self.TOTAL
        key = self._key(host)
        if key is not None:
            if self.by_client[key] >= self.per_client_cap:
                return self.PER_CLIENT
            self.by_client[key] += 1
        self.open += 1
        return None

    def upgrade(self) -> str | None:
        """Count an admitted connection as a counter's stream; or refuse it (nothing counted)."""
        if self.counters >= self.counter_cap:
            return self.COUNTERS
        self.counters += 1
        return None

    def release(self, host: str | None, *, upgraded: bool = False) -> None:
        """A connection that was admitted (and, if ``upgraded``, became a stream) has ended."""
        self.open -= 1
        if upgraded:
            self.counters -= 1
        key = self._key(host)
        if key is not None:
            left = self.by_client[key] - 1
            if left > 0:
                self.by_client[key] = left
            else:
                del self.by_client[key]
