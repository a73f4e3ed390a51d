"""Provisioning and the audit log: the identity provider's accounts (scim_users, one per
provisioned employee) and groups (scim_groups, one per static cohort it manages), and
xapi_statements, the LMS completions received, and audit_entries, appended by every
integration call.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=200), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_audit_entries_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entries_tenant_id_id", ["tenant_id", "id"], unique=False)
        batch_op.create_index(
            "ix_audit_entries_tenant_id_target_id", ["tenant_id", "target_id"], unique=False
        )

    op.create_table(
        "scim_groups",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_scim_groups_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_scim_groups_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("cohort_id", name=op.f("pk_scim_groups")),
    )
    op.create_table(
        "scim_users",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("user_name_key", sa.String(length=200), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("account", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_scim_users_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_scim_users_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("employee_id", name=op.f("pk_scim_users")),
        sa.UniqueConstraint(
            "tenant_id", "user_name_key", name=op.f("uq_scim_users_tenant_id_user_name_key")
        ),
    )
    with op.batch_alter_table("scim_users", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scim_users_tenant_id_external_id", ["tenant_id", "external_id"], unique=False
        )

    op.create_table(
        "xapi_statements",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_xapi_statements_plan_id_plans")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_xapi_statements_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_xapi_statements")),
    )
    with op.batch_alter_table("xapi_statements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_xapi_statements_tenant_id_outcome", ["tenant_id", "outcome"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("xapi_statements", schema=None) as batch_op:
        batch_op.drop_index("ix_xapi_statements_tenant_id_outcome")

    op.drop_table("xapi_statements")
    with op.batch_alter_table("scim_users", schema=None) as batch_op:
        batch_op.drop_index("ix_scim_users_tenant_id_external_id")

    op.drop_table("scim_users")
    op.drop_table("scim_groups")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_tenant_id_target_id")
        batch_op.drop_index("ix_audit_entries_tenant_id_id")

    op.drop_table("audit_entries")
