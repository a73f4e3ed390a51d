"""The demo tenant's organisation: an org tree, who works in each unit, and their names.

The tree is company -> divisions -> departments -> teams. Every unit has a head who reports to
the head of the unit above; big units have line managers under the head, and the members are
shared out among them, seniors first, so every manager gets a similar mix.
"""

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta

from app.services.employees import EmployeeRow

EMAIL_DOMAIN = "tandem-demo.example"
HIRED_BY = date(2026, 6, 30)
"""A fixed day, not today, so that the same seed gives the same hire dates on any day."""

FIRST_NAMES = (
    "Aisha",
    "Ben",
    "Chloe",
    "Daniel",
    "Elena",
    "Farah",
    "George",
    "Hannah",
    "Isaac",
    "Jade",
    "Kofi",
    "Laura",
    "Mateo",
    "Niamh",
    "Oliver",
    "Priya",
    "Quentin",
    "Rosa",
    "Samuel",
    "Tara",
    "Umar",
    "Vera",
    "William",
    "Xin",
    "Yusuf",
    "Zoe",
    "Amara",
    "Callum",
    "Dev",
    "Freya",
    "Hugo",
    "Ines",
    "Jonas",
    "Leah",
    "Marcus",
    "Nadia",
    "Owen",
    "Sofia",
    "Tom",
    "Lena",
)
LAST_NAMES = (
    "Adeyemi",
    "Bauer",
    "Campbell",
    "Doyle",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Iqbal",
    "Jensen",
    "Kaur",
    "Lewis",
    "Murphy",
    "Nowak",
    "O'Connor",
    "Patel",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Taylor",
    "Usman",
    "Walsh",
    "Wright",
    "Young",
    "Zhang",
    "Ahmed",
    "Brennan",
    "Clarke",
    "Dubois",
    "Khan",
    "Lindqvist",
    "Mensah",
    "Novak",
    "Okafor",
    "Reid",
    "Santos",
    "Thompson",
    "Weber",
    "Kowalski",
    "Nguyen",
)
LOCATIONS = ("London", "Manchester", "Dublin", "Berlin", "Remote")
LOCATION_WEIGHTS = (45, 20, 15, 12, 8)
ASPIRATIONS = {
    "senior-account-executive": "sales-manager",
    "customer-success-manager": "customer-success-lead",
    "software-engineer-2": "senior-software-engineer",
    "senior-software-engineer": "engineering-manager",
    "data-analyst": "data-scientist",
    "hr-business-partner": "people-director",
}
"""Next steps people often ask for: a few holders of each role aspire to the role it names."""
ASPIRING_PER_ROLE = 2
PILOT_GROUP_SIZE = 8
YEARS_OF_SERVICE = {
    "L1": (0, 2),
    "L2": (0, 5),
    "L3": (1, 7),
    "L4": (2, 9),
    "L5": (3, 10),
    "L6": (3, 11),
    "L7": (5, 12),
    "L8": (8, 14),
}


@dataclass(frozen=True)
class Position:
    title: str
    job_level: str
    role_key: str
    count: int = 1


@dataclass(frozen=True)
class UnitSeed:
    key: str
    name: str
    parent_key: str | None
    head: Position
    line_managers: Position | None = None
    members: tuple[Position, ...] = ()


def _unit(
    key: str,
    name: str,
    parent_key: str | None,
    head: Position,
    *members: Position,
    line_managers: Position | None = None,
) -> UnitSeed:
    return UnitSeed(key, name, parent_key, head, line_managers, members)


