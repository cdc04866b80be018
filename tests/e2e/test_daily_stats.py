"""GET /admin/stats and `orderbell-server report` across a day boundary in Asia/Shanghai."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from backend.cli import main as server_command
from tests.conftest import FakeClock, LiveServer
from tests.e2e.helpers import paid_order, simulator

# 23:59:00 on 26 November in Shanghai (UTC+8).
BEFORE_MIDNIGHT = datetime(2026, 11, 26, 15, 59, 0, tzinfo=UTC).timestamp()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(BEFORE_MIDNIGHT)


async def orders_either_side_of_midnight(live: LiveServer, http: httpx.AsyncClient) -> str:
    """Paid 23:59 and accepted 40 s later; paid 00:02 and accepted after 90 s; returns a token."""
    token = await live.device_token(shop_id=1)
    auth = {"Authorization": f"Bearer {token}"}
    sim = simulator(live, http)
    first = await paid_order(sim)
    live.clock.advance(40)
    assert (await http.put(f"/admin/orders/{first.id}/accept", headers=auth)).status_code == 200
    live.clock.advance(140)  # 00:02:20 on the 27th
    second = await paid_order(sim)
    await sim.remind(second.id)
    live.clock.advance(90)
    assert (await http.put(f"/admin/orders/{second.id}/accept", headers=auth)).status_code == 200
    await paid_order(simulator(live, http), shop_id=2)  # another shop's: never in shop 1's figures
    return token


async def test_stats_split_the_days_at_shanghai_midnight(live: LiveServer) -> None:
    """Two orders 3 minutes apart around local midnight land on the 26th and the 27th."""
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        token = await orders_either_side_of_midnight(live, http)
        answer = await http.get(
            "/admin/stats?from=2026-11-26&to=2026-11-27",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 200
    body = answer.json()
    assert (body["shopId"], body["timezone"]) == (1, "Asia/Shanghai")
    days = {day["day"]: day for day in body["days"]}
    assert (days["2026-11-26"]["paid"], days["2026-11-26"]["acceptP50Seconds"]) == (1, 40)
    assert (days["2026-11-27"]["paid"], days["2026-11-27"]["acceptMaxSeconds"]) == (1, 90)
    assert days["2026-11-27"]["reminders"] == 1
    assert days["2026-11-26"]["waitedOver5Minutes"] == 0


async def test_stats_without_dates_are_todays(live: LiveServer) -> None:
    """No from/to: today in the shops' time zone (the 27th by then)."""
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        token = await orders_either_side_of_midnight(live, http)
        answer = await http.get("/admin/stats", headers={"Authorization": f"Bearer {token}"})
    assert [(d["day"], d["paid"]) for d in answer.json()["days"]] == [("2026-11-27", 1)]


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-11-27&to=2026-11-26",
        "from=26.11.2026",
        "from=2026-02-30",
        "from=2026-01-01&to=2027-12-31",
    ],
)
async def test_bad_ranges_get_400_with_a_message(live: LiveServer, query: str) -> None:
    """Backwards, malformed, impossible or over-a-year ranges: 400 saying what to fix."""
    token = await live.device_token()
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        answer = await http.get(
            f"/admin/stats?{query}", headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 400
    assert answer.json()["code"] == "BAD_REQUEST"


async def test_a_malformed_day_is_refused_as_other_query_parameters_are(live: LiveServer) -> None:
    """A week date for 'to': 400 naming the query parameter, and the figures are unchanged."""
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        token = await orders_either_side_of_midnight(live, http)
        auth = {"Authorization": f"Bearer {token}"}
        before = await http.get("/admin/stats?from=2026-11-26&to=2026-11-27", headers=auth)
        refused = await http.get("/admin/stats?from=2026-11-26&to=2026-W48-5", headers=auth)
        after = await http.get("/admin/stats?from=2026-11-26&to=2026-11-27", headers=auth)
    assert refused.status_code == 400
    assert refused.json() == {
        "code": "BAD_REQUEST",
        "message": "query parameter 'to' must be a day as YYYY-MM-DD, e.g. 2026-11-26",
    }
    assert after.json() == before.json()


async def test_stats_need_a_device_token(live: LiveServer) -> None:
    """Without a counter's token: 401."""
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        assert (await http.get("/admin/stats")).status_code == 401


async def report(
    live: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
) -> str:
    """Seed the orders around midnight, run `orderbell-server report ARGS` and return its output."""
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        await orders_either_side_of_midnight(live, http)
    monkeypatch.setenv("ORDERBELL_DATABASE_URL", live.settings.database_url)
    assert await asyncio.to_thread(server_command, ["report", *args]) == 0
    return capsys.readouterr().out


async def test_report_gives_csv_by_shop_and_day(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`report --from --to --format csv`: shop 1's two days and shop 2's, with the header."""
    out = await report(
        live, monkeypatch, capsys, "--from", "2026-11-26", "--to", "2026-11-27", "--format", "csv"
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["shop"], r["day"], r["paid"], r["accept_p50_s"]) for r in rows] == [
        ("1", "2026-11-26", "1", "40"),
        ("1", "2026-11-27", "1", "90"),
        ("2", "2026-11-26", "0", ""),
        ("2", "2026-11-27", "1", ""),
    ]


async def test_report_gives_json_for_one_shop_and_day(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`report --shop 1 --day D --format json`: the API's objects for that day."""
    out = await report(
        live, monkeypatch, capsys, "--shop", "1", "--day", "2026-11-27", "--format", "json"
    )
    (day,) = json.loads(out)
    assert (day["shopId"], day["day"], day["paid"], day["reminders"]) == (1, "2026-11-27", 1, 1)


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "--day", "2026-11-27", "--from", "2026-11-26"],
        ["report", "--to", "2026-11-27"],
        ["report", "--shop", str(2**63)],
        ["report", "--day", "yesterday"],
    ],
)
def test_report_refuses_contradictory_or_bad_arguments(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Mixed --day and --from, --to alone, a shop beyond any id, a word for a day: exit 1."""
    monkeypatch.setenv("ORDERBELL_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/r.db")
    assert server_command(argv) == 1
    assert capsys.readouterr().err.startswith("error: ")
