"""linkage sources: catalog datasets mapped to person attributes; runs remember their job

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from statedata.core.db import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "linkage_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("id_column", sa.String(length=300), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("loaded_version", sa.Integer(), nullable=True),
        sa.Column("last_job_id", sa.Integer(), nullable=True),
        sa.Column("configured_by_name", sa.String(length=150), nullable=False),
        sa.Column("configured_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["catalog_dataset.id"],
            name=op.f("fk_linkage_source_dataset_id_catalog_dataset"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_source")),
        sa.UniqueConstraint("dataset_id", name=op.f("uq_linkage_source_dataset_id")),
        sa.UniqueConstraint("name", name=op.f("uq_linkage_source_name")),
    )
    with op.batch_alter_table("linkage_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("job_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("linkage_run", schema=None) as batch_op:
        batch_op.drop_column("job_id")
    op.drop_table("linkage_source")
