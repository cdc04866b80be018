"""Connection caps per client, in all and on counters' streams, and which proxies are trusted."""

from __future__ import annotations

import pytest

from backend.admission import Admission, client_key, http_reserve, parse_trusted_proxies

NO_PROXY = parse_trusted_proxies("")


def test_a_client_is_refused_once_it_holds_its_cap() -> None:
    """The per-client cap counts one address's open connections."""
    admission = Admission(100, 2, NO_PROXY)
    assert [admission.admit("203.0.113.9") for _ in range(3)] == [None, None, "per-client"]


def test_other_clients_are_counted_apart() -> None:
    """One client at its cap leaves the others their own."""
    admission = Admission(100, 1, NO_PROXY)
    assert admission.admit("203.0.113.9") is None
    assert admission.admit("203.0.113.10") is None


def test_the_total_cap_refuses_everyone() -> None:
    """Past the total cap nobody gets in, whatever their own count."""
    admission = Admission(2, 5, NO_PROXY)
    admission.admit("203.0.113.1")
    admission.admit("203.0.113.2")
    assert admission.admit("203.0.113.3") == "total"


def test_a_refusal_counts_nothing() -> None:
    """A refused connection takes no place."""
    admission = Admission(10, 1, NO_PROXY)
    admission.admit("203.0.113.9")
    admission.admit("203.0.113.9")
    assert (admission.open, admission.by_client["203.0.113.9"]) == (1, 1)


def test_a_released_connection_frees_its_place() -> None:
    """Once a connection ends its client may open another; nothing is left behind."""
    admission = Admission(10, 1, NO_PROXY)
    admission.admit("203.0.113.9")
    admission.release("203.0.113.9")
    assert (admission.open, dict(admission.by_client)) == (0, {})
    assert admission.admit("203.0.113.9") is None


def test_a_trusted_proxy_is_held_only_to_the_total_cap() -> None:
    """A proxy carries many clients: the per-client cap is not its."""
    admission = Admission(3, 1, parse_trusted_proxies("10.0.0.0/8"))
    assert [admission.admit("10.1.2.3") for _ in range(4)] == [None, None, None, "total"]
    admission.release("10.1.2.3")
    assert admission.open == 2


def streams(admission: Admission, count: int) -> list[str | None]:
    """Open ``count`` connections from a trusted proxy and upgrade each: what each upgrade got."""
    answers = []
    for _ in range(count):
        assert admission.admit("127.0.0.1") is None
        answers.append(admission.upgrade())
    return answers


LOCAL = parse_trusted_proxies("127.0.0.1")


def test_streams_past_the_counters_share_are_refused() -> None:
    """Total 10, 3 kept for HTTP: the eighth upgrade is refused, the first seven taken."""
    admission = Admission(10, 5, LOCAL, http_reserve=3)
    assert streams(admission, 8) == [None] * 7 + ["counters"]


def test_a_refused_upgrade_counts_no_stream() -> None:
    """The refused connection is still a plain one: counted in all, not as a stream."""
    admission = Admission(10, 5, LOCAL, http_reserve=3)
    streams(admission, 8)
    assert (admission.open, admission.counters) == (8, 7)


def test_plain_connections_may_use_the_whole_cap_beside_full_streams() -> None:
    """Counters at their share: plain connections still fill the reserve, then the total caps."""
    admission = Admission(10, 5, LOCAL, http_reserve=3)
    streams(admission, 7)
    assert [admission.admit("127.0.0.1") for _ in range(4)] == [None, None, None, "total"]


def test_a_stream_that_ends_frees_its_place_in_the_share() -> None:
    """Released with ``upgraded``, a stream leaves room for the next upgrade."""
    admission = Admission(4, 5, LOCAL, http_reserve=1)
    streams(admission, 3)
    admission.release("127.0.0.1", upgraded=True)
    assert (admission.open, admission.counters) == (2, 2)
    assert streams(admission, 1) == [None]


def test_a_plain_connection_that_ends_leaves_the_streams_count_alone() -> None:
    """Releasing a plain connection frees a place in all, not in the counters' share."""
    admission = Admission(4, 5, LOCAL, http_reserve=1)
    streams(admission, 3)
    admission.admit("127.0.0.1")
    admission.release("127.0.0.1")
    assert (admission.open, admission.counters) == (3, 3)


@pytest.mark.parametrize("reserve", [-1, 10, 11])
def test_a_reserve_outside_the_total_cap_is_refused(reserve: int) -> None:
    """The reserve is 0 or more and leaves counters at least one place."""
    with pytest.raises(ValueError, match="below the total cap"):
        Admission(10, 5, LOCAL, http_reserve=reserve)


