"""The device directory answers known tokens from memory and keeps last_seen_at by the minute."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backend import devices
from backend.devices import DeviceDirectory
from backend.store import (
    Database,
    DeviceToken,
    create_token,
    find_live_token,
    list_tokens,
    migrate_async,
    record_last_seen,
    revoke_token,
)
from tests.backend.postgres.helpers import eventually
from tests.conftest import FakeClock
from tests.pg import PostgresCluster

NOW = datetime(2026, 11, 26, 6, 5, 12, tzinfo=UTC)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database, on SQLite and on PostgreSQL, disposed after the test."""
    async with contextlib.AsyncExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path / 'orderbell.db'}"
            await migrate_async(url)
        else:
            cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
            url = await stack.enter_async_context(cluster.database())
        database = Database(url)
        yield database
        await database.dispose()


async def issue(db: Database, shop_id: int = 1, name: str = "till") -> tuple[DeviceToken, str]:
    """A new device token and its secret."""
    return await create_token(db, shop_id=shop_id, name=name, now=NOW)


async def loaded(db: Database) -> DeviceDirectory:
    """A directory of the database's live tokens."""
    directory = DeviceDirectory(db)
    await directory.load()
    return directory


async def stamps(db: Database) -> dict[str, datetime | None]:
    """Each token's last_seen_at, by name."""
    return {token.name: token.last_seen_at for token in await list_tokens(db)}


async def stamped(db: Database) -> bool:
    """Whether every token has a last_seen_at."""
    return None not in (await stamps(db)).values()


# --- authenticating ---------------------------------------------------------------------------


async def test_load_keeps_every_live_token(db: Database) -> None:
    """Loading reads the live tokens and leaves out the revoked ones."""
    await issue(db, name="a")
    revoked, _ = await issue(db, name="b")
    await revoke_token(db, revoked.id, NOW)
    await issue(db, name="c")
    directory = DeviceDirectory(db)
    assert await directory.load() == 2
    assert len(directory) == 2


async def test_known_token_answers_without_a_query(db: Database, statements: list[str]) -> None:
    """A token present at load time is answered from memory, shop and all."""
    record, secret = await issue(db, shop_id=3, name="Front counter")
    await issue(db, shop_id=4, name="other")
    directory = await loaded(db)
    statements.clear()
    for _ in range(3):
        assert await directory.authenticate(secret, NOW) == record
    assert statements == []


async def test_known_answers_a_kept_token_at_once_and_records_its_sighting(db: Database) -> None:
    """Without awaiting: a kept token is its device and is stamped by the next flush."""
    record, secret = await issue(db, shop_id=3, name="Front counter")
    directory = await loaded(db)
    assert directory.known(secret) == record
    assert await directory.flush(NOW) == 1
    assert (await stamps(db))["Front counter"] == NOW


async def test_known_says_nothing_of_tokens_not_kept(db: Database) -> None:
    """A token issued after loading, a malformed one and a guess are not known (yet)."""
    directory = await loaded(db)
    _, later = await issue(db, shop_id=2)
    for token in (later, "", "not-a-token", "obt_guess"):
        assert directory.known(token) is None
    assert await directory.flush(NOW) == 0


async def test_token_created_after_loading_is_looked_up_once(
    db: Database, statements: list[str]
) -> None:
    """A token issued later (by the CLI, another instance) costs one query, then none."""
    directory = await loaded(db)
    record, secret = await issue(db, shop_id=2)
    statements.clear()
    assert await directory.authenticate(secret, NOW) == record
    assert len(statements) == 1
    assert await directory.authenticate(secret, NOW) == record
    assert len(statements) == 1
    assert len(directory) == 1


async def test_malformed_tokens_are_refused_without_a_query(
    db: Database, statements: list[str]
) -> None:
    """What cannot be a device token never reaches the database."""
    directory = await loaded(db)
    statements.clear()
    for token in ("", "not-a-token", "Bearer obt_x", "obt_" + "a" * 500):
        assert await directory.authenticate(token, NOW) is None
    assert statements == []


async def test_unknown_and_revoked_tokens_are_refused_and_not_kept(db: Database) -> None:
    """Each miss asks the database again; neither a guess nor a revoked token is kept."""
    await issue(db, name="live")
    revoked, revoked_secret = await issue(db, name="revoked")
    await revoke_token(db, revoked.id, NOW)
    directory = await loaded(db)
    assert await directory.authenticate("obt_guess", NOW) is None
    assert await directory.authenticate(revoked_secret, NOW) is None
    assert len(directory) == 1


async def test_unknown_tokens_cost_no_memory(db: Database) -> None:
    """A flood of guesses leaves the directory and its sightings as they were."""
    _, secret = await issue(db)
    directory = await loaded(db)
    for attempt in range(500):
        assert await directory.authenticate(f"obt_guess-{attempt}", NOW) is None
    assert len(directory) == 1
    assert await directory.flush(NOW) == 0
    assert await directory.authenticate(secret, NOW) is not None


