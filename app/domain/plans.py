"""Development plans: choosing learning that closes a person's gaps.

The rule, a greedy weighted set cover:
1. Each gap starts at the person's current level (gaps never assessed are left out: a plan
   starts from an assessment). An item *moves* a capability when it develops it from a level
   at or below the planned one to a higher one; its value is the sum, over the capabilities it
   moves, of requirement weight x levels gained toward the required level.
2. Repeatedly take the item of highest value per hour (an hour is added to every duration so
   free, short items do not divide by zero), counting its missing prerequisites in with it,
   while it fits the time and cost budget; ties go to on-the-job and social formats, then the
   cheaper, the shorter, and the id, so the same inputs always give the same plan.
3. Most learning happens on the job: if nothing on-the-job or social (mentoring, coaching) was
   chosen and such an item moves a gapped capability within budget, the best one is added.
4. Items are ordered so prerequisites come first, then by the priority of the gap they serve
   (core first, then the largest weighted gap).
5. Items the person completed before are not proposed again; as prerequisites they are met.
6. Gaps still open are reported, saying whether content is missing (L&D should buy or build
   it) or the budget ran out.
"""

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from app.domain.gaps import CapabilityGap, GapStatus


class LearningKind(StrEnum):
    COURSE = "course"
    ELEARNING = "elearning"
    LIVE_SESSION = "live_session"
    WORKSHOP = "workshop"
    MENTORING = "mentoring"
    COACHING = "coaching"
    ON_THE_JOB = "on_the_job"
    RECORDED_ASSET = "recorded_asset"
    READING = "reading"


EXPERIENTIAL = frozenset({LearningKind.ON_THE_JOB, LearningKind.MENTORING, LearningKind.COACHING})


@dataclass(frozen=True)
class Target:
    """An item develops `capability_id` from `from_level` to `to_level`."""

    capability_id: uuid.UUID
    from_level: int
    to_level: int


@dataclass(frozen=True)
class Offer:
    """A learning item as plan generation sees it."""

    id: uuid.UUID
    kind: LearningKind
    targets: tuple[Target, ...]
    minutes: int = 0
    cost: float = 0.0
    prerequisites: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class Budget:
    minutes: int | None = None
    cost: float | None = None

    def allows(self, minutes: int, cost: float) -> bool:
        return (self.minutes is None or minutes <= self.minutes) and (
            self.cost is None or cost <= self.cost + 1e-9
        )


class Reason(StrEnum):
    CLOSES_GAP = "closes_gap"
    PREREQUISITE = "prerequisite"


class Shortfall(StrEnum):
    NO_CONTENT = "no_content"
    """The catalogue has nothing that takes the person further: content to buy or build."""
    BUDGET = "budget"


@dataclass(frozen=True)
class Choice:
    offer_id: uuid.UUID
    reason: Reason
    capability_ids: tuple[uuid.UUID, ...]
    """The gapped capabilities the item develops (a prerequisite may serve them only
    through the item it leads to)."""


@dataclass(frozen=True)
class OpenGap:
    capability_id: uuid.UUID
    reached_level: int
    required_level: int
    shortfall: Shortfall


@dataclass(frozen=True)
class PlanProposal:
    choices: tuple[Choice, ...]
    open_gaps: tuple[OpenGap, ...]
    minutes: int
    cost: float


@dataclass
class _State:
    planned: dict[uuid.UUID, int]
    required: dict[uuid.UUID, int]
    weight: dict[uuid.UUID, float]
    chosen: dict[uuid.UUID, Reason] = field(default_factory=dict)
    done: frozenset[uuid.UUID] = frozenset()
    minutes: int = 0
    cost: float = 0.0

    def gain(self, offer: Offer) -> float:
        return sum(self.weight[c] * levels for c, levels in self.moves(offer).items())

    def moves(self, offer: Offer) -> dict[uuid.UUID, int]:
        """Levels gained toward the requirement, per gapped capability the offer moves."""
        gained: dict[uuid.UUID, int] = {}
        for target in offer.targets:
            planned = self.planned.get(target.capability_id)
            if planned is None:
                continue
            reach = min(target.to_level, self.required[target.capability_id])
            if target.from_level <= planned < reach:
                gained[target.capability_id] = max(
                    gained.get(target.capability_id, 0), reach - planned
                )
        return gained

    def apply(self, offer: Offer, reason: Reason) -> None:
        for capability, levels in self.moves(offer).items():
            self.planned[capability] += levels
        self.chosen[offer.id] = reason
        self.minutes += offer.minutes
        self.cost += offer.cost


