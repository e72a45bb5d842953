"""grants made by fulfilled data requests; a request's extracts and manifest

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from statedata.core.db import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("resource_type", sa.String(length=40), nullable=False),
        sa.Column("resource_id", sa.String(length=100), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("row_condition", sa.Text(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["identity_user.id"], name=op.f("fk_identity_grant_user_id_identity_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_grant")),
    )
    with op.batch_alter_table("identity_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_grant_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("sharing_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extracts", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("manifest", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sharing_request", schema=None) as batch_op:
        batch_op.drop_column("manifest")
        batch_op.drop_column("extracts")
    op.drop_table("identity_grant")
