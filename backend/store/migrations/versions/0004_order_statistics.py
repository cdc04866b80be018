"""When an order was rejected and refunded, and indexes for the statistics and metrics.

``rejected_at`` and ``refunded_at`` join ``paid_at`` and ``accepted_at``, so the daily figures
come from the order rows alone. Orders rejected or refunded before this migration get the time
of their last change, which is when that happened (nothing changes an order after either).
An index on (shop_id, paid_at) serves the statistics by day, and a partial index of the orders
waiting (status 2) makes the metrics' count cheap whatever the table's size.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)
WAITING = sa.text("status = 2")


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("rejected_at", TIME, nullable=True))
        batch.add_column(sa.Column("refunded_at", TIME, nullable=True))
    orders = sa.table(
        "orders",
        sa.column("status", sa.SmallInteger),
        sa.column("pay_status", sa.SmallInteger),
        sa.column("rejected_reason", sa.Text),
        sa.column("rejected_at", TIME),
        sa.column("refunded_at", TIME),
        sa.column("updated_at", TIME),
    )
    # A rejection is status 6 with a reason; a refund is pay status 2 (it also sets status 6).
    op.execute(
        orders.update()
        .where(orders.c.status == 6, orders.c.rejected_reason.is_not(None))
        .values(rejected_at=orders.c.updated_at)
    )
    op.execute(
        orders.update().where(orders.c.pay_status == 2).values(refunded_at=orders.c.updated_at)
    )
    op.create_index("ix_orders_shop_id_paid_at", "orders", ["shop_id", "paid_at"])
    op.create_index(
        "ix_orders_waiting",
        "orders",
        ["id"],
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )


def downgrade() -> None:
    op.drop_index("ix_orders_waiting", table_name="orders")
    op.drop_index("ix_orders_shop_id_paid_at", table_name="orders")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("refunded_at")
        batch.drop_column("rejected_at")