P = Position
UNITS = (
    _unit("company", "Company", None, P("Chief Executive Officer", "L8", "executive-leader")),
    _unit(
        "commercial", "Commercial", "company", P("Chief Revenue Officer", "L7", "executive-leader")
    ),
    _unit("sales", "Sales", "commercial", P("VP Sales", "L6", "sales-director")),
    _unit(
        "enterprise-sales",
        "Enterprise Sales",
        "sales",
        P("Head of Enterprise Sales", "L5", "sales-manager"),
        P("Senior Account Executive", "L3", "senior-account-executive", 9),
        P("Account Executive", "L2", "account-executive", 18),
        line_managers=P("Sales Manager", "L4", "sales-manager", 3),
    ),
    _unit(
        "mid-market-sales",
        "Mid-Market Sales",
        "sales",
        P("Head of Mid-Market Sales", "L5", "sales-manager"),
        P("Senior Account Executive", "L3", "senior-account-executive", 6),
        P("Account Executive", "L2", "account-executive", 24),
        line_managers=P("Sales Manager", "L4", "sales-manager", 3),
    ),
    _unit(
        "sales-development",
        "Sales Development",
        "sales",
        P("Sales Development Manager", "L4", "sales-manager"),
        P("Sales Development Representative", "L1", "sales-development-rep", 18),
    ),
    _unit(
        "customer-success",
        "Customer Success",
        "commercial",
        P("Head of Customer Success", "L6", "customer-success-lead"),
        P("Senior Customer Success Manager", "L3", "customer-success-manager", 8),
        P("Customer Success Manager", "L2", "customer-success-manager", 22),
        line_managers=P("Customer Success Lead", "L4", "customer-success-lead", 3),
    ),
    _unit(
        "marketing",
        "Marketing",
        "commercial",
        P("Head of Marketing", "L6", "marketing-manager"),
        P("Senior Marketing Specialist", "L3", "marketing-specialist", 4),
        P("Marketing Specialist", "L2", "marketing-specialist", 11),
        line_managers=P("Marketing Manager", "L4", "marketing-manager", 2),
    ),
    _unit(
        "technology",
        "Technology",
        "company",
        P("Chief Technology Officer", "L7", "executive-leader"),
    ),
    _unit(
        "engineering",
        "Engineering",
        "technology",
        P("Director of Engineering", "L6", "engineering-director"),
    ),
    _unit(
        "platform-engineering",
        "Platform Engineering",
        "engineering",
        P("Head of Platform Engineering", "L5", "engineering-manager"),
        P("Staff Engineer", "L4", "staff-engineer", 2),
        P("Senior Software Engineer", "L3", "senior-software-engineer", 9),
        P("Software Engineer II", "L2", "software-engineer-2", 14),
        P("Software Engineer I", "L1", "software-engineer-1", 6),
        line_managers=P("Engineering Manager", "L4", "engineering-manager", 3),
    ),
    _unit(
        "product-engineering",
        "Product Engineering",
        "engineering",
        P("Head of Product Engineering", "L5", "engineering-manager"),
        P("Staff Engineer", "L4", "staff-engineer", 2),
        P("Senior Software Engineer", "L3", "senior-software-engineer", 12),
        P("Software Engineer II", "L2", "software-engineer-2", 24),
        P("Software Engineer I", "L1", "software-engineer-1", 14),
        line_managers=P("Engineering Manager", "L4", "engineering-manager", 5),
    ),
    _unit(
        "data-analytics",
        "Data & Analytics",
        "technology",
        P("Head of Data & Analytics", "L6", "analytics-manager"),
        P("Data Scientist", "L3", "data-scientist", 4),
        P("Senior Data Engineer", "L3", "data-engineer", 2),
        P("Senior Data Analyst", "L3", "data-analyst", 3),
        P("Data Engineer", "L2", "data-engineer", 4),
        P("Data Analyst", "L2", "data-analyst", 10),
        line_managers=P("Analytics Manager", "L4", "analytics-manager", 2),
    ),
    _unit(
        "product",
        "Product",
        "technology",
        P("Head of Product", "L6", "product-director"),
        P("Senior Product Manager", "L3", "product-manager", 3),
        P("Product Manager", "L2", "product-manager", 9),
    ),
    _unit(
        "operations",
        "Operations",
        "company",
        P("Chief Operating Officer", "L7", "executive-leader"),
    ),
    _unit(
        "people",
        "People",
        "operations",
        P("Head of People", "L6", "people-director"),
        P("HR Business Partner", "L3", "hr-business-partner", 5),
        P("Talent Acquisition Partner", "L2", "talent-acquisition-partner", 6),
        P("Learning & Development Specialist", "L2", "learning-development-specialist", 2),
    ),
    _unit(
        "finance",
        "Finance",
        "operations",
        P("Finance Director", "L6", "finance-manager"),
        P("Senior Financial Analyst", "L3", "financial-analyst", 2),
        P("Financial Analyst", "L2", "financial-analyst", 8),
        line_managers=P("Finance Manager", "L4", "finance-manager", 1),
    ),
)


