"""rows of a blocked version held outside the table store

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # {"base": the store version the load built on, or null; "files": the staged Parquet files;
    # "primary_key": an upsert's key}: the quality gate now runs before the store commits, so a
    # blocked load's rows never become a store version.
    op.add_column("catalog_dataset_version", sa.Column("held", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalog_dataset_version") as batch:
        batch.drop_column("held")