def propose_plan(
    gaps: Sequence[CapabilityGap],
    catalogue: Iterable[Offer],
    budget: Budget = Budget(),
    done: Collection[uuid.UUID] = (),
) -> PlanProposal:
    """The items to take, in order, and the gaps they leave open (see the module's rule).
    Items in `done` (the person completed them before) are not proposed again and count as
    met prerequisites."""
    offers = {offer.id: offer for offer in catalogue if offer.id not in done}
    below = [g for g in gaps if g.status is GapStatus.BELOW]
    state = _State(
        planned={g.capability_id: g.current_level for g in below if g.current_level is not None},
        required={g.capability_id: g.required_level for g in below},
        weight={g.capability_id: g.weight for g in below},
        done=frozenset(done),
    )
    before = _State(dict(state.planned), state.required, state.weight, done=state.done)
    while True:
        best = _best_bundle(state, offers, budget, only=None)
        if best is None:
            break
        _take(state, offers, best)
    if not any(offers[o].kind in EXPERIENTIAL for o in state.chosen):
        # Valued against the gaps as they were, since the items already chosen may close them.
        experiential = _best_bundle(state, offers, budget, only=EXPERIENTIAL, value_from=before)
        if experiential is not None:
            _take(state, offers, experiential)
    return PlanProposal(
        choices=_ordered(state, offers, below),
        open_gaps=_open_gaps(state, offers, below, unlimited=budget == Budget()),
        minutes=state.minutes,
        cost=state.cost,
    )


def _best_bundle(
    state: _State,
    offers: Mapping[uuid.UUID, Offer],
    budget: Budget,
    only: frozenset[LearningKind] | None,
    value_from: _State | None = None,
) -> list[uuid.UUID] | None:
    """The best offer with its missing prerequisites (prerequisites first), or None. Offers
    are valued against `value_from` (default: the plan so far)."""
    ranked = []
    for offer in offers.values():
        if offer.id in state.chosen or (only is not None and offer.kind not in only):
            continue
        gain = (value_from or state).gain(offer)
        if gain <= 0:
            continue
        bundle = _with_prerequisites(offer.id, offers, state.chosen.keys() | state.done)
        if bundle is None:
            continue
        minutes = sum(offers[o].minutes for o in bundle)
        cost = sum(offers[o].cost for o in bundle)
        if not budget.allows(state.minutes + minutes, state.cost + cost):
            continue
        value = gain / (1 + minutes / 60)
        ranked.append(
            ((-value, offer.kind not in EXPERIENTIAL, cost, minutes, str(offer.id)), bundle)
        )
    return min(ranked)[1] if ranked else None


def _with_prerequisites(
    offer_id: uuid.UUID, offers: Mapping[uuid.UUID, Offer], met: Collection[uuid.UUID]
) -> list[uuid.UUID] | None:
    """`offer_id` after every prerequisite not yet met (chosen or done), deepest first; None
    when one is missing from the catalogue (or the prerequisites loop)."""
    bundle: list[uuid.UUID] = []
    visiting: set[uuid.UUID] = set()

    def visit(identifier: uuid.UUID) -> bool:
        if identifier in met or identifier in bundle:
            return True
        if identifier in visiting or identifier not in offers:
            return False
        visiting.add(identifier)
        if not all(visit(p) for p in sorted(offers[identifier].prerequisites, key=str)):
            return False
        bundle.append(identifier)
        return True

    return bundle if visit(offer_id) else None


def _take(state: _State, offers: Mapping[uuid.UUID, Offer], bundle: list[uuid.UUID]) -> None:
    *prerequisites, main = bundle
    for identifier in prerequisites:
        state.apply(offers[identifier], Reason.PREREQUISITE)
    state.apply(offers[main], Reason.CLOSES_GAP)
    # A prerequisite taken before the person was ready for it still teaches once they are
    # (2->3 needed before 1->2): credit what the chosen items now move, until nothing does.
    while any(state.moves(offers[identifier]) for identifier in state.chosen):
        for identifier in list(state.chosen):
            for capability, levels in state.moves(offers[identifier]).items():
                state.planned[capability] += levels


