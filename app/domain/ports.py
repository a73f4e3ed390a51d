"""The ports the services need: repositories, the unit of work, and outside gateways.

Adapters implement these Protocols; services and tests depend on them only.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Protocol, Self

from app.domain.assessments import Assessment, CombinationRule, Rating, Result
from app.domain.audit import AuditEntry, AuditFilter
from app.domain.case import CaseRecord
from app.domain.checkins import Checkin, CheckinFilter, CheckinTemplate, PlanItemRef
from app.domain.cohorts import Cohort, CohortRule
from app.domain.development import Need, Plan, PlanPolicy
from app.domain.directory import Condition, ProvisionedGroup, ProvisionedUser
from app.domain.events import DomainEvent
from app.domain.frameworks import (
    CapabilityType,
    Framework,
    FrameworkContent,
    FrameworkVersion,
    KeyedRequirement,
)
from app.domain.gaps import RollUp
from app.domain.goals import Goal, GoalFilter, GoalProgress
from app.domain.impact import Feedback, Impact, ImpactBy
from app.domain.learning import LearningItem
from app.domain.notifications import Outgoing, Retry
from app.domain.pagination import Page, PageRequest
from app.domain.people import Employee, EmployeeStatus, OrgUnit
from app.domain.plans import LearningKind, Offer
from app.domain.recognitions import Recognition, RecognitionFilter
from app.domain.roles import RoleProfile
from app.domain.scales import CompetencyScale
from app.domain.tenants import ApiKey, Tenant
from app.domain.views import (
    AssessmentFilter,
    CapabilityView,
    EmployeeFilter,
    EmployeeUpsert,
    Grouping,
    PlanFilter,
    RoleAssignment,
    StoredResponse,
    UpsertOutcome,
)
from app.domain.webhooks import Delivery, OutgoingWebhook, WebhookSubscription
from app.domain.workflows import Notice, Opening, Workflow, WorkflowRun
from app.domain.workforce import Bench, CapabilityMaturity, Population
from app.domain.xapi import StatementOutcome, StoredStatement


class TenantRepository(Protocol):
    async def add(self, tenant: Tenant) -> None: ...

    async def get(self, tenant_id: uuid.UUID) -> Tenant | None: ...


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey) -> None: ...

    async def get(self, tenant_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None: ...

    async def list(self, tenant_id: uuid.UUID, page: PageRequest) -> Page[ApiKey]: ...

    async def record_use(self, key: ApiKey) -> None:
        """Store only `last_used_at`: never rewrite fields a concurrent revoke may have set."""
        ...

    async def mark_revoked(self, key: ApiKey) -> bool:
        """Store the revocation unless the key was already revoked; False in that case."""
        ...

    async def find_by_prefix(self, prefix: str) -> ApiKey | None:
        """The one lookup made before the tenant is known: prefixes are unique across tenants."""
        ...

    async def purge_dead(self, cutoff: datetime) -> int:
        """Delete, in every tenant, keys revoked or expired before `cutoff`; return how many."""
        ...


class ScaleRepository(Protocol):
    async def add(self, scale: CompetencyScale) -> None: ...

    async def get(self, tenant_id: uuid.UUID, scale_id: uuid.UUID) -> CompetencyScale | None: ...

    async def by_keys(
        self, tenant_id: uuid.UUID, keys: Collection[str]
    ) -> dict[str, CompetencyScale]: ...

    async def list(self, tenant_id: uuid.UUID, page: PageRequest) -> Page[CompetencyScale]: ...

    async def all(self, tenant_id: uuid.UUID) -> list[CompetencyScale]:
        """Every scale of the tenant (tens, not thousands), by key."""
        ...

    async def save(self, scale: CompetencyScale, *, previous_version: int) -> None:
        """Store a revised scale; Conflict if another request saved it since
        `previous_version` was read (every versioned save behaves so)."""
        ...

    async def levels_in_use(self, tenant_id: uuid.UUID, scale_id: uuid.UUID) -> set[int]:
        """Level values of this scale that role requirements (and, later, ratings) use."""
        ...

    async def in_use(self, tenant_id: uuid.UUID, scale_id: uuid.UUID) -> bool:
        """Whether any framework version measures a capability on this scale."""
        ...

    async def delete(self, tenant_id: uuid.UUID, scale_id: uuid.UUID) -> None: ...


class FrameworkRepository(Protocol):
    async def add(self, framework: Framework) -> None: ...

    async def get(self, tenant_id: uuid.UUID, framework_id: uuid.UUID) -> Framework | None: ...

    async def list(self, tenant_id: uuid.UUID, page: PageRequest) -> Page[Framework]: ...

    async def id_by_key(self, tenant_id: uuid.UUID, key: str) -> uuid.UUID | None: ...

    async def save(self, framework: Framework, *, previous_version: int) -> None: ...

    async def versions(
        self, tenant_id: uuid.UUID, framework_id: uuid.UUID
    ) -> list[FrameworkVersion]: ...

    async def add_version(self, version: FrameworkVersion) -> None: ...

    async def save_version(self, version: FrameworkVersion, *, previous_revision: int) -> None: ...

    async def content(self, tenant_id: uuid.UUID, version_id: uuid.UUID) -> FrameworkContent: ...

    async def requirements_on(
        self, tenant_id: uuid.UUID, framework_id: uuid.UUID
    ) -> list[KeyedRequirement]:
        """Every role requirement on a capability of this framework."""
        ...

    async def replace_content(
        self,
        version: FrameworkVersion,
        content: FrameworkContent,
        scale_ids: Mapping[str, uuid.UUID],
        now: datetime,
    ) -> None:
        """Make `content` the version's content, in a few set-based statements."""
        ...


