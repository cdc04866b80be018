"""Partial refunds: how much of each order was refunded, and every refund booked, once.

``orders.refunded_fen`` is the sum of the order's successful refunds; ``refunds`` keeps each
refund by WeChat Pay's ``refund_id``, so a notification retried or sent twice is booked once.
Only a refund that brings ``refunded_fen`` to the order's amount cancels the order.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the types this revision was written with; never import the live models here.
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "orders",
        sa.Column("refunded_fen", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
    )
    # Orders refunded before this revision were refunded whole: it was the only refund known.
    op.execute("UPDATE orders SET refunded_fen = amount_fen WHERE pay_status = 2")
    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("refund_id", sa.String(64), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("refunded_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_refunds"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_refunds_order_id_orders"),
        sa.UniqueConstraint("refund_id", name="uq_refunds_refund_id"),
    )
    op.create_index("ix_refunds_order_id", "refunds", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_refunds_order_id", table_name="refunds")
    op.drop_table("refunds")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("refunded_fen")