# --- revocation -------------------------------------------------------------------------------


async def test_revoked_token_is_refused_once_forgotten(db: Database) -> None:
    """A kept token answers until forgotten; then the lookup finds it revoked. Others stay."""
    record, secret = await issue(db, name="lost")
    other, other_secret = await issue(db, name="till")
    directory = await loaded(db)
    assert await directory.authenticate(secret, NOW) == record
    await revoke_token(db, record.id, NOW)
    # Until the revocation sweep tells the directory, memory still answers.
    assert await directory.authenticate(secret, NOW) == record
    directory.forget({record.id})
    assert await directory.authenticate(secret, NOW) is None
    assert await directory.authenticate(other_secret, NOW) == other
    assert len(directory) == 1


async def test_forgetting_unknown_or_no_ids_changes_nothing(db: Database) -> None:
    """Ids the directory never kept, or none at all, are fine to forget."""
    _, secret = await issue(db)
    directory = await loaded(db)
    directory.forget(set())
    directory.forget({404, 405})
    assert len(directory) == 1
    assert await directory.authenticate(secret, NOW) is not None


async def test_lookup_overlapping_a_revocation_sweep_is_not_kept(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token found while the sweep forgot tokens may be one of them: answer, keep nothing."""
    record, secret = await issue(db)
    directory = DeviceDirectory(db)

    async def lookup_during_sweep(database: Database, hashed: str) -> DeviceToken | None:
        found = await find_live_token(database, hashed)
        directory.forget({record.id})
        return found

    monkeypatch.setattr(devices, "find_live_token", lookup_during_sweep)
    assert await directory.authenticate(secret, NOW) == record
    assert len(directory) == 0


# --- last seen --------------------------------------------------------------------------------


async def test_flush_stamps_every_sighting_in_one_statement(
    db: Database, statements: list[str]
) -> None:
    """Tokens used since the last flush get its time; unused ones keep theirs."""
    secrets = [(await issue(db, name=name))[1] for name in ("a", "b", "c")]
    directory = await loaded(db)
    for secret in secrets[:2] * 3:
        await directory.authenticate(secret, NOW)
    flushed_at = NOW + timedelta(seconds=30)
    statements.clear()
    assert await directory.flush(flushed_at) == 2
    assert [statement.split(None, 1)[0] for statement in statements] == ["UPDATE"]
    assert await stamps(db) == {"a": flushed_at, "b": flushed_at, "c": None}


async def test_flush_writes_each_sighting_once(db: Database, statements: list[str]) -> None:
    """A second flush with nothing seen in between runs no statement."""
    _, secret = await issue(db)
    directory = await loaded(db)
    await directory.authenticate(secret, NOW)
    assert await directory.flush(NOW) == 1
    statements.clear()
    assert await directory.flush(NOW + timedelta(minutes=1)) == 0
    assert statements == []


async def test_flush_leaves_revoked_tokens_alone(db: Database) -> None:
    """A token revoked after it was seen keeps its row as revoked left it."""
    revoked, revoked_secret = await issue(db, name="revoked")
    forgotten, forgotten_secret = await issue(db, name="forgotten")
    _, live_secret = await issue(db, name="live")
    directory = await loaded(db)
    for secret in (revoked_secret, forgotten_secret, live_secret):
        await directory.authenticate(secret, NOW)
    await revoke_token(db, revoked.id, NOW)
    await revoke_token(db, forgotten.id, NOW)
    directory.forget({forgotten.id})
    assert await directory.flush(NOW) == 1
    assert await stamps(db) == {"revoked": None, "forgotten": None, "live": NOW}


async def test_failed_flush_keeps_its_sightings_for_the_next(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the write fails, the sightings are written by the next flush."""
    _, secret = await issue(db)
    directory = await loaded(db)
    await directory.authenticate(secret, NOW)

    async def unavailable(*_: object) -> int:
        raise ConnectionError("database went away")

    monkeypatch.setattr(devices, "record_last_seen", unavailable)
    with pytest.raises(ConnectionError):
        await directory.flush(NOW)
    monkeypatch.setattr(devices, "record_last_seen", record_last_seen)
    assert await directory.flush(NOW) == 1
    assert await stamps(db) == {"till": NOW}


async def test_flush_forever_flushes_on_its_interval(db: Database) -> None:
    """The background flush stamps sightings with the injected clock's time."""
    _, secret = await issue(db)
    directory = await loaded(db)
    clock = FakeClock(NOW.timestamp())
    await directory.authenticate(secret, NOW)
    flusher = asyncio.create_task(directory.flush_forever(0.01, clock))
    try:
        await eventually(lambda: stamped(db), "the background flush")
    finally:
        flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flusher
    assert await stamps(db) == {"till": NOW}
