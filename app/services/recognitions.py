"""Recognition use cases: a manager or a peer recognises an employee.

Anyone whose credential speaks for an employee may recognise anyone else in the tenant
(peers cannot otherwise see each other, so the recipient need only exist). Recognition is
visible to whoever may see its recipient (the recipient, their managers, hr_admin,
integrations) and to the person who gave it.
"""

import uuid

from app.domain.errors import FieldError, Forbidden, InvalidInput, NotFound
from app.domain.identity import Actor, Role
from app.domain.pagination import Page, PageRequest
from app.domain.ports import UnitOfWork
from app.domain.recognitions import Recognition, RecognitionFilter
from app.services import utcnow
from app.services.employees import visible_employees


async def recognise(
    uow: UnitOfWork,
    actor: Actor,
    *,
    employee_id: uuid.UUID,
    message: str,
    capability_id: uuid.UUID | None = None,
    goal_id: uuid.UUID | None = None,
) -> Recognition:
    """Recognise the employee, perhaps for a capability or one of their goals. Raises
    Forbidden (a credential that speaks for nobody), NotFound (the employee), InvalidInput
    (yourself, an unknown capability, a goal not theirs, the message)."""
    giver = actor.employee_id
    if giver is None:
        raise Forbidden("Recognition comes from a person: use a credential of an employee.")
    now = utcnow()
    async with uow:
        if not await uow.employees.existing(actor.tenant_id, [employee_id]):
            raise NotFound("Employee", employee_id)
        errors: list[FieldError] = []
        if capability_id is not None and not await uow.capabilities.get_many(
            actor.tenant_id, [capability_id]
        ):
            errors.append(FieldError("capability_id", "No capability has this id."))
        goal = None if goal_id is None else await uow.goals.get(actor.tenant_id, goal_id)
        try:
            recognition = Recognition.give(
                actor.tenant_id,
                employee_id=employee_id,
                given_by=giver,
                message=message,
                capability_id=capability_id,
                goal_id=goal_id,
                goal_owner=None if goal is None else goal.employee_id,
                now=now,
            )
        except InvalidInput as error:
            errors.extend(error.errors)
        if errors:
            raise InvalidInput("The recognition is not valid.", errors)
        await uow.recognitions.add(recognition)
        await uow.commit()
    return recognition


async def get_recognition(
    uow: UnitOfWork, actor: Actor, *, recognition_id: uuid.UUID
) -> Recognition:
    """Raises NotFound (also for recognition the caller may not see)."""
    async with uow:
        found = await uow.recognitions.get(actor.tenant_id, recognition_id)
        if found is None or (
            found.given_by != actor.employee_id
            and not await visible_employees(uow, actor, [found.employee_id])
        ):
            raise NotFound("Recognition", recognition_id)
    return found


async def list_recognitions(
    uow: UnitOfWork,
    actor: Actor,
    *,
    page: PageRequest,
    employee_id: uuid.UUID | None = None,
    given_by: uuid.UUID | None = None,
) -> Page[Recognition]:
    """The recognition the caller may see, newest first, of one recipient or giver if
    asked."""
    criteria = RecognitionFilter(employee_id=employee_id, given_by=given_by)
    if not actor.has_any(Role.HR_ADMIN, Role.INTEGRATION):
        if actor.employee_id is None:
            return Page([], [], False)
        criteria = RecognitionFilter(
            employee_id=employee_id,
            given_by=given_by,
            visible_to=actor.employee_id,
            managing=actor.has_any(Role.MANAGER),
        )
    async with uow:
        return await uow.recognitions.list(actor.tenant_id, page, criteria)