class CapabilityRepository(Protocol):
    """Capabilities as their framework's current (published) version describes them."""

    async def list(
        self,
        tenant_id: uuid.UUID,
        page: PageRequest,
        *,
        framework_id: uuid.UUID | None = None,
        type: CapabilityType | None = None,
        search: str | None = None,
    ) -> Page[CapabilityView]: ...

    async def get(
        self, tenant_id: uuid.UUID, capability_id: uuid.UUID
    ) -> CapabilityView | None: ...

    async def get_many(
        self, tenant_id: uuid.UUID, capability_ids: Collection[uuid.UUID]
    ) -> list[CapabilityView]: ...

    async def max_levels(
        self, tenant_id: uuid.UUID, capability_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, int]:
        """For each published capability among the ids, its scale's top level."""
        ...


class RoleRepository(Protocol):
    async def add(self, role: RoleProfile) -> None: ...

    async def get(self, tenant_id: uuid.UUID, role_id: uuid.UUID) -> RoleProfile | None: ...

    async def get_many(
        self, tenant_id: uuid.UUID, role_ids: Collection[uuid.UUID]
    ) -> list[RoleProfile]: ...

    async def ids_by_keys(
        self, tenant_id: uuid.UUID, keys: Collection[str]
    ) -> dict[str, uuid.UUID]: ...

    async def existing(
        self, tenant_id: uuid.UUID, role_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]: ...

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, *, search: str | None = None
    ) -> Page[RoleProfile]: ...

    async def save(self, role: RoleProfile, *, previous_version: int) -> None: ...

    async def in_use(self, tenant_id: uuid.UUID, role_id: uuid.UUID) -> bool:
        """Whether anyone holds or aspires to the role."""
        ...

    async def delete(self, tenant_id: uuid.UUID, role_id: uuid.UUID) -> None: ...


class OrgUnitRepository(Protocol):
    async def add(self, unit: OrgUnit) -> None: ...

    async def get(self, tenant_id: uuid.UUID, unit_id: uuid.UUID) -> OrgUnit | None: ...

    async def get_many(
        self, tenant_id: uuid.UUID, unit_ids: Collection[uuid.UUID]
    ) -> list[OrgUnit]: ...

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, *, parent_id: uuid.UUID | None = None
    ) -> Page[OrgUnit]: ...

    async def save(self, unit: OrgUnit, *, previous_version: int) -> None: ...

    async def in_use(self, tenant_id: uuid.UUID, unit_id: uuid.UUID) -> bool:
        """Whether the unit has units below it, employees or team goals in it, or a cohort rule
        names it."""
        ...

    async def delete(self, tenant_id: uuid.UUID, unit_id: uuid.UUID) -> None: ...

    async def chain_up(self, tenant_id: uuid.UUID, unit_id: uuid.UUID) -> list[uuid.UUID]:
        """The unit and every unit above it, nearest first."""
        ...

    async def existing(
        self, tenant_id: uuid.UUID, unit_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]: ...

    async def ids_by_keys(
        self, tenant_id: uuid.UUID, keys: Collection[str]
    ) -> dict[str, uuid.UUID]: ...