@dataclass(frozen=True)
class DemoPerson:
    row: EmployeeRow
    role_key: str


@dataclass(frozen=True)
class Workforce:
    people: tuple[DemoPerson, ...]
    heads: dict[str, str]
    """The external id of each unit's head, by unit key."""
    line_managers: tuple[str, ...]
    """External ids of the managers below unit heads: the first-line managers."""
    aspirations: dict[str, str]
    """The role key each of a few people aspires to, by external id."""
    pilot_group: tuple[str, ...]
    """A handful of first-line managers picked for a coaching pilot."""


def build_workforce(seed: int) -> Workforce:
    """Everyone in UNITS, parents before children; the same seed gives the same people."""
    rng = random.Random(seed)  # noqa: S311 - demo data wants repeatability, not secrecy
    names = _NameMaker(rng)
    people: list[DemoPerson] = []
    heads: dict[str, str] = {}
    line_managers: list[str] = []

    def hire(unit: UnitSeed, position: Position, manager: str | None) -> str:
        first, last = names.next()
        external_id = f"E{10001 + len(people)}"
        earliest, latest = YEARS_OF_SERVICE[position.job_level]
        days = rng.randint(earliest * 365, latest * 365)
        row = EmployeeRow(
            external_id=external_id,
            name=f"{first} {last}",
            email=f"{_mailbox(first)}.{_mailbox(last)}@{EMAIL_DOMAIN}",
            org_unit_key=unit.key,
            job_title=position.title,
            job_level=position.job_level,
            location=rng.choices(LOCATIONS, LOCATION_WEIGHTS)[0],
            hire_date=HIRED_BY - timedelta(days=days),
            manager_external_id=manager,
        )
        people.append(DemoPerson(row, position.role_key))
        return external_id

    for unit in UNITS:
        head = hire(unit, unit.head, heads.get(unit.parent_key or ""))
        heads[unit.key] = head
        managers = [
            hire(unit, unit.line_managers, head)
            for _ in range(unit.line_managers.count if unit.line_managers else 0)
        ] or [head]
        line_managers.extend(m for m in managers if m != head)
        seats = [position for position in unit.members for _ in range(position.count)]
        for index, position in enumerate(seats):
            hire(unit, position, managers[index % len(managers)])
    aspirations = {
        external_id: aspired
        for current, aspired in ASPIRATIONS.items()
        for external_id in rng.sample(
            [p.row.external_id for p in people if p.role_key == current], ASPIRING_PER_ROLE
        )
    }
    pilot_group = tuple(rng.sample(line_managers, PILOT_GROUP_SIZE))
    return Workforce(tuple(people), heads, tuple(line_managers), aspirations, pilot_group)


class _NameMaker:
    """Distinct full names drawn from the small lists (40 x 40 is plenty for the demo)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[tuple[str, str]] = set()

    def next(self) -> tuple[str, str]:
        while True:
            name = (self._rng.choice(FIRST_NAMES), self._rng.choice(LAST_NAMES))
            if name not in self._used:
                self._used.add(name)
                return name


def _mailbox(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())
