"""Training evaluation beside learning impact: the employee's rating (1 to 5) and comment on
each learning item they completed in a plan, one per plan and item.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "learning_feedback",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("learning_item_id", sa.Uuid(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rating BETWEEN 1 AND 5", name=op.f("ck_learning_feedback_rating_1_to_5")
        ),
        sa.ForeignKeyConstraint(
            ["learning_item_id"],
            ["learning_items.id"],
            name=op.f("fk_learning_feedback_learning_item_id_learning_items"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_learning_feedback_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_learning_feedback_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("plan_id", "learning_item_id", name=op.f("pk_learning_feedback")),
    )
    with op.batch_alter_table("learning_feedback", schema=None) as batch_op:
        batch_op.create_index(
            "ix_learning_feedback_learning_item_id", ["learning_item_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("learning_feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_feedback_learning_item_id")

    op.drop_table("learning_feedback")