class EmployeeRepository(Protocol):
    async def add(self, employee: Employee) -> None: ...

    async def get(self, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> Employee | None: ...

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, criteria: EmployeeFilter
    ) -> Page[Employee]: ...

    async def save(self, employee: Employee, *, previous_version: int) -> None: ...

    async def chain_up(self, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> list[uuid.UUID]:
        """The employee's manager, their manager, and so on to the top, nearest first."""
        ...

    async def upsert(
        self, tenant_id: uuid.UUID, rows: Sequence[EmployeeUpsert], now: datetime
    ) -> dict[str, UpsertOutcome]:
        """Insert or update by external id in one statement; rows identical to what is stored
        are left alone. Then link every employee waiting for a manager that now exists.
        Returns, per external id, the employee id and whether it was created, updated or
        unchanged."""
        ...

    async def lock_reporting_lines(self, tenant_id: uuid.UUID) -> None:
        """Until this transaction ends, keep other transactions from changing the tenant's
        reporting lines, so that two changes each harmless alone cannot close a cycle."""
        ...

    async def link_pending_managers(
        self, tenant_id: uuid.UUID, external_ids: Collection[str] | None = None
    ) -> None:
        """Link every employee whose manager (named by external id) now exists; with
        `external_ids`, only those among them and those waiting for one of them as their
        manager (what writing those employees can have changed)."""
        ...

    async def reporting_links_above(
        self, tenant_id: uuid.UUID, external_ids: Collection[str]
    ) -> dict[str, str | None]:
        """For these employees and everyone above them: external id -> their manager's
        external id (resolved or still pending), in one query."""
        ...

    async def ids_by_external_ids(
        self, tenant_id: uuid.UUID, external_ids: Collection[str]
    ) -> dict[str, uuid.UUID]: ...

    async def ids_by_emails(
        self, tenant_id: uuid.UUID, emails: Collection[str]
    ) -> dict[str, uuid.UUID]:
        """Lower-cased email -> the one employee with it (an address two people share is
        left out: it names nobody for sure)."""
        ...

    async def standing_by_external_ids(
        self, tenant_id: uuid.UUID, external_ids: Collection[str]
    ) -> dict[str, tuple[EmployeeStatus, str | None]]:
        """Per stored employee among `external_ids`: their status and their manager's
        external id (the reference as sent while that manager is not yet known)."""
        ...

    async def existing(
        self, tenant_id: uuid.UUID, employee_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]: ...

    async def assign_roles(
        self, tenant_id: uuid.UUID, assignments: Sequence[RoleAssignment], now: datetime
    ) -> dict[uuid.UUID, uuid.UUID | None]:
        """Apply the assignments in one statement; return the employees actually changed,
        each with the role they held before."""
        ...


class CohortRepository(Protocol):
    async def add(self, cohort: Cohort) -> None: ...

    async def get(self, tenant_id: uuid.UUID, cohort_id: uuid.UUID) -> Cohort | None: ...

    async def get_many(
        self, tenant_id: uuid.UUID, cohort_ids: Collection[uuid.UUID]
    ) -> list[Cohort]: ...

    async def list(self, tenant_id: uuid.UUID, page: PageRequest) -> Page[Cohort]: ...

    async def id_by_key(self, tenant_id: uuid.UUID, key: str) -> uuid.UUID | None: ...

    async def save(self, cohort: Cohort, *, previous_version: int) -> None: ...

    async def delete(self, tenant_id: uuid.UUID, cohort_id: uuid.UUID) -> None: ...

    async def members(self, cohort: Cohort, page: PageRequest) -> Page[Employee]:
        """Static members, or everyone the rule selects now, computed in one query."""
        ...

    async def add_members(self, cohort: Cohort, employee_ids: Collection[uuid.UUID]) -> None: ...

    async def remove_members(self, cohort: Cohort, employee_ids: Collection[uuid.UUID]) -> None: ...

    async def rule_member_ids(self, tenant_id: uuid.UUID, rule: CohortRule) -> set[uuid.UUID]: ...


class AssessmentRepository(Protocol):
    async def add(self, assessment: Assessment) -> None:
        """Store a new assessment with its items and raters."""
        ...

    async def add_many(self, assessments: Sequence[Assessment]) -> None:
        """Store new assessments with their items and raters in three statements."""
        ...

    async def lock(self, tenant_id: uuid.UUID, assessment_id: uuid.UUID) -> None:
        """Hold the assessment until the transaction ends (others wanting it wait)."""
        ...

    async def employees_of(
        self, tenant_id: uuid.UUID, assessment_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, uuid.UUID]:
        """Assessment id -> the assessed employee's id."""
        ...

    async def get(self, tenant_id: uuid.UUID, assessment_id: uuid.UUID) -> Assessment | None: ...

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, criteria: AssessmentFilter
    ) -> Page[Assessment]: ...

    async def save(self, assessment: Assessment, *, previous_version: int) -> None:
        """Store the status, timestamps and rater submissions."""
        ...

    async def replace_ratings(
        self, assessment: Assessment, rater_id: uuid.UUID, ratings: Sequence[Rating], now: datetime
    ) -> None: ...

    async def ratings(self, tenant_id: uuid.UUID, assessment_id: uuid.UUID) -> list[Rating]: ...

    async def record_results(
        self, assessment: Assessment, results: Sequence[Result], now: datetime
    ) -> None:
        """Store the results and make them the employee's current levels, superseding older
        ones (set-based)."""
        ...

    async def results(self, tenant_id: uuid.UUID, assessment_id: uuid.UUID) -> list[Result]: ...

    async def results_of_many(
        self, tenant_id: uuid.UUID, assessment_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[Result]]: ...

    async def latest_finalised(
        self, tenant_id: uuid.UUID, employee_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID]]:
        """Per employee, the (id, role id) of their most recently finalised assessment."""
        ...

    async def expire_overdue(
        self, today: date, now: datetime, cutoffs: Mapping[uuid.UUID, date]
    ) -> int:
        """In every tenant, expire unfinished assessments due before `today`, or for the
        assessments of a workflow in `cutoffs`, due before its cutoff (one statement);
        return how many."""
        ...

    async def workflow_rounds(
        self, tenant_id: uuid.UUID, assessment_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[uuid.UUID, int]]:
        """(workflow id, round) of those assessments a workflow drives."""
        ...

    async def join_workflow(
        self, tenant_id: uuid.UUID, links: Sequence[tuple[uuid.UUID, uuid.UUID, int]]
    ) -> None:
        """Mark each (assessment, workflow, round) as driven by the workflow, in that round."""
        ...

    async def policy(self, tenant_id: uuid.UUID) -> tuple[CombinationRule, int] | None:
        """The tenant's combination rule and its version, if one was set."""
        ...

    async def save_policy(
        self, tenant_id: uuid.UUID, rule: CombinationRule, version: int, now: datetime
    ) -> None: ...


