"""aggregate releases and datasets' privacy settings; legal obstacles to sharing

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from statedata.core.db import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_dataset",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("epsilon_budget", sa.Float(), nullable=False),
        sa.Column("updated_by_name", sa.String(length=150), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["catalog_dataset.id"],
            name=op.f("fk_privacy_dataset_dataset_id_catalog_dataset"),
        ),
        sa.PrimaryKeyConstraint("dataset_id", name=op.f("pk_privacy_dataset")),
    )
    op.create_table(
        "privacy_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_dataset_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=True),
        sa.Column("epsilon", sa.Float(), nullable=True),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("dataset_public_id", sa.String(length=20), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_by_name", sa.String(length=150), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["identity_user.id"],
            name=op.f("fk_privacy_release_created_by_user_id_identity_user"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["core_job.id"], name=op.f("fk_privacy_release_job_id_core_job")
        ),
        sa.ForeignKeyConstraint(
            ["source_dataset_id"],
            ["catalog_dataset.id"],
            name=op.f("fk_privacy_release_source_dataset_id_catalog_dataset"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_release")),
    )
    with op.batch_alter_table("privacy_release", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_privacy_release_source_dataset_id"), ["source_dataset_id"], unique=False
        )
    op.create_table(
        "sharing_obstacle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("authority", sa.String(length=300), nullable=False),
        sa.Column("agencies", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("created_by_name", sa.String(length=150), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_obstacle")),
    )
    with op.batch_alter_table("sharing_obstacle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sharing_obstacle_status"), ["status"], unique=False)
    op.create_table(
        "sharing_obstacle_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("obstacle_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_name", sa.String(length=150), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["obstacle_id"],
            ["sharing_obstacle.id"],
            name=op.f("fk_sharing_obstacle_event_obstacle_id_sharing_obstacle"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_obstacle_event")),
    )
    with op.batch_alter_table("sharing_obstacle_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_obstacle_event_obstacle_id"), ["obstacle_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("sharing_obstacle_event")
    op.drop_table("sharing_obstacle")
    op.drop_table("privacy_release")
    op.drop_table("privacy_dataset")
