"""The demo tenant's learning catalogue: what L&D offers, and which levels each item develops.

Each item names the capabilities it develops by key, from one level to a higher one (behaviours
run to 3, everything else to 5). The catalogue is deliberately incomplete, as real ones are:

- nothing teaches forecasting (`UNCOVERED`), which every seller and sales manager needs, so
  their plans report the gap as no_content and the training needs analysis asks L&D to buy or
  build it;
- incident handling is only taught up to Foundation (`LOWER_LEVELS_ONLY`: shadowing on-call),
  so senior engineers' gaps in leading incidents stay open too.

Items are listed prerequisites first; a prerequisite names another item's `key` (a handle for
this file only: the catalogue gives items ids).
"""

from dataclasses import dataclass

from app.domain.learning import DeliveryFormat
from app.domain.plans import LearningKind

UNCOVERED = "forecasts-accurately"
LOWER_LEVELS_ONLY = "handles-incidents"
LMS = "https://learn.tandem-demo.example/courses"


@dataclass(frozen=True)
class TargetSeed:
    capability_key: str
    from_level: int
    to_level: int


@dataclass(frozen=True)
class LearningSeed:
    key: str
    title: str
    kind: LearningKind
    targets: tuple[TargetSeed, ...]
    description: str
    minutes: int
    cost: float = 0.0
    format: DeliveryFormat | None = None
    external_id: str | None = None
    """The item's id in the company LMS; its page there is `LMS/<external_id>`."""
    url: str | None = None
    """A page elsewhere, for items not in the LMS."""
    prerequisites: tuple[str, ...] = ()


def develops(capability_key: str, from_level: int, to_level: int) -> TargetSeed:
    return TargetSeed(capability_key, from_level, to_level)


COURSE, ELEARNING, LIVE_SESSION, WORKSHOP = (
    LearningKind.COURSE,
    LearningKind.ELEARNING,
    LearningKind.LIVE_SESSION,
    LearningKind.WORKSHOP,
)
MENTORING, COACHING, ON_THE_JOB = (
    LearningKind.MENTORING,
    LearningKind.COACHING,
    LearningKind.ON_THE_JOB,
)
RECORDED, READING = LearningKind.RECORDED_ASSET, LearningKind.READING
SELF_PACED, VIRTUAL, IN_PERSON, BLENDED = (
    DeliveryFormat.SELF_PACED,
    DeliveryFormat.VIRTUAL,
    DeliveryFormat.IN_PERSON,
    DeliveryFormat.BLENDED,
)

