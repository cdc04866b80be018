"""Add the write probe's one-row table: /healthz proves that writes commit by writing it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the type this revision was written with; never import the live models here.
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "write_probe",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("probed_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_write_probe"),
    )


def downgrade() -> None:
    op.drop_table("write_probe")
