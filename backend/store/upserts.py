"""INSERT ... ON CONFLICT, which SQLite and PostgreSQL both speak, with the dialect's builder."""

from __future__ import annotations

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_or_skip(connection: Connection, table: Table) -> sqlite.Insert | postgresql.Insert:
    """An INSERT for ``table`` on this connection's database that can say what a conflict does.

    Both dialects take ``on_conflict_do_nothing`` and ``on_conflict_do_update`` alike.
    """
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