class GapRepository(Protocol):
    """Read models of gap analysis; their meaning is defined in app.domain.gaps."""

    async def current_levels(
        self, tenant_id: uuid.UUID, employee_id: uuid.UUID
    ) -> dict[uuid.UUID, int]: ...

    async def current_levels_of_many(
        self, tenant_id: uuid.UUID, employee_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, dict[uuid.UUID, int]]:
        """Per employee, per capability, the current level: one query for all of them."""
        ...

    async def roll_up(
        self, tenant_id: uuid.UUID, grouping: Grouping, cohorts: Sequence[Cohort] = ()
    ) -> dict[str, list[RollUp]]:
        """Per group key, per required capability, in one query."""
        ...

    async def member_ids(
        self, tenant_id: uuid.UUID, grouping: Grouping, cohorts: Sequence[Cohort] = ()
    ) -> list[uuid.UUID]:
        """The active employees in any of the groups, each once."""
        ...

    async def training_needs(
        self,
        tenant_id: uuid.UUID,
        grouping: Grouping,
        cohorts: Sequence[Cohort],
        reach: Mapping[tuple[uuid.UUID, int], int],
    ) -> dict[str, list[Need]]:
        """Per group key, per required capability, as `app.domain.development.training_needs`
        defines, in one query."""
        ...


class WorkforceReportRepository(Protocol):
    """The workforce reports; their meaning is defined in app.domain.workforce."""

    async def capability_maturity(
        self,
        tenant_id: uuid.UUID,
        population: Population,
        page: PageRequest | None,
        *,
        framework_id: uuid.UUID | None = None,
    ) -> Page[CapabilityMaturity]:
        """Per capability in id order (all of them when `page` is None), in two queries."""
        ...

    async def succession_bench(
        self,
        tenant_id: uuid.UUID,
        population: Population,
        page: PageRequest | None,
        *,
        role_id: uuid.UUID | None = None,
    ) -> Page[Bench]:
        """Per role in id order (all of them when `page` is None), in two queries."""
        ...

    async def learning_impact(
        self,
        tenant_id: uuid.UUID,
        population: Population,
        by: ImpactBy,
        page: PageRequest | None,
    ) -> Page[Impact]:
        """As app.domain.impact.learning_impact defines, over the population's plans, in id
        order (all lines when `page` is None), in one query."""
        ...


