"""GraphQL for workflow automation and the notifications it queues (hr_admin). A definition
travels as JSON, in the format REST documents: GraphQL has no input unions, and the domain
validates it, naming each problem's path (`definition.steps.2.for`)."""

import uuid
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.domain.notifications import DeliveryStatus as DomainDeliveryStatus
from app.domain.notifications import Outgoing
from app.domain.workflow_documents import document_of
from app.domain.workflows import Workflow as DomainWorkflow
from app.domain.workflows import WorkflowRun as DomainWorkflowRun
from app.domain.workflows import WorkflowStatus as DomainWorkflowStatus
from app.graphql.context import Info
from app.graphql.pagination import Connection, page_request
from app.graphql.people import Employee
from app.services import notifications, workflows

WorkflowStatus = strawberry.enum(DomainWorkflowStatus, name="WorkflowStatus")
DeliveryStatus = strawberry.enum(DomainDeliveryStatus, name="DeliveryStatus")


@strawberry.type
class Workflow:
    id: uuid.UUID
    key: str
    name: str
    status: WorkflowStatus
    definition: JSON = strawberry.field(
        description="Target, triggers and steps, with the defaults filled in."
    )
    active_since: datetime = strawberry.field(
        description="Schedule periods before this are never fired."
    )
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, workflow: DomainWorkflow) -> "Workflow":
        return cls(
            id=workflow.id,
            key=workflow.key,
            name=workflow.name,
            status=workflow.status,
            definition=document_of(workflow.definition),
            active_since=workflow.active_since,
            version=workflow.version,
            created_at=workflow.created_at,
            updated_at=workflow.updated_at,
        )


@strawberry.type
class WorkflowRun:
    id: uuid.UUID
    trigger: str = strawberry.field(description="`schedule:<index of the trigger>`, or the event.")
    period: str
    fired_at: datetime
    opened: int = strawberry.field(description="Assessments the firing opened.")
    employee_id: uuid.UUID | None

    @classmethod
    def of(cls, run: DomainWorkflowRun) -> "WorkflowRun":
        return cls(
            id=run.id,
            trigger=run.trigger,
            period=run.period,
            fired_at=run.fired_at,
            opened=run.opened,
            employee_id=run.employee_id,
        )


@strawberry.type
class WorkflowFiring:
    trigger: str
    period: str


@strawberry.type
class DryRunPerson:
    employee_id: uuid.UUID

    @strawberry.field
    async def employee(self, info: Info) -> Employee | None:
        found = await info.context.loaders.employee.load(self.employee_id)
        return None if found is None else Employee.of(found)


@strawberry.type
class WorkflowDryRun:
    at: datetime
    due: list[WorkflowFiring] = strawberry.field(
        description="Schedule periods due at `at` that have not fired."
    )
    upcoming: list[datetime]
    would_open: int = strawberry.field(
        description="How many people an assessment would be opened for."
    )
    people: Connection[DryRunPerson] = strawberry.field(description="Those people, a page.")


@strawberry.type
class Notification:
    id: uuid.UUID
    assessment_id: uuid.UUID
    kind: str
    sequence: int
    recipient: str = strawberry.field(
        description="employee, manager, skip_manager, or an email address."
    )
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None

    @classmethod
    def of(cls, outgoing: Outgoing) -> "Notification":
        return cls(
            id=outgoing.id,
            assessment_id=outgoing.assessment_id,
            kind=outgoing.kind,
            sequence=outgoing.sequence,
            recipient=outgoing.recipient,
            status=outgoing.status,
            attempts=outgoing.attempts,
            created_at=outgoing.created_at,
            sent_at=outgoing.sent_at,
            last_error=outgoing.last_error,
        )


@strawberry.input
class DefineWorkflowInput:
    key: str
    name: str
    definition: JSON = strawberry.field(description="As for POST /v1/workflows.")


@strawberry.input
class RedefineWorkflowInput:
    name: str
    definition: JSON


