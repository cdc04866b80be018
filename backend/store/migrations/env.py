"""Alembic environment: runs migrations on a connection we are given, or on the configured URL."""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from backend.store.database import Database
from backend.store.schema import Base

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    """The URL from the Alembic config, else from ORDERBELL_DATABASE_URL."""
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("ORDERBELL_DATABASE_URL")
    if not url:
        raise RuntimeError(
            "set ORDERBELL_DATABASE_URL (or sqlalchemy.url) to the database to migrate"
        )
    return url


def do_run_migrations(connection: Connection) -> None:
    """Run the pending migrations in the connection's transaction."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode recreates tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    """Connect with the same engine settings the app uses, then migrate."""
    database = Database(database_url())
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await database.dispose()


def run_offline_migrations() -> None:
    """Emit the SQL instead of running it (alembic upgrade --sql)."""
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

if context.is_offline_mode():
    run_offline_migrations()
elif (given := config.attributes.get("connection")) is not None:
    do_run_migrations(given)
else:
    asyncio.run(run_async_migrations())