S = LearningSeed
LEARNING = (
    # Sales & customer
    S(
        "discovery-foundations",
        "Discovery foundations: questions that uncover pain",
        ELEARNING,
        (develops("runs-discovery", 1, 2),),
        "Open versus closed questions, following up on pain, and finding out who decides.",
        minutes=80,
        format=SELF_PACED,
        external_id="SAL-101",
    ),
    S(
        "discovery-masterclass",
        "Discovery masterclass: quantifying business impact",
        WORKSHOP,
        (develops("runs-discovery", 2, 4),),
        "Two days of role-played discovery calls: quantify impact, map the buying committee "
        "and reframe the customer's thinking. Recorded calls are reviewed by the trainers.",
        minutes=840,
        cost=1_200.0,
        format=IN_PERSON,
        external_id="SAL-201",
        prerequisites=("discovery-foundations",),
    ),
    S(
        "multi-threaded-outbound-sprint",
        "Run a multi-threaded outbound sprint",
        ON_THE_JOB,
        (develops("prospects-effectively", 1, 4),),
        "Plan and run a four-week outbound sprint into ten target accounts, reaching three "
        "personas in each, from the prospecting playbook; review the results with your "
        "manager every week.",
        minutes=1_200,
        format=IN_PERSON,
    ),
    S(
        "value-negotiation-programme",
        "Value negotiation programme",
        COURSE,
        (develops("negotiates-value", 1, 4),),
        "Four half-day virtual modules on walk-away points, anchoring, trading concessions and "
        "closing multi-party deals, each followed by a live deal clinic.",
        minutes=960,
        cost=1_450.0,
        format=VIRTUAL,
        external_id="SAL-220",
    ),
    S(
        "executive-negotiation-coaching",
        "Executive negotiation coaching",
        COACHING,
        (develops("negotiates-value", 4, 5),),
        "One-to-one coaching from an external negotiation coach on your largest live deals.",
        minutes=480,
        cost=2_400.0,
        format=VIRTUAL,
    ),
    S(
        "product-value-deep-dives",
        "Product value deep dives",
        RECORDED,
        (develops("explains-product-value", 1, 3),),
        "Recorded product-marketing sessions, one per use case, with customer proof points.",
        minutes=150,
        format=SELF_PACED,
        external_id="SAL-130",
    ),
    S(
        "product-certification",
        "Product expert certification",
        COURSE,
        (develops("explains-product-value", 3, 4),),
        "A self-paced certification ending in a recorded demo assessed by solutions engineers.",
        minutes=420,
        format=SELF_PACED,
        external_id="SAL-230",
    ),
    S(
        "crm-hygiene",
        "CRM hygiene in 40 minutes",
        ELEARNING,
        (develops("keeps-crm-accurate", 1, 3),),
        "Stages, next steps, close dates and contact roles: what to record and when.",
        minutes=40,
        format=SELF_PACED,
        external_id="SAL-140",
    ),
    S(
        "crm-power-user-clinic",
        "CRM power-user clinic",
        LIVE_SESSION,
        (develops("keeps-crm-accurate", 3, 5),),
        "Reports, dashboards and pipeline inspection views, built live with the sales ops team.",
        minutes=90,
        format=VIRTUAL,
    ),
    S(
        "account-planning-workshop",
        "Account planning workshop",
        WORKSHOP,
        (develops("plans-accounts", 1, 4), develops("retains-customers", 2, 3)),
        "Build a real plan for one of your accounts: white space, stakeholders, risks.",
        minutes=360,
        cost=400.0,
        format=IN_PERSON,
        external_id="CS-210",
    ),
    S(
        "onboarding-playbook",
        "The customer onboarding playbook",
        READING,
        (develops("onboards-customers", 1, 3),),
        "Kick-off, success plan and first-value milestones, with templates.",
        minutes=60,
        format=SELF_PACED,
        external_id="CS-101",
    ),
    S(
        "renewals-and-retention",
        "Renewals and retention",
        COURSE,
        (develops("retains-customers", 1, 4),),
        "Health scores, risk plays and running the renewal conversation six months out.",
        minutes=600,
        cost=900.0,
        format=VIRTUAL,
        external_id="CS-220",
    ),
    S(
        "campaign-planning-fundamentals",
        "Campaign planning fundamentals",
        ELEARNING,
        (develops("plans-campaigns", 1, 3),),
        "From brief to multi-channel plan, and how to report pipeline generated.",
        minutes=150,
        cost=120.0,
        format=SELF_PACED,
        url="https://academy.marketing-demo.example/campaign-planning",
    ),
    # Engineering & data
    S(
        "clean-code-in-practice",
        "Clean code in practice",
        COURSE,
        (develops("writes-maintainable-code", 1, 3),),
        "Naming, small functions, tests first and refactoring safely, in the team's languages.",
        minutes=720,
        cost=350.0,
        format=VIRTUAL,
        external_id="ENG-101",
    ),
    S(
        "refactoring-with-a-staff-engineer",
        "Refactoring legacy code with a staff engineer",
        MENTORING,
        (develops("writes-maintainable-code", 3, 4), develops("reviews-code", 3, 4)),
        "Pair weekly for a quarter on untangling a legacy module, and review each other's work.",
        minutes=720,
        format=BLENDED,
    ),
    S(
        "effective-code-review",
        "Effective code review",
        LIVE_SESSION,
        (develops("reviews-code", 1, 3),),
        "What to look for, how to word comments, and reviewing in small batches.",
        minutes=75,
        format=VIRTUAL,
        external_id="ENG-110",
    ),
    S(
        "system-design-fundamentals",
        "System design fundamentals",
        COURSE,
        (develops("designs-systems", 1, 3),),
        "Data models, caching, queues, consistency and failure modes, with a design each week.",
        minutes=900,
        cost=600.0,
        format=SELF_PACED,
        external_id="ENG-120",
    ),
    S(
        "write-and-defend-an-rfc",
        "Write an RFC and defend it at architecture review",
        ON_THE_JOB,
        (develops("designs-systems", 3, 4),),
        "Own the design of a cross-team change: write the RFC, take it through review.",
        minutes=1_320,
        format=IN_PERSON,
        prerequisites=("system-design-fundamentals",),
    ),
    S(
        "distributed-systems-reading-group",
        "Distributed systems reading group",
        READING,
        (develops("designs-systems", 4, 5),),
        "A paper a fortnight, from consensus to stream processing, discussed with peers.",
        minutes=1_500,
        format=BLENDED,
    ),
    S(
        "cloud-platform-foundations",
        "Cloud platform foundations",
        ELEARNING,
        (develops("operates-cloud-services", 1, 3),),
        "Compute, networking, IAM and observability on the company's cloud platform.",
        minutes=480,
        format=SELF_PACED,
        external_id="ENG-130",
    ),
    S(
        "shadow-on-call",
        "Shadow the on-call rotation",
        ON_THE_JOB,
        (develops("handles-incidents", 1, 2),),
        "Two weeks shadowing the primary on-call engineer, then a week as secondary.",
        minutes=960,
        format=IN_PERSON,
    ),
    S(
        "secure-coding-essentials",
        "Secure coding essentials: the OWASP Top 10",
        ELEARNING,
        (develops("builds-securely", 1, 3),),
        "Injection, broken access control and the rest of the Top 10, with fixes in our stack.",
        minutes=180,
        format=SELF_PACED,
        external_id="SEC-101",
        url="https://owasp.org/www-project-top-ten/",
    ),
    S(
        "threat-modelling-workshop",
        "Threat modelling workshop",
        WORKSHOP,
        (develops("builds-securely", 3, 5),),
        "Threat-model one of your own services with the security team, STRIDE by STRIDE.",
        minutes=240,
        cost=300.0,
        format=IN_PERSON,
        external_id="SEC-201",
        prerequisites=("secure-coding-essentials",),
    ),
    S(
        "sql-for-analysts",
        "SQL for analysts",
        COURSE,
        (develops("analyses-with-sql", 1, 3),),
        "Joins, aggregates and subqueries on the company warehouse.",
        minutes=600,
        format=SELF_PACED,
        external_id="DAT-101",
    ),
    S(
        "advanced-sql",
        "Advanced SQL: window functions and performance",
        COURSE,
        (develops("analyses-with-sql", 3, 5),),
        "Window functions, query plans and modelling for analytics.",
        minutes=480,
        cost=250.0,
        format=VIRTUAL,
        external_id="DAT-201",
        prerequisites=("sql-for-analysts",),
    ),
    S(
        "statistics-for-decisions",
        "Statistics for data-driven decisions",
        COURSE,
        (develops("applies-statistics", 1, 4),),
        "Distributions, confidence intervals, A/B tests and the traps in each.",
        minutes=1_200,
        cost=800.0,
        format=BLENDED,
        external_id="DAT-120",
    ),
    S(
        "reliable-data-pipelines",
        "Building reliable data pipelines",
        COURSE,
        (develops("builds-data-pipelines", 1, 4),),
        "Orchestration, idempotent loads, data tests and backfills.",
        minutes=900,
        cost=500.0,
        format=VIRTUAL,
        external_id="DAT-130",
    ),
    S(
        "storytelling-with-data",
        "Storytelling with data",
        WORKSHOP,
        (develops("tells-stories-with-data", 1, 4), develops("communicates-clearly", 1, 2)),
        "From analysis to a one-page recommendation and a chart that makes the point.",
        minutes=420,
        cost=450.0,
        format=IN_PERSON,
        external_id="DAT-140",
    ),
    S(
        "product-discovery-and-roadmaps",
        "Product discovery and outcome-based roadmaps",
        WORKSHOP,
        (develops("validates-with-users", 1, 4), develops("prioritises-roadmap", 1, 4)),
        "Interview users and test prototypes without leading them, then size opportunities "
        "by evidence and build a roadmap of outcomes.",
        minutes=360,
        cost=300.0,
        format=VIRTUAL,
        external_id="PRD-101",
    ),
    # Leadership & people practice
    S(
        "coaching-conversations",
        "Coaching conversations for managers",
        WORKSHOP,
        (develops("develops-people", 1, 3),),
        "GROW, specific feedback and development plans people own, practised with actors.",
        minutes=720,
        cost=800.0,
        format=IN_PERSON,
        external_id="LEAD-101",
    ),
    S(
        "leadership-coaching",
        "Leadership coaching",
        COACHING,
        (develops("develops-people", 2, 3), develops("sets-direction", 1, 4)),
        "Six sessions with an accredited external coach over three months.",
        minutes=540,
        cost=2_400.0,
        format=VIRTUAL,
    ),
    S(
        "fair-performance-reviews",
        "Running fair performance reviews",
        ELEARNING,
        (develops("runs-performance-reviews", 1, 3),),
        "Evidence over impressions, rating against indicators and avoiding recency bias.",
        minutes=120,
        format=SELF_PACED,
        external_id="LEAD-110",
    ),
    S(
        "structured-interviewing",
        "Structured interviewing certification",
        COURSE,
        (develops("hires-well", 1, 3),),
        "Scorecards, behavioural questions and evidence-based debriefs.",
        minutes=240,
        format=VIRTUAL,
        external_id="TA-101",
    ),
    S(
        "lead-a-hiring-process",
        "Lead a hiring process end to end",
        ON_THE_JOB,
        (develops("hires-well", 3, 4),),
        "Run the next hire in your team, from scorecard to offer, with a talent partner.",
        minutes=900,
        format=IN_PERSON,
    ),
    S(
        "inclusive-leadership",
        "Inclusive leadership",
        WORKSHOP,
        (develops("builds-inclusive-teams", 1, 3),),
        "Team norms, sharing airtime and handling conflict early.",
        minutes=360,
        cost=500.0,
        format=IN_PERSON,
        external_id="LEAD-120",
    ),
    S(
        "finance-for-managers",
        "Finance for non-finance managers",
        COURSE,
        (develops("financial-acumen", 1, 4),),
        "Budgets, margins, variance and business cases, with the finance team.",
        minutes=600,
        cost=700.0,
        format=BLENDED,
        external_id="FIN-101",
    ),
    S(
        "employment-law-update",
        "Employment law update",
        LIVE_SESSION,
        (develops("applies-employment-practice", 2, 4),),
        "This year's changes in employment law and what they mean for our policies.",
        minutes=180,
        cost=250.0,
        format=VIRTUAL,
    ),
    S(
        "presenting-with-impact",
        "Presenting with impact",
        WORKSHOP,
        (develops("communicates-clearly", 2, 3),),
        "Structure, openings and handling questions, filmed and played back.",
        minutes=420,
        cost=550.0,
        format=IN_PERSON,
        external_id="LEAD-140",
    ),
    S(
        "customer-immersion-day",
        "Customer immersion day",
        ON_THE_JOB,
        (develops("puts-customers-first", 1, 3),),
        "Spend a day with the support team and sit in on two customer calls.",
        minutes=480,
        format=IN_PERSON,
    ),
    S(
        "leading-through-change",
        "Leading through change",
        READING,
        (develops("adapts-to-change", 1, 3), develops("takes-ownership", 1, 3)),
        "A short book and a discussion guide to use with your manager.",
        minutes=300,
        cost=25.0,
        format=SELF_PACED,
    ),
)
