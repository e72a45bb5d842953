"""quality rules per dataset, version status (published or blocked), quality reports per version

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from statedata.core.db import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_dataset") as batch:
        batch.add_column(
            sa.Column("quality_rules", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    with op.batch_alter_table("catalog_dataset_version") as batch:
        batch.add_column(
            sa.Column("status", sa.String(10), nullable=False, server_default="published")
        )
    op.create_table(
        "quality_version_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "version_id",
            sa.Integer(),
            sa.ForeignKey(
                "catalog_dataset_version.id",
                name="fk_quality_version_report_version_id_catalog_dataset_version",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column(
            "dataset_id",
            sa.Integer(),
            sa.ForeignKey(
                "catalog_dataset.id",
                name="fk_quality_version_report_dataset_id_catalog_dataset",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("remembered", sa.JSON(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("elapsed_ms", sa.Float(), nullable=False),
        sa.Column("checked_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_version_report")),
        sa.UniqueConstraint("version_id", name="uq_quality_version_report_version_id"),
    )
    op.create_index(
        "ix_quality_version_report_dataset_id", "quality_version_report", ["dataset_id"]
    )


def downgrade() -> None:
    op.drop_table("quality_version_report")
    with op.batch_alter_table("catalog_dataset_version") as batch:
        batch.drop_column("status")
    with op.batch_alter_table("catalog_dataset") as batch:
        batch.drop_column("quality_rules")
