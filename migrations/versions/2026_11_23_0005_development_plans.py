"""Development plans: tenant plan settings, plans, their items and the gaps they leave open.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_policies",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("generate_on_finalise", sa.Boolean(), nullable=False),
        sa.Column("start_active", sa.Boolean(), nullable=False),
        sa.Column("due_in_days", sa.Integer(), nullable=False),
        sa.Column("reassess_after_days", sa.Integer(), nullable=False),
        sa.Column("budget_minutes", sa.Integer(), nullable=True),
        sa.Column("budget_cost", sa.Float(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_plan_policies_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_plan_policies")),
    )
    op.create_table(
        "plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("role_id", sa.Uuid(), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reassessment_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_plans_assessment_id_assessments")
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_plans_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["reassessment_id"],
            ["assessments.id"],
            name=op.f("fk_plans_reassessment_id_assessments"),
        ),
        sa.ForeignKeyConstraint(["role_id"], ["roles.id"], name=op.f("fk_plans_role_id_roles")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_plans_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(
            "ix_plans_tenant_id_assessment_id", ["tenant_id", "assessment_id"], unique=False
        )
        batch_op.create_index(
            "ix_plans_tenant_id_employee_id", ["tenant_id", "employee_id"], unique=False
        )
        batch_op.create_index(
            "uq_plans_tenant_id_employee_id_open",
            ["tenant_id", "employee_id"],
            unique=True,
            postgresql_where=sa.text("status IN ('draft', 'active')"),
            sqlite_where=sa.text("status IN ('draft', 'active')"),
        )

    op.create_table(
        "plan_items",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("learning_item_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("capability_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completion_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["learning_item_id"],
            ["learning_items.id"],
            name=op.f("fk_plan_items_learning_item_id_learning_items"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_items_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_plan_items_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("plan_id", "learning_item_id", name=op.f("pk_plan_items")),
    )
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.create_index(
            "uq_plan_items_tenant_id_completion_id",
            ["tenant_id", "completion_id"],
            unique=True,
            postgresql_where=sa.text("completion_id IS NOT NULL"),
            sqlite_where=sa.text("completion_id IS NOT NULL"),
        )

    op.create_table(
        "plan_open_gaps",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("capability_id", sa.Uuid(), nullable=False),
        sa.Column("reached_level", sa.Integer(), nullable=False),
        sa.Column("required_level", sa.Integer(), nullable=False),
        sa.Column("shortfall", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["capability_id"],
            ["capabilities.id"],
            name=op.f("fk_plan_open_gaps_capability_id_capabilities"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_plan_open_gaps_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_plan_open_gaps_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("plan_id", "capability_id", name=op.f("pk_plan_open_gaps")),
    )


def downgrade() -> None:
    op.drop_table("plan_open_gaps")
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_plan_items_tenant_id_completion_id",
            postgresql_where=sa.text("completion_id IS NOT NULL"),
            sqlite_where=sa.text("completion_id IS NOT NULL"),
        )

    op.drop_table("plan_items")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_plans_tenant_id_employee_id_open",
            postgresql_where=sa.text("status IN ('draft', 'active')"),
            sqlite_where=sa.text("status IN ('draft', 'active')"),
        )
        batch_op.drop_index("ix_plans_tenant_id_employee_id")
        batch_op.drop_index("ix_plans_tenant_id_assessment_id")

    op.drop_table("plans")
    op.drop_table("plan_policies")
