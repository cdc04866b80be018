"""Service-provider (partner) mode: each shop's WeChat Pay sub-merchant id.

A server taking payments as a service provider learns from every payment which sub-merchant was
paid (``sub_mchid``); ``shops`` says which sub-merchant each shop is, so a payment is booked only
for an order of that shop, and the reconciler knows whom to ask about an order.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the types this revision was written with; never import the live models here.
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "shops",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sub_mchid", sa.String(32), nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shops"),
    )


def downgrade() -> None:
    op.drop_table("shops")
