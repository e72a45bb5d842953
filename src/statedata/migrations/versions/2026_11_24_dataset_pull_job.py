"""the job of a dataset's last pull

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("catalog_dataset", sa.Column("last_pull_job_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalog_dataset") as batch:
        batch.drop_column("last_pull_job_id")
