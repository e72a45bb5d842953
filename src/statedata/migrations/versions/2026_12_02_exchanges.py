"""the hub's exchanges: agencies' identifier and content files and the keys of their records

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from statedata.core.db import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "linkage_exchange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("agencies", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("created_by_name", sa.String(length=150), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_exchange")),
    )
    op.create_table(
        "linkage_exchange_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("agency_code", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("stored_path", sa.String(length=1000), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("checksum", sa.String(length=80), nullable=False),
        sa.Column("submitted_by_name", sa.String(length=150), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("destroyed_at", UTCDateTime(), nullable=True),
        sa.Column("destruction", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["linkage_exchange.id"],
            name=op.f("fk_linkage_exchange_file_exchange_id_linkage_exchange"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_exchange_file")),
        sa.UniqueConstraint(
            "exchange_id",
            "agency_code",
            "kind",
            name=op.f("uq_linkage_exchange_file_exchange_id_agency_code_kind"),
        ),
    )
    with op.batch_alter_table("linkage_exchange_file", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_linkage_exchange_file_exchange_id"), ["exchange_id"], unique=False
        )
    op.create_table(
        "linkage_exchange_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("agency_code", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["linkage_exchange.id"],
            name=op.f("fk_linkage_exchange_key_exchange_id_linkage_exchange"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_exchange_key")),
        sa.UniqueConstraint(
            "exchange_id",
            "agency_code",
            "record_id",
            name=op.f("uq_linkage_exchange_key_exchange_id_agency_code_record_id"),
        ),
    )
    with op.batch_alter_table("linkage_exchange_key", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_linkage_exchange_key_exchange_id"), ["exchange_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("linkage_exchange_key")
    op.drop_table("linkage_exchange_file")
    op.drop_table("linkage_exchange")
