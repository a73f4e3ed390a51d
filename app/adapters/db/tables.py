"""The schema. Every tenant-owned table has a `tenant_id` column; the tenancy guard relies on it."""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator):
    """Aware timestamps: stored with their zone on PostgreSQL, as UTC on SQLite."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Naive datetimes are not stored; attach a time zone.")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


tenants = sa.Table(
    "tenants",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("tenant_id", sa.Uuid, sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("prefix", sa.String(32), nullable=False, unique=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("salt", sa.String(32), nullable=False),
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("employee_id", sa.Uuid, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=True),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
    sa.Column("last_used_at", UtcDateTime, nullable=True),
    sa.Index("ix_api_keys_tenant_id_id", "tenant_id", "id"),
)


def is_tenant_owned(table: sa.Table) -> bool:
    return "tenant_id" in table.c


def _owned_by_tenant() -> sa.Column:
    return sa.Column("tenant_id", sa.Uuid, sa.ForeignKey("tenants.id"), nullable=False)


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    ]


competency_scales = sa.Table(
    "competency_scales",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("key", sa.String(100), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("levels", sa.JSON, nullable=False),
    sa.Column("proficient_level", sa.Integer, nullable=True),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "key"),
)

frameworks = sa.Table(
    "frameworks",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("key", sa.String(100), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "key"),
)

framework_versions = sa.Table(
    "framework_versions",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("framework_id", sa.Uuid, sa.ForeignKey("frameworks.id"), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=True),
    sa.Column("retired_at", UtcDateTime, nullable=True),
    sa.UniqueConstraint("framework_id", "number"),
    # One draft and one published version per framework at most, whatever the callers race.
    sa.Index(
        "uq_framework_versions_one_draft",
        "framework_id",
        unique=True,
        postgresql_where=sa.text("status = 'draft'"),
        sqlite_where=sa.text("status = 'draft'"),
    ),
    sa.Index(
        "uq_framework_versions_one_published",
        "framework_id",
        unique=True,
        postgresql_where=sa.text("status = 'published'"),
        sqlite_where=sa.text("status = 'published'"),
    ),
)

capabilities = sa.Table(
    "capabilities",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("framework_id", sa.Uuid, sa.ForeignKey("frameworks.id"), nullable=False),
    sa.Column("key", sa.String(100), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("framework_id", "key"),
    sa.Index("ix_capabilities_tenant_id_id", "tenant_id", "id"),
)

capability_groups = sa.Table(
    "capability_groups",
    metadata,
    _owned_by_tenant(),
    sa.Column(
        "framework_version_id",
        sa.Uuid,
        sa.ForeignKey("framework_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("parent_key", sa.String(100), nullable=True),
    sa.Column("position", sa.Integer, nullable=False),
)

capability_revisions = sa.Table(
    "capability_revisions",
    metadata,
    _owned_by_tenant(),
    sa.Column(
        "framework_version_id",
        sa.Uuid,
        sa.ForeignKey("framework_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("capability_id", sa.Uuid, sa.ForeignKey("capabilities.id"), primary_key=True),
    sa.Column("group_key", sa.String(100), nullable=True),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("scale_id", sa.Uuid, sa.ForeignKey("competency_scales.id"), nullable=False),
    sa.Column("indicators", sa.JSON, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Index("ix_capability_revisions_capability_id", "capability_id"),
    sa.Index("ix_capability_revisions_scale_id", "scale_id"),
)

roles = sa.Table(
    "roles",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("key", sa.String(100), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "key"),
)

role_requirements = sa.Table(
    "role_requirements",
    metadata,
    _owned_by_tenant(),
    sa.Column("role_id", sa.Uuid, sa.ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("capability_id", sa.Uuid, sa.ForeignKey("capabilities.id"), primary_key=True),
    sa.Column("required_level", sa.Integer, nullable=False),
    sa.Column("weight", sa.Float, nullable=False),
    sa.Column("core", sa.Boolean, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Index("ix_role_requirements_capability_id", "capability_id"),
)

org_units = sa.Table(
    "org_units",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("key", sa.String(100), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("parent_id", sa.Uuid, sa.ForeignKey("org_units.id"), nullable=True),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "key"),
    sa.Index("ix_org_units_parent_id", "parent_id"),
)

employees = sa.Table(
    "employees",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("external_id", sa.String(200), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("org_unit_id", sa.Uuid, sa.ForeignKey("org_units.id"), nullable=True),
    sa.Column("job_title", sa.String(200), nullable=True),
    sa.Column("job_level", sa.String(200), nullable=True),
    sa.Column("location", sa.String(200), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("hire_date", sa.Date, nullable=True),
    sa.Column("manager_id", sa.Uuid, sa.ForeignKey("employees.id"), nullable=True),
    sa.Column("manager_external_id", sa.String(200), nullable=True),
    sa.Column("current_role_id", sa.Uuid, sa.ForeignKey("roles.id"), nullable=True),
    sa.Column("role_effective_date", sa.Date, nullable=True),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "external_id"),
    sa.Index("ix_employees_tenant_id_id", "tenant_id", "id"),
    sa.Index("ix_employees_manager_id", "manager_id"),
    sa.Index("ix_employees_org_unit_id", "org_unit_id"),
    sa.Index("ix_employees_current_role_id", "current_role_id"),
    sa.Index(
        "ix_employees_pending_manager",
        "tenant_id",
        "manager_external_id",
        postgresql_where=sa.text("manager_external_id IS NOT NULL"),
        sqlite_where=sa.text("manager_external_id IS NOT NULL"),
    ),
)

employee_aspired_roles = sa.Table(
    "employee_aspired_roles",
    metadata,
    _owned_by_tenant(),
    sa.Column(
        "employee_id", sa.Uuid, sa.ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("role_id", sa.Uuid, sa.ForeignKey("roles.id"), primary_key=True),
)

cohorts = sa.Table(
    "cohorts",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("key", sa.String(100), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("rule", sa.JSON, nullable=True),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "key"),
)

cohort_members = sa.Table(
    "cohort_members",
    metadata,
    _owned_by_tenant(),
    sa.Column(
        "cohort_id", sa.Uuid, sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "employee_id", sa.Uuid, sa.ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True
    ),
)

idempotency_records = sa.Table(
    "idempotency_records",
    metadata,
    sa.Column("tenant_id", sa.Uuid, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("caller", sa.String(100), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("endpoint", sa.String(200), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("response", sa.JSON, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_idempotency_records_created_at", "created_at"),
)


def _tenant_key() -> sa.Column:
    return sa.Column("tenant_id", sa.Uuid, sa.ForeignKey("tenants.id"), primary_key=True)


assessment_policies = sa.Table(
    "assessment_policies",
    metadata,
    _tenant_key(),
    sa.Column("method", sa.String(32), nullable=False),
    sa.Column("weights", sa.JSON, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

assessments = sa.Table(
    "assessments",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("employee_id", sa.Uuid, sa.ForeignKey("employees.id"), nullable=False),
    sa.Column("role_id", sa.Uuid, sa.ForeignKey("roles.id"), nullable=False),
    sa.Column("purpose", sa.String(16), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("required_rater_types", sa.JSON, nullable=False),
    sa.Column("due_date", sa.Date, nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("opened_at", UtcDateTime, nullable=True),
    sa.Column("closed_at", UtcDateTime, nullable=True),
    # The workflow that drives the assessment, the run that opened it and the round of the
    # person's loop; plain columns (added to a populated table, and SQLite cannot add a
    # foreign key to one). Workflows are paused, never deleted.
    sa.Column("workflow_id", sa.Uuid, nullable=True),
    sa.Column("workflow_run_id", sa.Uuid, nullable=True),
    sa.Column("workflow_round", sa.Integer, nullable=True),
    sa.Index("ix_assessments_tenant_id_employee_id", "tenant_id", "employee_id"),
    sa.Index("ix_assessments_tenant_id_status", "tenant_id", "status"),
    sa.Index("ix_assessments_workflow_id", "workflow_id"),
    # A run opens one assessment per person, however often it is retried.
    sa.Index(
        "uq_assessments_workflow_run_id_employee_id", "workflow_run_id", "employee_id", unique=True
    ),
)


def _of_assessment() -> sa.Column:
    return sa.Column(
        "assessment_id",
        sa.Uuid,
        sa.ForeignKey("assessments.id", ondelete="CASCADE"),
        primary_key=True,
    )


assessment_items = sa.Table(
    "assessment_items",
    metadata,
    _owned_by_tenant(),
    _of_assessment(),
    sa.Column("capability_id", sa.Uuid, sa.ForeignKey("capabilities.id"), primary_key=True),
    sa.Column("required_level", sa.Integer, nullable=False),
    sa.Column("max_level", sa.Integer, nullable=False),
    sa.Column("weight", sa.Float, nullable=False),
    sa.Column("core", sa.Boolean, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
)

assessment_raters = sa.Table(
    "assessment_raters",
    metadata,
    _owned_by_tenant(),
    _of_assessment(),
    sa.Column("employee_id", sa.Uuid, sa.ForeignKey("employees.id"), primary_key=True),
    sa.Column("rater_type", sa.String(16), nullable=False),
    sa.Column("submitted_at", UtcDateTime, nullable=True),
    sa.Index("ix_assessment_raters_employee_id", "employee_id"),
)

ratings = sa.Table(
    "ratings",
    metadata,
    _owned_by_tenant(),
    _of_assessment(),
    sa.Column("rater_id", sa.Uuid, sa.ForeignKey("employees.id"), primary_key=True),
    sa.Column("capability_id", sa.Uuid, sa.ForeignKey("capabilities.id"), primary_key=True),
    sa.Column("level", sa.Integer, nullable=True),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("links", sa.JSON, nullable=False),
    sa.Column("rated_at", UtcDateTime, nullable=False),
)

assessment_results = sa.Table(
    "assessment_results",
    metadata,
    _owned_by_tenant(),
    _of_assessment(),
    sa.Column("capability_id", sa.Uuid, sa.ForeignKey("capabilities.id"), primary_key=True),
    sa.Column("level", sa.Integer, nullable=True),
    sa.Column("self_level", sa.Integer, nullable=True),
    sa.Column("manager_level", sa.Integer, nullable=True),
)

# The latest finalised level of each person in each capability: maintained when an assessment
# is finalised, so that gaps and roll-ups read one row per (person, capability) instead of
# searching the history.
current_levels = sa.Table(
    "current_levels",
    metadata,
    _tenant_key(),
    sa.Column("employee_id", sa.Uuid, sa.ForeignKey("employees.id"), primary_key=True),
    sa.Column("capability_id", sa.Uuid, sa.ForeignKey("capabilities.id"), primary_key=True),
    sa.Column("level", sa.Integer, nullable=False),
    sa.Column("assessment_id", sa.Uuid, sa.ForeignKey("assessments.id"), nullable=False),
    sa.Column("assessed_at", UtcDateTime, nullable=False),
)

learning_items = sa.Table(
    "learning_items",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("external_id", sa.String(200), nullable=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("url", sa.String(2000), nullable=True),
    sa.Column("format", sa.String(20), nullable=True),
    sa.Column("minutes", sa.Integer, nullable=False),
    sa.Column("cost", sa.Float, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    *_timestamps(),
    sa.Index("ix_learning_items_tenant_id_id", "tenant_id", "id"),
    sa.Index(
        "uq_learning_items_tenant_id_external_id",
        "tenant_id",
        "external_id",
        unique=True,
        postgresql_where=sa.text("external_id IS NOT NULL"),
        sqlite_where=sa.text("external_id IS NOT NULL"),
    ),
)

learning_targets = sa.Table(
    "learning_targets",
    metadata,
    _owned_by_tenant(),
    sa.Column(
        "item_id", sa.Uuid, sa.ForeignKey("learning_items.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("capability_id", sa.Uuid, sa.ForeignKey("capabilities.id"), primary_key=True),
    sa.Column("from_level", sa.Integer, nullable=False),
    sa.Column("to_level", sa.Integer, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Index("ix_learning_targets_capability_id", "capability_id"),
)

learning_prerequisites = sa.Table(
    "learning_prerequisites",
    metadata,
    _owned_by_tenant(),
    sa.Column(
        "item_id", sa.Uuid, sa.ForeignKey("learning_items.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("prerequisite_id", sa.Uuid, sa.ForeignKey("learning_items.id"), primary_key=True),
)

plan_policies = sa.Table(
    "plan_policies",
    metadata,
    _tenant_key(),
    sa.Column("generate_on_finalise", sa.Boolean, nullable=False),
    sa.Column("start_active", sa.Boolean, nullable=False),
    sa.Column("due_in_days", sa.Integer, nullable=False),
    sa.Column("reassess_after_days", sa.Integer, nullable=False),
    sa.Column("budget_minutes", sa.Integer, nullable=True),
    sa.Column("budget_cost", sa.Float, nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

OPEN_PLAN_STATUSES = sa.text("status IN ('draft', 'active')")

plans = sa.Table(
    "plans",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("employee_id", sa.Uuid, sa.ForeignKey("employees.id"), nullable=False),
    sa.Column("role_id", sa.Uuid, sa.ForeignKey("roles.id"), nullable=False),
    sa.Column("assessment_id", sa.Uuid, sa.ForeignKey("assessments.id"), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("minutes", sa.Integer, nullable=False),
    sa.Column("cost", sa.Float, nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("closed_at", UtcDateTime, nullable=True),
    sa.Column("reassessment_id", sa.Uuid, sa.ForeignKey("assessments.id"), nullable=True),
    *_timestamps(),
    sa.Index("ix_plans_tenant_id_employee_id", "tenant_id", "employee_id"),
    sa.Index("ix_plans_tenant_id_assessment_id", "tenant_id", "assessment_id"),
    # One open plan per employee: concurrent generations cannot both create one.
    sa.Index(
        "uq_plans_tenant_id_employee_id_open",
        "tenant_id",
        "employee_id",
        unique=True,
        postgresql_where=OPEN_PLAN_STATUSES,
        sqlite_where=OPEN_PLAN_STATUSES,
    ),
)

plan_items = sa.Table(
    "plan_items",
    metadata,
    _owned_by_tenant(),
    sa.Column("plan_id", sa.Uuid, sa.ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("learning_item_id", sa.Uuid, sa.ForeignKey("learning_items.id"), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("reason", sa.String(20), nullable=False),
    sa.Column("capability_ids", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("due_date", sa.Date, nullable=True),
    sa.Column("completed_at", UtcDateTime, nullable=True),
    sa.Column("completion_id", sa.String(200), nullable=True),
    # A completion id names one completion: reported again, it is found, not applied twice.
    sa.Index(
        "uq_plan_items_tenant_id_completion_id",
        "tenant_id",
        "completion_id",
        unique=True,
        postgresql_where=sa.text("completion_id IS NOT NULL"),
        sqlite_where=sa.text("completion_id IS NOT NULL"),
    ),
)

# The employee's reaction to an item they completed in a plan (training evaluation, level 1):
# one per plan and item, replaced when sent again. Keyed like plan_items but without a
# foreign key to them: a plan's items are rewritten whenever the plan is saved.
learning_feedback = sa.Table(
    "learning_feedback",
    metadata,
    _owned_by_tenant(),
    sa.Column("plan_id", sa.Uuid, sa.ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("learning_item_id", sa.Uuid, sa.ForeignKey("learning_items.id"), primary_key=True),
    sa.Column("rating", sa.Integer, nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("given_at", UtcDateTime, nullable=False),
    sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_1_to_5"),
    sa.Index("ix_learning_feedback_learning_item_id", "learning_item_id"),
)

plan_open_gaps = sa.Table(
    "plan_open_gaps",
    metadata,
    _owned_by_tenant(),
    sa.Column("plan_id", sa.Uuid, sa.ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("capability_id", sa.Uuid, sa.ForeignKey("capabilities.id"), primary_key=True),
    sa.Column("reached_level", sa.Integer, nullable=False),
    sa.Column("required_level", sa.Integer, nullable=False),
    sa.Column("shortfall", sa.String(20), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
)

workflows = sa.Table(
    "workflows",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("key", sa.String(100), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("active_since", UtcDateTime, nullable=False),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "key"),
    sa.Index("ix_workflows_status", "status"),
)

workflow_runs = sa.Table(
    "workflow_runs",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("workflow_id", sa.Uuid, sa.ForeignKey("workflows.id"), nullable=False),
    sa.Column("trigger", sa.String(40), nullable=False),
    sa.Column("period", sa.String(64), nullable=False),
    sa.Column("employee_id", sa.Uuid, sa.ForeignKey("employees.id"), nullable=True),
    sa.Column("fired_at", UtcDateTime, nullable=False),
    sa.Column("opened", sa.Integer, nullable=False),
    # The gate that makes a firing happen once across workers and retries.
    sa.UniqueConstraint("workflow_id", "trigger", "period"),
)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("assessment_id", sa.Uuid, sa.ForeignKey("assessments.id"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("claimed_until", UtcDateTime, nullable=True),
    sa.Column("sent_at", UtcDateTime, nullable=True),
    sa.Column("last_error", sa.String(300), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # Deciding the same notice twice queues it once.
    sa.UniqueConstraint("assessment_id", "kind", "sequence", "recipient"),
    sa.Index(
        "ix_notifications_pending",
        "next_attempt_at",
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    ),
    sa.Index("ix_notifications_tenant_id_status", "tenant_id", "status"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("employee_id", sa.Uuid, nullable=True),
    sa.Column("subject_id", sa.Uuid, nullable=True),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("dedupe_key", sa.String(100), nullable=True),
    sa.Column("processed_at", UtcDateTime, nullable=True),
    # Why the event was set aside unprocessed, if it was.
    sa.Column("error", sa.String(300), nullable=True),
    sa.UniqueConstraint("tenant_id", "dedupe_key"),
    sa.Index(
        "ix_events_unprocessed",
        "id",
        postgresql_where=sa.text("processed_at IS NULL"),
        sqlite_where=sa.text("processed_at IS NULL"),
    ),
)

webhook_subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("description", sa.String(500), nullable=False),
    sa.Column("event_types", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("disabled_reason", sa.String(200), nullable=True),
    sa.Column("secret", sa.String(100), nullable=False),
    sa.Column("previous_secret", sa.String(100), nullable=True),
    sa.Column("previous_secret_expires_at", UtcDateTime, nullable=True),
    *_timestamps(),
    sa.Index("ix_webhook_subscriptions_tenant_id_status", "tenant_id", "status"),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column(
        "subscription_id",
        sa.Uuid,
        sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("event_id", sa.Uuid, sa.ForeignKey("events.id"), nullable=False),
    sa.Column("event_type", sa.String(40), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("claimed_until", UtcDateTime, nullable=True),
    sa.Column("last_status_code", sa.Integer, nullable=True),
    sa.Column("last_error", sa.String(300), nullable=True),
    sa.Column("delivered_at", UtcDateTime, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # An event reaches each subscription once, however often the fan-out runs.
    sa.UniqueConstraint("subscription_id", "event_id"),
    sa.Index(
        "ix_webhook_deliveries_pending",
        "next_attempt_at",
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    ),
    sa.Index("ix_webhook_deliveries_subscription_id_id", "subscription_id", "id"),
)

scim_users = sa.Table(
    "scim_users",
    metadata,
    _owned_by_tenant(),
    sa.Column(
        "employee_id", sa.Uuid, sa.ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("user_name", sa.String(200), nullable=False),
    # userName is unique without regard to case (RFC 7643 4.1.1); Python lower-cases it.
    sa.Column("user_name_key", sa.String(200), nullable=False),
    sa.Column("external_id", sa.String(200), nullable=True),
    sa.Column("account", sa.JSON, nullable=False),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "user_name_key"),
    sa.Index("ix_scim_users_tenant_id_external_id", "tenant_id", "external_id"),
)

scim_groups = sa.Table(
    "scim_groups",
    metadata,
    _owned_by_tenant(),
    sa.Column(
        "cohort_id", sa.Uuid, sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("external_id", sa.String(200), nullable=True),
    sa.Column("document", sa.JSON, nullable=False),
    *_timestamps(),
)

audit_entries = sa.Table(
    "audit_entries",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target_type", sa.String(32), nullable=False),
    sa.Column("target_id", sa.String(200), nullable=False),
    sa.Column("changes", sa.JSON, nullable=False),
    sa.Index("ix_audit_entries_tenant_id_id", "tenant_id", "id"),
    sa.Index("ix_audit_entries_tenant_id_target_id", "tenant_id", "target_id"),
)

xapi_statements = sa.Table(
    "xapi_statements",
    metadata,
    sa.Column("tenant_id", sa.Uuid, sa.ForeignKey("tenants.id"), primary_key=True),
    # The LMS chooses statement ids, so they are unique per tenant, not across tenants.
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("plan_id", sa.Uuid, sa.ForeignKey("plans.id"), nullable=True),
    sa.Column("document", sa.JSON, nullable=False),
    sa.Column("stored_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_xapi_statements_tenant_id_outcome", "tenant_id", "outcome"),
)

case_documents = sa.Table(
    "case_documents",
    metadata,
    _owned_by_tenant(),
    sa.Column(
        "framework_id",
        sa.Uuid,
        sa.ForeignKey("frameworks.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("identifier", sa.String(200), nullable=False),
    sa.Column("uri", sa.String(1000), nullable=False),
    # CFDocument fields Tandem does not model, CFDefinitions, and associations outside its tree.
    sa.Column("extra", sa.JSON, nullable=False),
    sa.Column("definitions", sa.JSON, nullable=True),
    sa.Column("associations", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("tenant_id", "identifier"),
)

case_nodes = sa.Table(
    "case_nodes",
    metadata,
    _owned_by_tenant(),
    sa.Column(
        "framework_id",
        sa.Uuid,
        sa.ForeignKey("case_documents.framework_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("identifier", sa.String(200), nullable=False),
    sa.Column("uri", sa.String(1000), nullable=False),
    # The CFItem's fields Tandem does not model; the capability type the import gave it; the
    # isChildOf that placed it; the rubric, criterion and levels that measured it.
    sa.Column("extra", sa.JSON, nullable=False),
    sa.Column("typed_as", sa.String(16), nullable=True),
    sa.Column("placement", sa.JSON, nullable=True),
    sa.Column("measure", sa.JSON, nullable=True),
)

# Goals form a tree from the organisation (no employee, no unit) through teams (an org unit)
# to people (an employee); `parent_id` aligns a goal under the one it serves.
goals = sa.Table(
    "goals",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("employee_id", sa.Uuid, sa.ForeignKey("employees.id"), nullable=True),
    sa.Column("org_unit_id", sa.Uuid, sa.ForeignKey("org_units.id"), nullable=True),
    sa.Column("parent_id", sa.Uuid, sa.ForeignKey("goals.id"), nullable=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("kpi", sa.String(200), nullable=False),
    sa.Column("unit", sa.String(50), nullable=False),
    sa.Column("baseline", sa.Float, nullable=True),
    sa.Column("target", sa.Float, nullable=True),
    sa.Column("current_value", sa.Float, nullable=True),
    sa.Column("due_date", sa.Date, nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    *_timestamps(),
    sa.Index("ix_goals_tenant_id_employee_id", "tenant_id", "employee_id"),
    sa.Index("ix_goals_tenant_id_parent_id", "tenant_id", "parent_id"),
)

goal_capabilities = sa.Table(
    "goal_capabilities",
    metadata,
    _owned_by_tenant(),
    sa.Column("goal_id", sa.Uuid, sa.ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("capability_id", sa.Uuid, sa.ForeignKey("capabilities.id"), primary_key=True),
)

goal_progress = sa.Table(
    "goal_progress",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("goal_id", sa.Uuid, sa.ForeignKey("goals.id", ondelete="CASCADE"), nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Index("ix_goal_progress_tenant_id_goal_id", "tenant_id", "goal_id"),
)

checkin_templates = sa.Table(
    "checkin_templates",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("name", sa.String(200), nullable=False),
    # [{"key": ..., "text": ...}] in the order they are asked.
    sa.Column("questions", sa.JSON, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "name"),
)

checkins = sa.Table(
    "checkins",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("employee_id", sa.Uuid, sa.ForeignKey("employees.id"), nullable=False),
    sa.Column("manager_id", sa.Uuid, sa.ForeignKey("employees.id"), nullable=True),
    sa.Column("template_id", sa.Uuid, sa.ForeignKey("checkin_templates.id"), nullable=True),
    sa.Column("held_on", sa.Date, nullable=False),
    # [{"key", "question", "employee_answer", "manager_answer"}]: the questions as asked then.
    sa.Column("answers", sa.JSON, nullable=False),
    sa.Column("logged_by", sa.String(100), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_checkins_tenant_id_employee_id", "tenant_id", "employee_id"),
)

checkin_goals = sa.Table(
    "checkin_goals",
    metadata,
    _owned_by_tenant(),
    sa.Column(
        "checkin_id", sa.Uuid, sa.ForeignKey("checkins.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("goal_id", sa.Uuid, sa.ForeignKey("goals.id"), primary_key=True),
)

checkin_plan_items = sa.Table(
    "checkin_plan_items",
    metadata,
    _owned_by_tenant(),
    sa.Column(
        "checkin_id", sa.Uuid, sa.ForeignKey("checkins.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("plan_id", sa.Uuid, sa.ForeignKey("plans.id"), primary_key=True),
    sa.Column("learning_item_id", sa.Uuid, sa.ForeignKey("learning_items.id"), primary_key=True),
)

recognitions = sa.Table(
    "recognitions",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _owned_by_tenant(),
    sa.Column("employee_id", sa.Uuid, sa.ForeignKey("employees.id"), nullable=False),
    sa.Column("given_by", sa.Uuid, sa.ForeignKey("employees.id"), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("capability_id", sa.Uuid, sa.ForeignKey("capabilities.id"), nullable=True),
    sa.Column("goal_id", sa.Uuid, sa.ForeignKey("goals.id"), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_recognitions_tenant_id_employee_id", "tenant_id", "employee_id"),
)