def _ordered(
    state: _State, offers: Mapping[uuid.UUID, Offer], below: Sequence[CapabilityGap]
) -> tuple[Choice, ...]:
    priority = {g.capability_id: rank for rank, g in enumerate(_by_priority(below))}
    gapped = set(priority)

    def served(identifier: uuid.UUID) -> tuple[uuid.UUID, ...]:
        return tuple(
            sorted({t.capability_id for t in offers[identifier].targets} & gapped, key=str)
        )

    def rank(identifier: uuid.UUID) -> int:
        return min((priority[c] for c in served(identifier)), default=len(priority))

    remaining = sorted(state.chosen, key=lambda i: (rank(i), str(i)))
    ordered: list[uuid.UUID] = []
    while remaining:
        ready = next(
            i
            for i in remaining
            if all(p in ordered or p not in state.chosen for p in offers[i].prerequisites)
        )
        ordered.append(ready)
        remaining.remove(ready)
    return tuple(Choice(i, state.chosen[i], served(i)) for i in ordered)


def _by_priority(gaps: Sequence[CapabilityGap]) -> list[CapabilityGap]:
    """Core requirements first, then the largest weighted gap; the id breaks ties."""
    return sorted(gaps, key=lambda g: (not g.core, -(g.weighted_gap or 0), str(g.capability_id)))


def _open_gaps(
    state: _State,
    offers: Mapping[uuid.UUID, Offer],
    below: Sequence[CapabilityGap],
    unlimited: bool,
) -> tuple[OpenGap, ...]:
    """Gaps the plan leaves open; `unlimited`: the budget was, so none ran out of it."""
    unbounded = state
    if not unlimited:
        unbounded = _State(
            dict(state.planned), state.required, state.weight, dict(state.chosen), done=state.done
        )
        while (more := _best_bundle(unbounded, offers, Budget(), only=None)) is not None:
            _take(unbounded, offers, more)
    found = []
    for gap in _by_priority(below):
        capability = gap.capability_id
        reached = state.planned.get(capability)
        if reached is None or reached >= gap.required_level:
            continue
        shortfall = (
            Shortfall.BUDGET if unbounded.planned[capability] > reached else Shortfall.NO_CONTENT
        )
        found.append(OpenGap(capability, reached, gap.required_level, shortfall))
    return tuple(found)


def catalogue_reach(catalogue: Iterable[Offer]) -> dict[tuple[uuid.UUID, int], int]:
    """(capability, level) -> the highest level the catalogue can take someone there to,
    chaining items (1->2 then 2->4) whose prerequisites are all in the catalogue. Pairs the
    catalogue cannot move are absent. This is the coverage `propose_plan` reports as
    no_content, without the budget."""
    offers = {offer.id: offer for offer in catalogue}
    usable = [o for o in offers.values() if _with_prerequisites(o.id, offers, ()) is not None]
    targets: dict[uuid.UUID, list[Target]] = {}
    for offer in usable:
        for target in offer.targets:
            targets.setdefault(target.capability_id, []).append(target)
    reach = {}
    for capability, found in targets.items():
        for start in range(1, max(t.to_level for t in found)):
            level = start
            while (
                better := max(
                    (t.to_level for t in found if t.from_level <= level < t.to_level), default=None
                )
            ) is not None:
                level = better
            if level > start:
                reach[(capability, start)] = level
    return reach


def prerequisite_cycles(prerequisites: Mapping[uuid.UUID, Iterable[uuid.UUID]]) -> set[uuid.UUID]:
    """Items that are, directly or not, their own prerequisite (a catalogue must have none)."""
    graph = {item: tuple(needed) for item, needed in prerequisites.items()}

    def reaches_itself(start: uuid.UUID) -> bool:
        seen: set[uuid.UUID] = set()
        frontier = list(graph.get(start, ()))
        while frontier:
            item = frontier.pop()
            if item == start:
                return True
            if item not in seen:
                seen.add(item)
                frontier.extend(graph.get(item, ()))
        return False

    return {item for item in graph if reaches_itself(item)}
