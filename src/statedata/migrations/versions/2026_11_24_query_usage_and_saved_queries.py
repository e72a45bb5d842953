"""usage counts per dataset and day; saved SQL workspace queries

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from statedata.core.db import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "query_dataset_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "dataset_id",
            sa.Integer(),
            sa.ForeignKey(
                "catalog_dataset.id",
                name="fk_query_dataset_usage_dataset_id_catalog_dataset",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("usage_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_dataset_usage")),
        sa.UniqueConstraint(
            "dataset_id",
            "usage_date",
            "kind",
            name="uq_query_dataset_usage_dataset_id_usage_date_kind",
        ),
    )
    op.create_index("ix_query_dataset_usage_dataset_id", "query_dataset_usage", ["dataset_id"])
    op.create_table(
        "query_saved_query",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey(
                "identity_user.id",
                name="fk_query_saved_query_user_id_identity_user",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("sql", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_saved_query")),
    )
    op.create_index("ix_query_saved_query_user_id", "query_saved_query", ["user_id"])


def downgrade() -> None:
    op.drop_table("query_saved_query")
    op.drop_table("query_dataset_usage")
