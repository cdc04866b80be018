"""What the reconciler needs on each order: when to look again, who is looking, what it found.

``next_query_at`` (NULL until the first look, which falls ``ORDERBELL_RECONCILE_AFTER_S`` after
submission), a lease (``lease_owner``, ``lease_until``) so that one instance at a time asks about
an order, ``reconcile_anomaly`` for an order set aside because its payment cannot be booked,
``reconciled_at`` for a payment found by query rather than notified, and ``cancel_reason``
(e.g. 支付超时). Orders pending payment before this migration are simply due for their first
look. A partial index of the unpaid orders (status 1) keeps the reconciler's search cheap
whatever the table's size, another the count of payments found by query.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the types this revision was written with; never import the live models here.
TIME = sa.DateTime(timezone=True)
UNPAID = sa.text("status = 1")
RECONCILED = sa.text("reconciled_at IS NOT NULL")


def upgrade() -> None:
    op.add_column("orders", sa.Column("next_query_at", TIME, nullable=True))
    op.add_column("orders", sa.Column("lease_owner", sa.String(64), nullable=True))
    op.add_column("orders", sa.Column("lease_until", TIME, nullable=True))
    op.add_column("orders", sa.Column("reconcile_anomaly", sa.Text(), nullable=True))
    op.add_column("orders", sa.Column("reconciled_at", TIME, nullable=True))
    op.add_column("orders", sa.Column("cancel_reason", sa.Text(), nullable=True))
    op.create_index(
        "ix_orders_unpaid", "orders", ["id"], sqlite_where=UNPAID, postgresql_where=UNPAID
    )
    op.create_index(
        "ix_orders_reconciled_at",
        "orders",
        ["reconciled_at"],
        sqlite_where=RECONCILED,
        postgresql_where=RECONCILED,
    )


def downgrade() -> None:
    op.drop_index("ix_orders_reconciled_at", "orders")
    op.drop_index("ix_orders_unpaid", "orders")
    with op.batch_alter_table("orders") as batch:
        for column in (
            "cancel_reason",
            "reconciled_at",
            "reconcile_anomaly",
            "lease_until",
            "lease_owner",
            "next_query_at",
        ):
            batch.drop_column(column)