class LearningRepository(Protocol):
    async def add(self, item: LearningItem) -> None: ...

    async def get(self, tenant_id: uuid.UUID, item_id: uuid.UUID) -> LearningItem | None: ...

    async def get_many(
        self, tenant_id: uuid.UUID, item_ids: Collection[uuid.UUID]
    ) -> list[LearningItem]: ...

    async def list(
        self,
        tenant_id: uuid.UUID,
        page: PageRequest,
        *,
        capability_id: uuid.UUID | None = None,
        kind: LearningKind | None = None,
        active: bool | None = None,
    ) -> Page[LearningItem]: ...

    async def save(self, item: LearningItem, *, previous_version: int) -> None: ...

    async def ids_by_external_ids(
        self, tenant_id: uuid.UUID, external_ids: Collection[str]
    ) -> dict[str, uuid.UUID]: ...

    async def prerequisite_graph(
        self, tenant_id: uuid.UUID
    ) -> dict[uuid.UUID, tuple[uuid.UUID, ...]]:
        """Every item of the tenant -> its prerequisites."""
        ...

    async def offers(self, tenant_id: uuid.UUID) -> list[Offer]:
        """The active catalogue as plan generation sees it."""
        ...


class PlanRepository(Protocol):
    async def add_many(self, plans: Sequence[Plan]) -> None:
        """Insert the plans with their items and open gaps in a fixed number of statements.
        Conflict when an employee would get a second open plan."""
        ...

    async def get(self, tenant_id: uuid.UUID, plan_id: uuid.UUID) -> Plan | None: ...

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, criteria: PlanFilter
    ) -> Page[Plan]: ...

    async def lock(self, tenant_id: uuid.UUID, plan_id: uuid.UUID) -> None:
        """Hold the plan until the transaction ends, so concurrent reports queue."""
        ...

    async def open_plans(
        self, tenant_id: uuid.UUID, employee_ids: Collection[uuid.UUID], *, lock: bool = False
    ) -> dict[uuid.UUID, Plan]:
        """Each employee's draft or active plan, if they have one (held until the
        transaction ends when `lock`)."""
        ...

    async def completed_items(
        self, tenant_id: uuid.UUID, employee_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, set[uuid.UUID]]:
        """Per employee, the learning items they completed in any plan."""
        ...

    async def planned_assessments(
        self, tenant_id: uuid.UUID, assessment_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Those of the assessments some plan that was not cancelled came from."""
        ...

    async def save_many(self, changes: Sequence[tuple[Plan, int]]) -> None:
        """Save (plan, version it was read at) pairs; Conflict when one was changed since."""
        ...

    async def completions(
        self, tenant_id: uuid.UUID, completion_ids: Collection[str]
    ) -> dict[str, tuple[uuid.UUID, uuid.UUID]]:
        """Completion id -> (employee, learning item) it was recorded for, in any plan."""
        ...

    async def feedback(
        self, tenant_id: uuid.UUID, plan_id: uuid.UUID, learning_item_id: uuid.UUID
    ) -> Feedback | None: ...

    async def put_feedback(self, feedback: Feedback) -> None:
        """Store the feedback, replacing any given before for the plan and item."""
        ...

    async def policy(self, tenant_id: uuid.UUID) -> tuple[PlanPolicy, int] | None: ...

    async def save_policy(
        self, tenant_id: uuid.UUID, policy: PlanPolicy, version: int, now: datetime
    ) -> None: ...


class CheckinRepository(Protocol):
    async def add_template(self, template: CheckinTemplate) -> None: ...

    async def get_template(
        self, tenant_id: uuid.UUID, template_id: uuid.UUID
    ) -> CheckinTemplate | None: ...

    async def templates_by_ids(
        self, tenant_id: uuid.UUID, template_ids: Collection[uuid.UUID]
    ) -> list[CheckinTemplate]: ...

    async def list_templates(
        self, tenant_id: uuid.UUID, page: PageRequest, *, active: bool | None = None
    ) -> Page[CheckinTemplate]:
        """Oldest first."""
        ...

    async def template_named(self, tenant_id: uuid.UUID, name: str) -> uuid.UUID | None:
        """The id of the tenant's template with this name, if any."""
        ...

    async def save_template(self, template: CheckinTemplate, *, previous_version: int) -> None: ...

    async def add(self, checkin: Checkin) -> None:
        """Insert the check-in with its goal and plan item links."""
        ...

    async def get(self, tenant_id: uuid.UUID, checkin_id: uuid.UUID) -> Checkin | None: ...

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, criteria: CheckinFilter
    ) -> Page[Checkin]:
        """Newest first: by the day held, then the order logged."""
        ...

    async def goals_of(
        self, tenant_id: uuid.UUID, employee_id: uuid.UUID, goal_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Those of the goals that are the employee's own."""
        ...

    async def plan_items_of(
        self, tenant_id: uuid.UUID, employee_id: uuid.UUID, items: Collection[PlanItemRef]
    ) -> set[PlanItemRef]:
        """Those of the items that are items of the employee's plans."""
        ...


class GoalRepository(Protocol):
    async def add(self, goal: Goal) -> None:
        """Insert the goal with its capability links."""
        ...

    async def get(self, tenant_id: uuid.UUID, goal_id: uuid.UUID) -> Goal | None: ...

    async def get_many(self, tenant_id: uuid.UUID, goal_ids: Collection[uuid.UUID]) -> list[Goal]:
        """Those of the ids that are goals of the tenant, in one query per table."""
        ...

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, criteria: GoalFilter
    ) -> Page[Goal]:
        """Oldest first."""
        ...

    async def lock(self, tenant_id: uuid.UUID, goal_id: uuid.UUID) -> None:
        """Hold the goal until the transaction ends, so concurrent updates queue."""
        ...

    async def lock_alignment(self, tenant_id: uuid.UUID) -> None:
        """Until this transaction ends, keep others from re-aligning the tenant's goals, so
        that two moves each harmless alone cannot close a cycle."""
        ...

    async def save(self, goal: Goal, *, previous_version: int) -> None:
        """Store the goal's fields and capability links; Conflict if changed since."""
        ...

    async def ancestors(self, tenant_id: uuid.UUID, goal_id: uuid.UUID) -> list[Goal]:
        """The goals above this one, nearest first, as `app.domain.goals.alignment` defines,
        in one recursive query."""
        ...

    async def add_progress(self, update: GoalProgress) -> None: ...

    async def progress(
        self, tenant_id: uuid.UUID, goal_id: uuid.UUID, page: PageRequest
    ) -> Page[GoalProgress]:
        """Oldest first."""
        ...

    async def recent_progress(
        self, tenant_id: uuid.UUID, goal_ids: Collection[uuid.UUID], per_goal: int
    ) -> dict[uuid.UUID, list[GoalProgress]]:
        """Per goal, its latest `per_goal` updates, oldest first, in one query."""
        ...


