"""the State Data Plan as data (editions, principles, goals, focal points, objectives, actions)
and the snapshots of measures

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from statedata.core.db import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_edition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("adopted_on", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_edition")),
        sa.UniqueConstraint("number", name=op.f("uq_plan_edition_number")),
    )
    op.create_table(
        "plan_measure_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=60), nullable=False),
        sa.Column("agency", sa.String(length=20), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("taken_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_measure_snapshot")),
        sa.UniqueConstraint(
            "measure",
            "agency",
            "taken_on",
            name=op.f("uq_plan_measure_snapshot_measure_agency_taken_on"),
        ),
    )
    with op.batch_alter_table("plan_measure_snapshot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_measure_snapshot_measure"), ["measure"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_plan_measure_snapshot_taken_on"), ["taken_on"], unique=False
        )

    op.create_table(
        "plan_focal_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["plan_edition.id"],
            name=op.f("fk_plan_focal_point_edition_id_plan_edition"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_focal_point")),
    )
    with op.batch_alter_table("plan_focal_point", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_focal_point_edition_id"), ["edition_id"], unique=False
        )

    op.create_table(
        "plan_goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["plan_edition.id"], name=op.f("fk_plan_goal_edition_id_plan_edition")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_goal")),
    )
    with op.batch_alter_table("plan_goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_goal_edition_id"), ["edition_id"], unique=False)

    op.create_table(
        "plan_objective",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("measure", sa.String(length=60), nullable=False),
        sa.Column("baseline_value", sa.Float(), nullable=True),
        sa.Column("baseline_on", sa.Date(), nullable=True),
        sa.Column("target_value", sa.Float(), nullable=True),
        sa.Column("target_on", sa.Date(), nullable=True),
        sa.Column("interim_targets", sa.JSON(), nullable=False),
        sa.Column("goals", sa.JSON(), nullable=False),
        sa.Column("focal_points", sa.JSON(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("agencies", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["plan_edition.id"],
            name=op.f("fk_plan_objective_edition_id_plan_edition"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_objective")),
    )
    with op.batch_alter_table("plan_objective", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_objective_edition_id"), ["edition_id"], unique=False
        )

    op.create_table(
        "plan_principle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("statements", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["plan_edition.id"],
            name=op.f("fk_plan_principle_edition_id_plan_edition"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_principle")),
    )
    with op.batch_alter_table("plan_principle", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_principle_edition_id"), ["edition_id"], unique=False
        )

    op.create_table(
        "plan_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("agency", sa.String(length=20), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["plan_edition.id"], name=op.f("fk_plan_action_edition_id_plan_edition")
        ),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["plan_objective.id"],
            name=op.f("fk_plan_action_objective_id_plan_objective"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_action")),
    )
    with op.batch_alter_table("plan_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_action_edition_id"), ["edition_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_plan_action_objective_id"), ["objective_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_action_objective_id"))
        batch_op.drop_index(batch_op.f("ix_plan_action_edition_id"))

    op.drop_table("plan_action")
    with op.batch_alter_table("plan_principle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_principle_edition_id"))

    op.drop_table("plan_principle")
    with op.batch_alter_table("plan_objective", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_objective_edition_id"))

    op.drop_table("plan_objective")
    with op.batch_alter_table("plan_goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_goal_edition_id"))

    op.drop_table("plan_goal")
    with op.batch_alter_table("plan_focal_point", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_focal_point_edition_id"))

    op.drop_table("plan_focal_point")
    with op.batch_alter_table("plan_measure_snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_measure_snapshot_taken_on"))
        batch_op.drop_index(batch_op.f("ix_plan_measure_snapshot_measure"))

    op.drop_table("plan_measure_snapshot")
    op.drop_table("plan_edition")
