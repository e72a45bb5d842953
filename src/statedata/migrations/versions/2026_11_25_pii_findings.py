"""personal-information findings per dataset column, with the steward's decision

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from statedata.core.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_pii_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "dataset_id",
            sa.Integer(),
            sa.ForeignKey(
                "catalog_dataset.id",
                name="fk_catalog_pii_finding_dataset_id_catalog_dataset",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("column_name", sa.String(300), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("evidence", sa.String(300), nullable=False),
        sa.Column("share", sa.Float(), nullable=True),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("decided_by_name", sa.String(150), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_pii_finding")),
        sa.UniqueConstraint(
            "dataset_id",
            "column_name",
            "category",
            name="uq_catalog_pii_finding_dataset_id_column_name_category",
        ),
    )
    op.create_index("ix_catalog_pii_finding_dataset_id", "catalog_pii_finding", ["dataset_id"])


def downgrade() -> None:
    op.drop_table("catalog_pii_finding")