@strawberry.type
class WorkflowQuery:
    @strawberry.field(description="One workflow (hr_admin).")
    async def workflow(self, info: Info, id: uuid.UUID) -> Workflow:
        context = info.context
        return Workflow.of(
            await workflows.get_workflow(context.uow(), context.actor, workflow_id=id)
        )

    @strawberry.field(description="The tenant's workflows (hr_admin).")
    async def workflows(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Workflow]:
        context = info.context
        page = await workflows.list_workflows(
            context.uow(), context.actor, page=page_request(first, after)
        )
        return Connection.of(page, Workflow.of)

    @strawberry.field(description="A workflow's firings, oldest first (hr_admin).")
    async def workflow_runs(
        self,
        info: Info,
        workflow_id: uuid.UUID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WorkflowRun]:
        context = info.context
        page = await workflows.list_runs(
            context.uow(), context.actor, workflow_id=workflow_id, page=page_request(first, after)
        )
        return Connection.of(page, WorkflowRun.of)

    @strawberry.field(
        description="What firing the workflow at `at` (now by default) would do, without "
        "doing it; `first`/`after` page through the people (hr_admin)."
    )
    async def workflow_dry_run(
        self,
        info: Info,
        id: uuid.UUID,
        at: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> WorkflowDryRun:
        context = info.context
        found = await workflows.dry_run(
            context.uow(), context.actor, workflow_id=id, page=page_request(first, after), at=at
        )
        return WorkflowDryRun(
            at=found.at,
            due=[WorkflowFiring(trigger=f.trigger, period=f.period) for f in found.due],
            upcoming=found.upcoming,
            would_open=found.would_open,
            people=Connection.of(found.employee_ids, lambda i: DryRunPerson(employee_id=i)),
        )

    @strawberry.field(description="Notifications about workflow assessments, oldest first.")
    async def notifications(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        assessment_id: uuid.UUID | None = None,
        status: DeliveryStatus | None = None,
    ) -> Connection[Notification]:
        context = info.context
        page = await notifications.list_notifications(
            context.uow(),
            context.actor,
            page=page_request(first, after),
            assessment_id=assessment_id,
            status=status,
        )
        return Connection.of(page, Notification.of)


@strawberry.type
class WorkflowMutation:
    @strawberry.mutation(description="Define a workflow; it starts active (hr_admin).")
    async def define_workflow(self, info: Info, input: DefineWorkflowInput) -> Workflow:
        context = info.context
        workflow = await workflows.define_workflow(
            context.uow(),
            context.actor,
            key=input.key,
            name=input.name,
            definition=input.definition,
        )
        return Workflow.of(workflow)

    @strawberry.mutation(description="Replace a workflow's name and definition (hr_admin).")
    async def redefine_workflow(
        self,
        info: Info,
        id: uuid.UUID,
        input: RedefineWorkflowInput,
        expected_version: int | None = None,
    ) -> Workflow:
        context = info.context
        workflow = await workflows.redefine_workflow(
            context.uow(),
            context.actor,
            workflow_id=id,
            name=input.name,
            definition=input.definition,
            expected_version=expected_version,
        )
        return Workflow.of(workflow)

    @strawberry.mutation(description="Stop firing; what is under way goes on (hr_admin).")
    async def pause_workflow(
        self, info: Info, id: uuid.UUID, expected_version: int | None = None
    ) -> Workflow:
        context = info.context
        workflow = await workflows.pause_workflow(
            context.uow(), context.actor, workflow_id=id, expected_version=expected_version
        )
        return Workflow.of(workflow)

    @strawberry.mutation(description="Fire again from now on (hr_admin).")
    async def resume_workflow(
        self, info: Info, id: uuid.UUID, expected_version: int | None = None
    ) -> Workflow:
        context = info.context
        workflow = await workflows.resume_workflow(
            context.uow(), context.actor, workflow_id=id, expected_version=expected_version
        )
        return Workflow.of(workflow)
