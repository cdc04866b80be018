"""Daily order numbers: each shop numbers its paid orders 1, 2, 3... afresh every local day.

``orders.business_day`` and ``orders.day_seq`` say which day's number an order got when its
payment was recorded; a unique index refuses the same number twice in one shop and day. The
``daily_order_numbers`` table holds the last number each shop gave out on each day, so
concurrent payments (on several instances too) draw numbers one after another. Orders paid
before this migration keep no number.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("business_day", sa.Date(), nullable=True))
        batch.add_column(sa.Column("day_seq", sa.Integer(), nullable=True))
    op.create_index(
        "uq_orders_shop_id_business_day_day_seq",
        "orders",
        ["shop_id", "business_day", "day_seq"],
        unique=True,
    )
    op.create_table(
        "daily_order_numbers",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "day", name="pk_daily_order_numbers"),
    )


def downgrade() -> None:
    op.drop_table("daily_order_numbers")
    op.drop_index("uq_orders_shop_id_business_day_day_seq", table_name="orders")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("day_seq")
        batch.drop_column("business_day")