def test_without_a_figure_a_tenth_is_kept_for_http() -> None:
    """No reserve set: 1,000 of the default 10,000 connections are kept for plain HTTP."""
    assert http_reserve(None, 10_000, 10_000) == 1_000


def test_the_operators_reserve_is_kept_as_set() -> None:
    """A reserve the operator set is used as it is, 0 included."""
    assert [http_reserve(reserved, 15_000, 15_000) for reserved in (0, 3_000)] == [0, 3_000]


def test_a_cap_lowered_by_the_open_file_limit_lowers_the_reserve_in_proportion() -> None:
    """10,000 wanted, 896 affordable: a tenth of the reserve's 1,000, rounded up, is kept."""
    assert http_reserve(1_000, 10_000, 896) == 90


def test_a_tiny_cap_still_leaves_counters_a_place() -> None:
    """However the reserve rounds, counters keep at least one of the connections."""
    assert [http_reserve(9, 10, cap) for cap in (1, 2, 5)] == [0, 1, 4]


def test_an_ipv6_client_counts_by_its_64_network() -> None:
    """Addresses of one /64 share a cap: a v6 client cannot dodge it by changing address."""
    admission = Admission(10, 1, NO_PROXY)
    assert admission.admit("2001:db8:1:2::1") is None
    assert admission.admit("2001:db8:1:2::ffff") == "per-client"
    assert admission.admit("2001:db8:1:3::1") is None


def test_an_ipv4_mapped_address_counts_as_its_ipv4_address() -> None:
    """A dual-stack listener sees ::ffff:a.b.c.d; it is the same client as a.b.c.d."""
    assert client_key("::ffff:203.0.113.9") == "203.0.113.9"


def test_trusted_proxies_take_addresses_networks_and_star() -> None:
    """``ORDERBELL_FORWARDED_ALLOW_IPS`` lists addresses and networks, or * for everyone."""
    trusted = parse_trusted_proxies("127.0.0.1, ::1, 10.0.0.0/8")
    assert [h for h in ("127.0.0.1", "::1", "10.200.0.1") if h in trusted] == [
        "127.0.0.1",
        "::1",
        "10.200.0.1",
    ]
    assert "192.0.2.1" not in trusted
    assert None not in trusted
    assert "192.0.2.1" in parse_trusted_proxies("*")


@pytest.mark.parametrize(
    ("entry", "peer"),
    [
        ("10.0.0.1", "::ffff:10.0.0.1"),
        ("10.0.0.0/8", "::ffff:10.20.30.40"),
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("::ffff:10.0.0.0/104", "10.20.30.40"),
    ],
)
def test_a_proxy_is_trusted_in_its_ipv4_and_ipv4_mapped_forms(entry: str, peer: str) -> None:
    """``10.0.0.1`` and ``::ffff:10.0.0.1`` are one proxy, whichever form entry or peer takes."""
    assert peer in parse_trusted_proxies(entry)


def test_a_mapped_peer_is_trusted_by_an_ipv6_network_holding_it_as_it_is() -> None:
    """An IPv6 network wider than the mapped range still holds ::ffff:10.0.0.1."""
    assert "::ffff:10.0.0.1" in parse_trusted_proxies("::ffff:0:0/90")


@pytest.mark.parametrize("peer", ["::ffff:10.0.0.2", "::ffff:11.0.0.1", "::10.0.0.1"])
def test_an_ipv4_mapped_peer_outside_the_entries_is_not_trusted(peer: str) -> None:
    """Mapping widens nothing: other addresses, and IPv4-compatible forms, stay untrusted."""
    assert peer not in parse_trusted_proxies("10.0.0.1, 10.0.0.0/31")


def test_the_entries_for_uvicorn_hold_both_forms_of_each_ipv4_proxy() -> None:
    """uvicorn's own proxy check gets each IPv4 entry also as IPv4-mapped IPv6, in full."""
    spelled = parse_trusted_proxies("10.0.0.1, 10.9.9.9/8, ::1").spelled_out()
    assert sorted(spelled) == sorted(
        ["10.0.0.1", "::ffff:10.0.0.1", "::1", "10.0.0.0/8", "::ffff:a00:0/104"]
    )
    assert parse_trusted_proxies("*").spelled_out() == ["*"]


@pytest.mark.parametrize("value", ["localhost", "10.0.0.0/33", "1.2.3"])
def test_a_bad_trusted_proxy_entry_is_refused_by_name(value: str) -> None:
    """An entry that is neither an address nor a network raises, naming it."""
    with pytest.raises(ValueError, match=value.replace(".", r"\.")):
        parse_trusted_proxies(f"127.0.0.1,{value}")