class RecognitionRepository(Protocol):
    async def add(self, recognition: Recognition) -> None: ...

    async def get(self, tenant_id: uuid.UUID, recognition_id: uuid.UUID) -> Recognition | None: ...

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, criteria: RecognitionFilter
    ) -> Page[Recognition]:
        """Newest first."""
        ...


class WorkflowRepository(Protocol):
    async def add(self, workflow: Workflow) -> None: ...

    async def get(self, tenant_id: uuid.UUID, workflow_id: uuid.UUID) -> Workflow | None: ...

    async def id_by_key(self, tenant_id: uuid.UUID, key: str) -> uuid.UUID | None: ...

    async def list(self, tenant_id: uuid.UUID, page: PageRequest) -> Page[Workflow]: ...

    async def save(self, workflow: Workflow, *, previous_version: int) -> None: ...

    async def every_tenant(self, *, active_only: bool) -> list[Workflow]:
        """Every tenant's workflows (the active ones only, if asked): the scheduler's list."""
        ...

    async def last_periods(
        self, workflow_ids: Collection[uuid.UUID]
    ) -> dict[tuple[uuid.UUID, str], str]:
        """The latest period fired per (workflow, trigger)."""
        ...

    async def claim_runs(self, runs: Sequence[WorkflowRun]) -> list[WorkflowRun]:
        """Store each run unless its (workflow, trigger, period) already has one, in one
        statement; return those this call stored. A concurrent claimer of the same run
        waits for the first transaction and does not get it once that commits."""
        ...

    async def open_assessments(
        self,
        tenant_id: uuid.UUID,
        opening: Opening,
        target: Grouping,
        cohorts: Sequence[Cohort],
        notices: Sequence[Notice],
    ) -> int:
        """Open an assessment of each targeted active person against their current role
        (skipping anyone without a role whose capabilities are published, without a manager
        when the manager rates, or with an unfinished assessment of that role), with its items
        and raters, and queue `notices` about each: set-based, a fixed number of statements
        for any number of people. Returns how many were opened."""
        ...

    async def would_open(
        self,
        tenant_id: uuid.UUID,
        opening: Opening,
        target: Grouping,
        cohorts: Sequence[Cohort],
        page: PageRequest,
    ) -> tuple[int, Page[uuid.UUID]]:
        """Who `open_assessments` would open for now: how many, and a page of their ids."""
        ...

    async def record_opened(self, tenant_id: uuid.UUID, run_id: uuid.UUID, opened: int) -> None: ...

    async def runs(
        self, tenant_id: uuid.UUID, workflow_id: uuid.UUID, page: PageRequest
    ) -> Page[WorkflowRun]: ...


