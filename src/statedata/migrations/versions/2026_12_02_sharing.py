"""sharing: data sharing agreements, data requests, their items and steps

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from statedata.core.db import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sharing_agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("permitted_uses", sa.JSON(), nullable=False),
        sa.Column("prohibited_uses", sa.JSON(), nullable=False),
        sa.Column("linkage_method", sa.String(length=40), nullable=False),
        sa.Column("identifier_holder", sa.String(length=200), nullable=False),
        sa.Column("security_requirements", sa.JSON(), nullable=False),
        sa.Column("authorized_users", sa.JSON(), nullable=False),
        sa.Column("redisclosure", sa.Text(), nullable=False),
        sa.Column("publication_threshold", sa.Integer(), nullable=True),
        sa.Column("retention", sa.Text(), nullable=False),
        sa.Column("destruction_method", sa.String(length=300), nullable=False),
        sa.Column("destruction_deadline", sa.Date(), nullable=True),
        sa.Column("breach_notice_hours", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("renewal", sa.Text(), nullable=False),
        sa.Column("termination", sa.Text(), nullable=False),
        sa.Column("created_by_name", sa.String(length=150), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_agreement")),
    )
    op.create_table(
        "sharing_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("linked", sa.Boolean(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("requester_user_id", sa.Integer(), nullable=False),
        sa.Column("requester_name", sa.String(length=150), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step_owner", sa.String(length=200), nullable=False),
        sa.Column("step_started_at", UTCDateTime(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("access_until", sa.Date(), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["sharing_agreement.id"],
            name=op.f("fk_sharing_request_agreement_id_sharing_agreement"),
        ),
        sa.ForeignKeyConstraint(
            ["requester_user_id"],
            ["identity_user.id"],
            name=op.f("fk_sharing_request_requester_user_id_identity_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_request")),
    )
    with op.batch_alter_table("sharing_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_request_requester_user_id"), ["requester_user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sharing_request_status"), ["status"], unique=False)
    op.create_table(
        "sharing_request_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("row_condition", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("decided_by_name", sa.String(length=150), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["catalog_dataset.id"],
            name=op.f("fk_sharing_request_item_dataset_id_catalog_dataset"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["sharing_request.id"],
            name=op.f("fk_sharing_request_item_request_id_sharing_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_request_item")),
    )
    with op.batch_alter_table("sharing_request_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_request_item_dataset_id"), ["dataset_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sharing_request_item_request_id"), ["request_id"], unique=False
        )
    op.create_table(
        "sharing_request_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=30), nullable=False),
        sa.Column("actor_name", sa.String(length=150), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["sharing_request.id"],
            name=op.f("fk_sharing_request_step_request_id_sharing_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_request_step")),
    )
    with op.batch_alter_table("sharing_request_step", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_request_step_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("sharing_request_step")
    op.drop_table("sharing_request_item")
    op.drop_table("sharing_request")
    op.drop_table("sharing_agreement")
