"""The learning catalogue: items, the capability levels they develop, prerequisites.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "learning_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("format", sa.String(length=20), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_learning_items_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_items")),
    )
    with op.batch_alter_table("learning_items", schema=None) as batch_op:
        batch_op.create_index("ix_learning_items_tenant_id_id", ["tenant_id", "id"], unique=False)
        batch_op.create_index(
            "uq_learning_items_tenant_id_external_id",
            ["tenant_id", "external_id"],
            unique=True,
            postgresql_where=sa.text("external_id IS NOT NULL"),
            sqlite_where=sa.text("external_id IS NOT NULL"),
        )

    op.create_table(
        "learning_prerequisites",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("prerequisite_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["learning_items.id"],
            name=op.f("fk_learning_prerequisites_item_id_learning_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prerequisite_id"],
            ["learning_items.id"],
            name=op.f("fk_learning_prerequisites_prerequisite_id_learning_items"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_learning_prerequisites_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint(
            "item_id", "prerequisite_id", name=op.f("pk_learning_prerequisites")
        ),
    )
    op.create_table(
        "learning_targets",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("capability_id", sa.Uuid(), nullable=False),
        sa.Column("from_level", sa.Integer(), nullable=False),
        sa.Column("to_level", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["capability_id"],
            ["capabilities.id"],
            name=op.f("fk_learning_targets_capability_id_capabilities"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["learning_items.id"],
            name=op.f("fk_learning_targets_item_id_learning_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_learning_targets_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("item_id", "capability_id", name=op.f("pk_learning_targets")),
    )
    with op.batch_alter_table("learning_targets", schema=None) as batch_op:
        batch_op.create_index("ix_learning_targets_capability_id", ["capability_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("learning_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_targets_capability_id")

    op.drop_table("learning_targets")
    op.drop_table("learning_prerequisites")
    with op.batch_alter_table("learning_items", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_learning_items_tenant_id_external_id",
            postgresql_where=sa.text("external_id IS NOT NULL"),
            sqlite_where=sa.text("external_id IS NOT NULL"),
        )
        batch_op.drop_index("ix_learning_items_tenant_id_id")

    op.drop_table("learning_items")
