"""The device directory across server instances: tokens issued later, revoked, last seen."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from backend.store import Database, create_token, list_tokens, revoke_token
from tests.backend.postgres.conftest import Serve
from tests.backend.postgres.helpers import Instance, eventually

pytestmark = pytest.mark.postgres

QUICK_REVOCATION_CHECK = {"ORDERBELL_REVOCATION_CHECK_S": "0.1"}


async def status_of(instance: Instance, token: str) -> int:
    """The HTTP status of the counter API on ``instance`` for this token."""
    async with httpx.AsyncClient(base_url=instance.base_url, timeout=10) as http:
        answer = await http.get("/admin/orders", headers={"Authorization": f"Bearer {token}"})
    return answer.status_code


async def test_token_issued_after_start_up_works_on_every_instance(serve: Serve) -> None:
    """Neither instance knew the token when it started; both look it up and admit it."""
    async with serve("a") as a, serve("b") as b:
        token = await a.device_token(shop_id=2)
        assert await status_of(a, token) == 200
        assert await status_of(b, token) == 200


async def test_revocation_reaches_every_instance(serve: Serve) -> None:
    """A token both instances keep is refused by both within the revocation check."""
    async with serve("a", **QUICK_REVOCATION_CHECK) as a, serve("b", **QUICK_REVOCATION_CHECK) as b:
        record, token = await create_token(a.db, shop_id=1, name="lost", now=a.clock.datetime())
        assert (await status_of(a, token), await status_of(b, token)) == (200, 200)
        assert await revoke_token(a.db, record.id, a.clock.datetime())
        await eventually(
            lambda: _both_refuse(a, b, token), "both instances to refuse the revoked token"
        )


async def _both_refuse(a: Instance, b: Instance, token: str) -> bool:
    return (await status_of(a, token), await status_of(b, token)) == (401, 401)


async def test_each_instance_records_its_sightings_at_shutdown(
    serve: Serve, postgres_url: str
) -> None:
    """Sightings on either instance reach last_seen_at, and a later stamp is never undone."""
    db = Database(postgres_url)
    try:
        async with serve("a") as a:
            _, token = await create_token(db, shop_id=1, name="till", now=a.clock.datetime())
            async with serve("b") as b:
                assert await status_of(b, token) == 200
                a.clock.advance(5)
            stamped_by_b = a.clock.datetime()
            assert await last_seen(db) == [stamped_by_b]
            a.clock.advance(-60)  # an instance whose clock is behind must not move it back
            assert await status_of(a, token) == 200
        assert await last_seen(db) == [stamped_by_b]
    finally:
        await db.dispose()


async def last_seen(db: Database) -> list[datetime | None]:
    """Every token's last_seen_at, oldest token first."""
    return [token.last_seen_at for token in await list_tokens(db)]
