"""the outbox: reminders and notices, kept whether or not they can be mailed

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from statedata.core.db import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("recipient_name", sa.String(200), nullable=False),
        sa.Column(
            "recipient_user_id",
            sa.Integer(),
            sa.ForeignKey(
                "identity_user.id", name="fk_core_outbox_message_recipient_user_id_identity_user"
            ),
            nullable=True,
        ),
        sa.Column(
            "agency_id",
            sa.Integer(),
            sa.ForeignKey(
                "identity_agency.id", name="fk_core_outbox_message_agency_id_identity_agency"
            ),
            nullable=True,
        ),
        sa.Column("resource_type", sa.String(40), nullable=False),
        sa.Column("resource_id", sa.String(60), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_outbox_message")),
        sa.UniqueConstraint("key", name="uq_core_outbox_message_key"),
    )
    op.create_index("ix_core_outbox_message_agency_id", "core_outbox_message", ["agency_id"])
    op.create_index("ix_core_outbox_message_status", "core_outbox_message", ["status"])


def downgrade() -> None:
    op.drop_table("core_outbox_message")
