"""Replies to reminders: the counter answers a customer's 催单 (已在制作, 马上出餐, ...).

``orders.reminder_reply`` holds the latest answer the customer is shown and
``orders.reminder_replied_at`` when it was given; orders never replied to keep both empty.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy of the type this revision was written with; never import the live models here.
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("reminder_reply", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reminder_replied_at", TIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("reminder_replied_at")
        batch.drop_column("reminder_reply")
