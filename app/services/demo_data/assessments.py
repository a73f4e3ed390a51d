"""The demo tenant's first assessment cycle: who is assessed, and how everyone rates.

One sales team and one engineering team are assessed against their current roles: in each
unit of `ASSESSED_UNITS`, the first line manager and their direct reports. Each person rates
themselves and their manager rates them; with the default combination rule the manager's
rating is the result. Managers' ratings fall around the required level, below it more often
than not, and further below on the capabilities the catalogue cannot teach (`WEAKER`), so the
demo's plans and training needs have something to say. People rate themselves the same as
their manager does or a level higher.

Every other person in each team (the line manager first) has their assessment finalised while
seeding, which generates their development plan; the others wait for the manager to finalise.
The same seed gives the same cycle and the same ratings.
"""

import random
from dataclasses import dataclass

from app.services.demo_data import FRAMEWORKS
from app.services.demo_data.learning import LOWER_LEVELS_ONLY, UNCOVERED
from app.services.demo_data.roles import ROLES
from app.services.demo_data.scales import SCALES
from app.services.demo_data.workforce import Workforce

ASSESSED_UNITS = ("enterprise-sales", "platform-engineering")
CYCLE_DAYS = 28
"""The cycle's assessments are due this many days after seeding."""
SHORTFALL = (-1, 0, 0, 1, 1, 1, 2)
"""Levels below the required one a manager's rating falls, each equally likely (-1: above)."""
WEAKER = {UNCOVERED: 1, LOWER_LEVELS_ONLY: 1}
"""Extra levels short on capabilities the whole cycle finds weak."""
SELF_OPTIMISM = (0, 0, 1)
"""Levels above the manager's rating people rate themselves."""

TOP_LEVEL = {
    capability.key: len(scale.levels)
    for framework in FRAMEWORKS
    for capability in framework.content.capabilities
    for scale in SCALES
    if scale.key == capability.scale_key
}
"""Each capability's highest level, by key."""
REQUIREMENTS = {role.key: role.requirements for role in ROLES}


@dataclass(frozen=True)
class DemoRating:
    capability_key: str
    self_level: int
    manager_level: int


@dataclass(frozen=True)
class Assessee:
    external_id: str
    manager_external_id: str
    ratings: tuple[DemoRating, ...]
    finalise: bool
    """Finalised while seeding; otherwise left awaiting the manager."""


def assessment_cycle(workforce: Workforce, seed: int) -> tuple[Assessee, ...]:
    """Everyone assessed in the cycle, team by team, each team's line manager first."""
    people = {person.row.external_id: person for person in workforce.people}
    cycle = []
    for unit in ASSESSED_UNITS:
        lead = next(
            external_id
            for external_id in workforce.line_managers
            if people[external_id].row.org_unit_key == unit
        )
        team = [lead] + [
            person.row.external_id
            for person in workforce.people
            if person.row.manager_external_id == lead
        ]
        for index, external_id in enumerate(team):
            row = people[external_id].row
            assert row.manager_external_id, external_id
            cycle.append(
                Assessee(
                    external_id=external_id,
                    manager_external_id=row.manager_external_id,
                    ratings=_ratings(seed, external_id, people[external_id].role_key),
                    finalise=index % 2 == 0,
                )
            )
    return tuple(cycle)


def _ratings(seed: int, external_id: str, role_key: str) -> tuple[DemoRating, ...]:
    # One generator per person, so a person's ratings do not depend on who else is assessed.
    rng = random.Random(f"assessments:{seed}:{external_id}")  # noqa: S311 - repeatable demo data
    return tuple(
        _rating(rng, need.capability_key, need.required_level) for need in REQUIREMENTS[role_key]
    )


def _rating(rng: random.Random, capability_key: str, required: int) -> DemoRating:
    top = TOP_LEVEL[capability_key]
    short = rng.choice(SHORTFALL) + WEAKER.get(capability_key, 0)
    manager = min(max(required - short, 1), top)
    own = min(manager + rng.choice(SELF_OPTIMISM), top)
    return DemoRating(capability_key, own, manager)
