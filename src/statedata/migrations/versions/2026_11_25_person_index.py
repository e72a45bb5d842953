"""the person index: records, persons, history, pairs, decisions, models

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from statedata.core.db import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


_BLOCKING_KEYS = [
    ("ssn",),
    ("identifier",),
    ("phone",),
    ("email",),
    ("first_name", "last_name", "zip"),
    ("first_name", "last_name", "town"),
    ("last_name", "date_of_birth"),
    ("first_name", "date_of_birth"),
    ("date_of_birth", "zip"),
    ("date_of_birth", "town"),
    ("last_name", "zip"),
    ("first_name", "zip"),
    ("last_name", "town"),
    ("address",),
]


def upgrade() -> None:
    op.create_table(
        "linkage_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("shapes", sa.JSON(), nullable=False),
        sa.Column("blocking", sa.JSON(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("trained_at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_model")),
        sa.UniqueConstraint("version", name=op.f("uq_linkage_model_version")),
    )
    op.create_table(
        "linkage_person",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("merged_into", sa.String(length=20), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_person")),
    )
    op.create_table(
        "linkage_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("loaded_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("first_name", sa.String(length=200), nullable=True),
        sa.Column("middle_name", sa.String(length=200), nullable=True),
        sa.Column("last_name", sa.String(length=200), nullable=True),
        sa.Column("suffix", sa.String(length=40), nullable=True),
        sa.Column("date_of_birth", sa.String(length=10), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("ssn", sa.String(length=9), nullable=True),
        sa.Column("identifier", sa.String(length=200), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("town", sa.String(length=200), nullable=True),
        sa.Column("zip", sa.String(length=5), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["linkage_person.id"],
            name=op.f("fk_linkage_record_person_id_linkage_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_record")),
        sa.UniqueConstraint("source", "record_id", name=op.f("uq_linkage_record_source_record_id")),
    )
    with op.batch_alter_table("linkage_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_linkage_record_person_id"), ["person_id"], unique=False
        )
    # one per blocking key (as of this revision): the real-time match looks candidates up
    for key in _BLOCKING_KEYS:
        op.create_index("ix_linkage_record_" + "_".join(key), "linkage_record", list(key))

    op.create_table(
        "linkage_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("records_in", sa.Integer(), nullable=False),
        sa.Column("records_new", sa.Integer(), nullable=False),
        sa.Column("records_changed", sa.Integer(), nullable=False),
        sa.Column("pairs_scored", sa.Integer(), nullable=False),
        sa.Column("persons_created", sa.Integer(), nullable=False),
        sa.Column("merges", sa.Integer(), nullable=False),
        sa.Column("splits", sa.Integer(), nullable=False),
        sa.Column("moves", sa.Integer(), nullable=False),
        sa.Column("held_apart", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["linkage_model.id"], name=op.f("fk_linkage_run_model_id_linkage_model")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_run")),
    )
    op.create_table(
        "linkage_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_a", sa.Integer(), nullable=False),
        sa.Column("record_b", sa.Integer(), nullable=False),
        sa.Column("same", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("undone_at", UTCDateTime(), nullable=True),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["identity_user.id"],
            name=op.f("fk_linkage_decision_decided_by_identity_user"),
        ),
        sa.ForeignKeyConstraint(
            ["record_a"],
            ["linkage_record.id"],
            name=op.f("fk_linkage_decision_record_a_linkage_record"),
        ),
        sa.ForeignKeyConstraint(
            ["record_b"],
            ["linkage_record.id"],
            name=op.f("fk_linkage_decision_record_b_linkage_record"),
        ),
        sa.ForeignKeyConstraint(
            ["undone_by"],
            ["identity_user.id"],
            name=op.f("fk_linkage_decision_undone_by_identity_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_decision")),
    )
    with op.batch_alter_table("linkage_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_linkage_decision_record_a"), ["record_a"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_linkage_decision_record_b"), ["record_b"], unique=False
        )

    op.create_table(
        "linkage_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_a", sa.Integer(), nullable=False),
        sa.Column("record_b", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_a"],
            ["linkage_record.id"],
            name=op.f("fk_linkage_pair_record_a_linkage_record"),
        ),
        sa.ForeignKeyConstraint(
            ["record_b"],
            ["linkage_record.id"],
            name=op.f("fk_linkage_pair_record_b_linkage_record"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["linkage_run.id"], name=op.f("fk_linkage_pair_run_id_linkage_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_pair")),
        sa.UniqueConstraint("record_a", "record_b", name=op.f("uq_linkage_pair_record_a_record_b")),
    )
    with op.batch_alter_table("linkage_pair", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_linkage_pair_record_b"), ["record_b"], unique=False)

    op.create_table(
        "linkage_person_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("other_person_id", sa.String(length=20), nullable=True),
        sa.Column("records", sa.JSON(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["linkage_run.id"], name=op.f("fk_linkage_person_event_run_id_linkage_run")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_linkage_person_event_user_id_identity_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_person_event")),
    )
    with op.batch_alter_table("linkage_person_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_linkage_person_event_other_person_id"), ["other_person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_linkage_person_event_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_linkage_person_event_run_id"), ["run_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("linkage_person_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_linkage_person_event_run_id"))
        batch_op.drop_index(batch_op.f("ix_linkage_person_event_person_id"))
        batch_op.drop_index(batch_op.f("ix_linkage_person_event_other_person_id"))

    op.drop_table("linkage_person_event")
    with op.batch_alter_table("linkage_pair", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_linkage_pair_record_b"))

    op.drop_table("linkage_pair")
    with op.batch_alter_table("linkage_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_linkage_decision_record_b"))
        batch_op.drop_index(batch_op.f("ix_linkage_decision_record_a"))

    op.drop_table("linkage_decision")
    op.drop_table("linkage_run")
    with op.batch_alter_table("linkage_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_linkage_record_person_id"))

    op.drop_table("linkage_record")
    op.drop_table("linkage_person")
    op.drop_table("linkage_model")