class NotificationRepository(Protocol):
    async def claim(self, now: datetime, limit: int) -> list[Outgoing]:
        """Up to `limit` pending notifications that are due and not claimed by a live
        sender, across tenants, claimed until the lease ends (FOR UPDATE SKIP LOCKED, so
        concurrent drainers take different rows); a claim that outlives its lease is taken
        again by the next drain, which is the sweep for a sender that died."""
        ...

    async def record(
        self, outcomes: Sequence[tuple[uuid.UUID, Retry, str | None]], lease: datetime
    ) -> None:
        """Store each attempt's outcome (delivered, retried later, or dead-lettered) on the
        rows still held under `lease` (their claim's end): a sender whose lease lapsed and
        was taken over cannot overwrite what the next sender recorded."""
        ...

    async def list(
        self,
        tenant_id: uuid.UUID,
        page: PageRequest,
        *,
        assessment_id: uuid.UUID | None = None,
        status: str | None = None,
    ) -> Page[Outgoing]: ...


class EventRepository(Protocol):
    async def record(self, events: Sequence[DomainEvent]) -> None:
        """Add the events to the outbox, in the caller's transaction; one with a dedupe key
        already recorded is skipped."""
        ...

    async def unprocessed(self, limit: int) -> list[DomainEvent]:
        """Up to `limit` unprocessed events across tenants, oldest first, locked for this
        transaction (FOR UPDATE SKIP LOCKED: a concurrent processor takes others)."""
        ...

    async def mark_processed(self, event_ids: Collection[uuid.UUID], now: datetime) -> None: ...

    async def mark_failed(self, event_id: uuid.UUID, error: str, now: datetime) -> None:
        """Set the event aside as processed, with the error that stopped it."""
        ...

    async def plans_overdue(self, today: date, now: datetime) -> int:
        """Record plan_overdue, once per plan, for every active plan past its due date in
        every tenant, in one statement. Returns how many were new."""
        ...


class WebhookRepository(Protocol):
    async def add(self, subscription: WebhookSubscription) -> None: ...

    async def get(
        self, tenant_id: uuid.UUID, subscription_id: uuid.UUID
    ) -> WebhookSubscription | None: ...

    async def list(self, tenant_id: uuid.UUID, page: PageRequest) -> Page[WebhookSubscription]: ...

    async def save(self, subscription: WebhookSubscription, *, previous_version: int) -> None: ...

    async def delete(self, tenant_id: uuid.UUID, subscription_id: uuid.UUID) -> None: ...

    async def active_of(self, tenant_ids: Collection[uuid.UUID]) -> list[WebhookSubscription]:
        """The active subscriptions of these tenants."""
        ...

    async def enqueue(self, deliveries: Sequence[Delivery]) -> None:
        """Add deliveries to the outbox; one already there for its (subscription, event) is
        skipped, so a fan-out run twice delivers once."""
        ...

    async def claim(self, now: datetime, limit: int) -> list[OutgoingWebhook]:
        """As NotificationRepository.claim, for webhook deliveries, each with its event's
        body and its subscription's URL and secrets as they are now."""
        ...

    async def record(
        self,
        outcomes: Sequence[tuple[uuid.UUID, Retry, int | None, str | None]],
        lease: datetime,
    ) -> None:
        """Store each attempt's outcome, (delivery, retry decision, HTTP status, error), on
        the rows still held under `lease`, as NotificationRepository.record."""
        ...

    async def disable(
        self, subscription_ids: Collection[uuid.UUID], reason: str, now: datetime
    ) -> None:
        """Disable those of the subscriptions still active, whatever their version."""
        ...

    async def deliveries(
        self, tenant_id: uuid.UUID, subscription_id: uuid.UUID, page: PageRequest
    ) -> Page[Delivery]: ...


