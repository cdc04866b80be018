"""Escalation rules, the escalation outbox, and which counters are connected to which server.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the types this revision was written with; never import the live models here.
TIME = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "escalation_rules",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("after_s", sa.Integer(), nullable=False),
        sa.Column("no_counter_after_s", sa.Integer(), nullable=False),
        sa.Column("hours", sa.String(11), nullable=True),
        sa.Column("mentions", sa.JSON(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("failing_since", TIME, nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_escalation_rules"),
    )
    op.create_index("ix_escalation_rules_shop_id", "escalation_rules", ["shop_id"])

    op.create_table(
        "escalations",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("public_id", sa.String(32), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.SmallInteger(), nullable=False),
        sa.Column("notice", sa.JSON(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=False),
        sa.Column("claimed_by", sa.String(32), nullable=True),
        sa.Column("claimed_until", TIME, nullable=True),
        sa.Column("sent_at", TIME, nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_escalations"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_escalations_order_id_orders"),
        sa.UniqueConstraint("public_id", name="uq_escalations_public_id"),
        sa.UniqueConstraint("order_id", "trigger", "rule_id", name="uq_escalations_order_trigger"),
    )
    op.create_index(
        "ix_escalations_state_next_attempt_at", "escalations", ["state", "next_attempt_at"]
    )

    op.create_table(
        "server_instances",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("refreshed_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_server_instances"),
    )

    op.create_table(
        "counter_presence",
        sa.Column("instance_id", sa.String(32), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("connections", sa.Integer(), nullable=False),
        sa.Column("connected_since", TIME, nullable=False),
        sa.Column("last_pong", TIME, nullable=True),
        sa.PrimaryKeyConstraint("instance_id", "device_id", name="pk_counter_presence"),
    )
    op.create_index("ix_counter_presence_shop_id", "counter_presence", ["shop_id"])


def downgrade() -> None:
    op.drop_index("ix_counter_presence_shop_id", table_name="counter_presence")
    op.drop_table("counter_presence")
    op.drop_table("server_instances")
    op.drop_index("ix_escalations_state_next_attempt_at", table_name="escalations")
    op.drop_table("escalations")
    op.drop_index("ix_escalation_rules_shop_id", table_name="escalation_rules")
    op.drop_table("escalation_rules")
