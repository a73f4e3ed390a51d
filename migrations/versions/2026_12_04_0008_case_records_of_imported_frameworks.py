"""CASE records: for each framework imported from a CFPackage, its CFDocument identity and
the fields Tandem does not model (case_documents), and the identifier and uri each group,
and capability key holds, with what placed and measured it (case_nodes), so re-imports update and exports say what came.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_documents",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("framework_id", sa.Uuid(), nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("uri", sa.String(length=1000), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("definitions", sa.JSON(), nullable=True),
        sa.Column("associations", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["frameworks.id"],
            name=op.f("fk_case_documents_framework_id_frameworks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_case_documents_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("framework_id", name=op.f("pk_case_documents")),
        sa.UniqueConstraint(
            "tenant_id", "identifier", name=op.f("uq_case_documents_tenant_id_identifier")
        ),
    )
    op.create_table(
        "case_nodes",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("framework_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("uri", sa.String(length=1000), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("typed_as", sa.String(length=16), nullable=True),
        sa.Column("placement", sa.JSON(), nullable=True),
        sa.Column("measure", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["case_documents.framework_id"],
            name=op.f("fk_case_nodes_framework_id_case_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_case_nodes_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("framework_id", "kind", "key", name=op.f("pk_case_nodes")),
    )


def downgrade() -> None:
    op.drop_table("case_nodes")
    op.drop_table("case_documents")