class DirectoryRepository(Protocol):
    """The identity provider's view of employees (accounts) and static cohorts (groups)."""

    async def identities(
        self, tenant_id: uuid.UUID, employee_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, ProvisionedUser]: ...

    async def employee_with_user_name(
        self, tenant_id: uuid.UUID, user_name: str
    ) -> uuid.UUID | None:
        """The employee whose account has this user name, compared without case."""
        ...

    async def add_identity(self, identity: ProvisionedUser) -> None: ...

    async def save_identity(self, identity: ProvisionedUser, *, previous_version: int) -> None: ...

    async def search_users(
        self, tenant_id: uuid.UUID, condition: Condition | None, *, offset: int, limit: int
    ) -> tuple[int, list[uuid.UUID]]:
        """How many employees match (as `app.domain.directory.matches` defines over
        `DirectoryUser.facts`), and the ids of a window of them, oldest first."""
        ...

    async def unit_keys(self, tenant_id: uuid.UUID, departments: Collection[str]) -> dict[str, str]:
        """Department as sent -> the key of the org unit it names (by key, else by name
        compared without case)."""
        ...

    async def groups(
        self, tenant_id: uuid.UUID, cohort_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, ProvisionedGroup]: ...

    async def add_group(self, group: ProvisionedGroup) -> None: ...

    async def save_group(self, group: ProvisionedGroup, *, previous_version: int) -> None: ...

    async def search_groups(
        self, tenant_id: uuid.UUID, condition: Condition | None, *, offset: int, limit: int
    ) -> tuple[int, list[uuid.UUID]]:
        """As search_users, over static cohorts."""
        ...

    async def member_ids(
        self, tenant_id: uuid.UUID, cohort_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        """Per static cohort, its members' ids, in one query."""
        ...


class StatementRepository(Protocol):
    """xAPI statements received, each once per tenant by its id."""

    async def get_many(
        self, tenant_id: uuid.UUID, statement_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, StoredStatement]: ...

    async def store(self, statements: Sequence[StoredStatement]) -> None:
        """Insert new statements and update the outcome of those stored before."""
        ...

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, *, outcome: StatementOutcome | None
    ) -> Page[StoredStatement]: ...


class CaseRecordRepository(Protocol):
    """What a framework's CASE import kept: one record per framework."""

    async def framework_of(self, tenant_id: uuid.UUID, identifier: str) -> uuid.UUID | None:
        """The framework imported from the CFDocument with this identifier."""
        ...

    async def get(self, tenant_id: uuid.UUID, framework_id: uuid.UUID) -> CaseRecord | None: ...

    async def save(
        self, tenant_id: uuid.UUID, framework_id: uuid.UUID, record: CaseRecord, now: datetime
    ) -> None:
        """Replace the framework's record."""
        ...


class AuditLog(Protocol):
    async def record(self, entries: Sequence[AuditEntry]) -> None:
        """Append the entries in the caller's transaction."""
        ...

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, criteria: AuditFilter
    ) -> Page[AuditEntry]:
        """Oldest first."""
        ...


class IdempotencyStore(Protocol):
    async def claim(
        self,
        tenant_id: uuid.UUID,
        *,
        caller: str,
        key: str,
        endpoint: str,
        fingerprint: str,
        now: datetime,
    ) -> StoredResponse | None:
        """Reserve the key for this transaction, or return what an earlier request with the
        same key stored. A concurrent request with the key waits until this one ends."""
        ...

    async def complete(
        self, tenant_id: uuid.UUID, *, caller: str, key: str, response: dict
    ) -> None: ...


class UnitOfWork(Protocol):
    """One transaction. Entering opens it; only `commit` makes its writes stay."""

    tenants: TenantRepository
    api_keys: ApiKeyRepository
    scales: ScaleRepository
    frameworks: FrameworkRepository
    capabilities: CapabilityRepository
    roles: RoleRepository
    org_units: OrgUnitRepository
    employees: EmployeeRepository
    cohorts: CohortRepository
    assessments: AssessmentRepository
    gaps: GapRepository
    learning: LearningRepository
    plans: PlanRepository
    checkins: CheckinRepository
    goals: GoalRepository
    recognitions: RecognitionRepository
    workflows: WorkflowRepository
    notifications: NotificationRepository
    events: EventRepository
    webhooks: WebhookRepository
    idempotency: IdempotencyStore
    directory: DirectoryRepository
    statements: StatementRepository
    case_records: CaseRecordRepository
    audit: AuditLog
    workforce: WorkforceReportRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class TokenVerifier(Protocol):
    """Checks a bearer token's signature and claims; returns them or raises Unauthenticated."""

    def verify(self, token: str) -> Mapping[str, object]: ...


class RateCounter(Protocol):
    """Counts requests per key and window, shared by every process of the service."""

    async def increment(self, key: str, *, window: int, expires_in: int) -> int:
        """Add one request to (key, window); return the window's count including it. The
        count may be forgotten `expires_in` seconds after the window's first request."""
        ...


class DependencyProbe(Protocol):
    """Something the service needs to be ready (the database, Redis)."""

    name: str

    async def check(self) -> None:
        """Return when reachable; raise any exception when not."""
        ...
