"""The demo tenant's two competency scales, and how its frameworks describe a capability.

Behaviours are rated on the three-level scale managers know from reviews; skills, knowledge,
tools and processes on a five-level proficiency scale. Each indicator says what someone at that
level is seen to do, so that two raters reading it reach the same level.
"""

from dataclasses import dataclass

from app.domain.frameworks import CapabilitySpec, CapabilityType, FrameworkContent
from app.domain.scales import LevelSpec

SKILL, KNOWLEDGE, BEHAVIOUR = (
    CapabilityType.SKILL,
    CapabilityType.KNOWLEDGE,
    CapabilityType.BEHAVIOUR,
)
TOOL, PROCESS = CapabilityType.TOOL, CapabilityType.PROCESS


@dataclass(frozen=True)
class ScaleSeed:
    key: str
    name: str
    description: str
    levels: tuple[LevelSpec, ...]
    proficient_level: int


@dataclass(frozen=True)
class FrameworkSeed:
    key: str
    name: str
    description: str
    content: FrameworkContent


BEHAVIOUR_SCALE = ScaleSeed(
    key="behaviour-3",
    name="Behaviour rating",
    description="How consistently a behaviour is shown, in the words of performance reviews.",
    levels=(
        LevelSpec("needs-development", "Needs development", "Shown occasionally or on prompting."),
        LevelSpec("meets", "Meets expectations", "Shown consistently in their own work."),
        LevelSpec("exceeds", "Exceeds expectations", "Role-modelled and raised in others."),
    ),
    proficient_level=2,
)

PROFICIENCY_SCALE = ScaleSeed(
    key="proficiency-5",
    name="Proficiency",
    description="Depth of a skill, knowledge area, tool or process, from awareness to expert.",
    levels=(
        LevelSpec("awareness", "Awareness", "Knows the basics; needs guidance to apply them."),
        LevelSpec("foundation", "Foundation", "Applies it to routine work with some support."),
        LevelSpec("practitioner", "Practitioner", "Applies it independently in most situations."),
        LevelSpec("advanced", "Advanced", "Handles complex cases and guides others."),
        LevelSpec("expert", "Expert", "Sets the standard and shapes practice across teams."),
    ),
    proficient_level=3,
)

SCALES = (BEHAVIOUR_SCALE, PROFICIENCY_SCALE)


def capability(
    key: str, name: str, type: CapabilityType, group_key: str, description: str, *indicators: str
) -> CapabilitySpec:
    """Give one indicator per level, lowest first: three for a behaviour, else five."""
    scale = BEHAVIOUR_SCALE if type is BEHAVIOUR else PROFICIENCY_SCALE
    assert len(indicators) == len(scale.levels), key
    return CapabilitySpec(
        key=key,
        name=name,
        type=type,
        scale_key=scale.key,
        description=description,
        group_key=group_key,
        indicators={level: (text,) for level, text in enumerate(indicators, start=1)},
    )
