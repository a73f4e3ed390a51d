"""CASE 1.0 (1EdTech) framework exchange: import a CFPackage, export a version as one."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import ActorDep, UowDep
from app.api.etag import set_etag
from app.api.frameworks import DiffOut, FrameworkDetailOut
from app.api.problems import problem_responses
from app.domain.case import (
    CaseAssociation,
    CaseDocument,
    CaseItem,
    CasePackage,
    Rubric,
    RubricCriterion,
    RubricLevel,
)
from app.domain.errors import InvalidInput
from app.domain.frameworks import CapabilityType
from app.services import case
from app.services.frameworks import FrameworkDetail

router = APIRouter(tags=["frameworks"], responses=problem_responses(401, 422))

# Identifiers and URIs are stored and compared as they are: control characters (PostgreSQL
# refuses NUL) are refused rather than cleaned.
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
Identifier = Annotated[str, Field(min_length=1, max_length=200, pattern=PRINTABLE)]
Uri = Annotated[str, Field(min_length=1, max_length=1000, pattern=PRINTABLE)]
# Fields each CASE object maps onto Tandem's model (or that the export writes afresh); the
# others are kept as they came and exported again.
_DOCUMENT_FIELDS = {
    "identifier",
    "uri",
    "title",
    "description",
    "lastChangeDateTime",
    "CFPackageURI",
}
_ITEM_FIELDS = {
    "identifier",
    "uri",
    "fullStatement",
    "abbreviatedStatement",
    "CFItemType",
    "CFDocumentURI",
    "lastChangeDateTime",
}
_RUBRIC_FIELDS = {"identifier", "uri", "title", "CFRubricCriteria", "lastChangeDateTime"}
_CRITERION_FIELDS = {"CFItemURI", "CFRubricCriterionLevels", "rubricId", "lastChangeDateTime"}
_LEVEL_FIELDS = {"rubricCriterionId", "lastChangeDateTime"}


class _Open(BaseModel):
    """CASE objects carry more fields than Tandem models: they are kept, not refused."""

    model_config = ConfigDict(extra="allow")

    def kept(self, mapped: set[str]) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(exclude_unset=True).items() if k not in mapped}


class LinkURI(_Open):
    title: str = ""
    identifier: Identifier
    uri: Uri


class CFDocument(_Open):
    identifier: Identifier
    uri: Uri
    creator: str = ""
    title: str
    description: str = ""
    lastChangeDateTime: str | None = None

    def to_domain(self) -> CaseDocument:
        return CaseDocument(
            self.identifier,
            self.uri,
            self.title,
            self.description,
            self.kept(_DOCUMENT_FIELDS),
        )


class CFItem(_Open):
    identifier: Identifier
    uri: Uri
    fullStatement: str = Field(min_length=1)
    abbreviatedStatement: str = ""
    humanCodingScheme: str = ""
    CFItemType: str = Field(
        "",
        description="Skill, Knowledge, Behaviour, Tool or Process "
        "give a capability its type; Group makes a group.",
    )
    lastChangeDateTime: str | None = None

    def to_domain(self) -> CaseItem:
        return CaseItem(
            self.identifier,
            self.uri,
            self.fullStatement,
            self.abbreviatedStatement,
            self.CFItemType,
            self.kept(_ITEM_FIELDS),
        )


class CFAssociation(_Open):
    identifier: Identifier
    uri: Uri
    associationType: str = Field(description="isChildOf places items; others are kept.")
    originNodeURI: LinkURI
    destinationNodeURI: LinkURI
    sequenceNumber: int | None = None
    lastChangeDateTime: str | None = None

    def to_domain(self) -> CaseAssociation:
        return CaseAssociation(
            self.associationType,
            self.originNodeURI.identifier,
            self.destinationNodeURI.identifier,
            self.sequenceNumber,
            self.model_dump(exclude_unset=True),
        )


class CFRubricCriterionLevel(_Open):
    quality: str = Field("", description="The scale level's label.")
    description: str = Field("", description="The level's indicators, one per line.")
    feedback: str = ""
    score: float | None = None
    position: int | None = None


class CFRubricCriterion(_Open):
    CFItemURI: LinkURI | None = Field(None, description="The item this criterion measures.")
    CFRubricCriterionLevels: list[CFRubricCriterionLevel] = Field(default_factory=list)

    def to_domain(self) -> RubricCriterion:
        return RubricCriterion(
            self.CFItemURI.identifier if self.CFItemURI is not None else None,
            tuple(
                RubricLevel(
                    level.quality,
                    level.description,
                    level.feedback,
                    level.score,
                    level.position,
                    level.kept(_LEVEL_FIELDS),
                )
                for level in self.CFRubricCriterionLevels
            ),
            self.kept(_CRITERION_FIELDS),
        )


class CFRubric(_Open):
    identifier: Identifier
    uri: Uri
    title: str = ""
    CFRubricCriteria: list[CFRubricCriterion] = Field(default_factory=list)

    def to_domain(self) -> Rubric:
        return Rubric(
            self.identifier,
            self.uri,
            self.title,
            tuple(c.to_domain() for c in self.CFRubricCriteria),
            self.kept(_RUBRIC_FIELDS),
        )


class CFPackage(BaseModel):
    """A CASE 1.0 CFPackage, as the JSON binding has it. An import takes at most 10,000 items,
    50,000 associations and 1,000 rubrics."""

    CFDocument: CFDocument
    CFItems: list[CFItem] = Field(default_factory=list)
    CFAssociations: list[CFAssociation] = Field(default_factory=list)
    CFDefinitions: dict[str, Any] | None = None
    CFRubrics: list[CFRubric] = Field(default_factory=list)

    def to_domain(self) -> CasePackage:
        return CasePackage(
            self.CFDocument.to_domain(),
            tuple(i.to_domain() for i in self.CFItems),
            tuple(a.to_domain() for a in self.CFAssociations),
            tuple(r.to_domain() for r in self.CFRubrics),
            self.CFDefinitions,
        )


class CaseImportOut(BaseModel):
    framework: FrameworkDetailOut
    version: int = Field(description="The version holding the package's content.")
    created: bool = Field(description="Whether this import made the framework.")
    changed: bool = Field(description="False when the package says what Tandem holds already.")
    changes: DiffOut = Field(
        description="From what the framework held before: its draft, else its current version."
    )
    new_scales: list[str] = Field(description="Keys of the scales made from rubric levels.")
    notes: list[str] = Field(description="What was kept for export without a place in Tandem.")


@router.post(
    "/v1/frameworks:import-case",
    response_model=CaseImportOut,
    summary="Import a CASE 1.0 CFPackage",
    description="The first import of a CFDocument creates a framework (201) with version 1 as "
    "a draft; importing it again, or importing a package exported from a Tandem framework, "
    "updates that framework (200): the open draft, or a new one, holds the package's content, "
    "and nothing is written when nothing changed. CFItems with child items (isChildOf) or of "
    "CFItemType Group become groups, the others capabilities; each capability's "
    "CFRubricCriterion gives its scale (a tenant scale with the same level labels, else a new "
    "one) and its indicators (each level's description, one per line). Identifiers and URIs "
    "are kept, and so are the fields and associations Tandem does not model: the export gives "
    "them back. Errors name paths into the package, e.g. `body.CFItems.3.fullStatement`.",
    responses={
        201: {"model": CaseImportOut, "description": "The framework was created."},
        **problem_responses(403, 409),
    },
)
async def import_package(
    body: CFPackage,
    uow: UowDep,
    actor: ActorDep,
    response: Response,
    key: Annotated[
        str | None,
        Query(
            description="A new framework's key (default: from the title); a package that "
            "updates a framework keeps that framework's key."
        ),
    ] = None,
    default_type: Annotated[
        CapabilityType, Query(description="The type of items whose CFItemType names none.")
    ] = CapabilityType.SKILL,
    default_scale_key: Annotated[
        str | None, Query(description="The scale of items that no rubric criterion measures.")
    ] = None,
) -> CaseImportOut:
    try:
        imported = await case.import_package(
            uow,
            actor,
            package=body.to_domain(),
            key=key,
            default_type=default_type,
            default_scale_key=default_scale_key,
        )
    except InvalidInput as error:
        raise error.relocated(
            {
                "key": "query.key" if key is not None else "CFDocument.title",
                "name": "CFDocument.title",
                "description": "CFDocument.description",
                "default_scale_key": "query.default_scale_key",
            }
        ) from None
    framework = imported.framework
    if imported.created:
        response.status_code = 201
        response.headers["Location"] = f"/v1/frameworks/{framework.id}"
    set_etag(response, framework.version)
    return CaseImportOut(
        framework=FrameworkDetailOut.of_detail(FrameworkDetail(framework, imported.versions)),
        version=imported.version.number,
        created=imported.created,
        changed=imported.changed,
        changes=DiffOut.of(imported.changes),
        new_scales=list(imported.new_scales),
        notes=list(imported.notes),
    )


@router.get(
    "/v1/frameworks/{framework_id}/versions/{number}/case",
    response_model=CFPackage,
    response_model_exclude_unset=True,
    summary="Export a version as a CASE 1.0 CFPackage",
    description="Groups and capabilities as CFItems placed by isChildOf associations, each "
    "scale as a CFRubric with a criterion per capability whose levels carry the indicators. "
    "An imported framework keeps its identifiers, URIs and the fields it came with; one made "
    "in Tandem gets identifiers derived from its ids, so importing the package back updates it.",
    responses=problem_responses(404),
)
async def export_package(
    framework_id: Annotated[uuid.UUID, Path(description="The framework's id.")],
    number: Annotated[int, Path(ge=1, description="The version number.")],
    uow: UowDep,
    actor: ActorDep,
) -> dict[str, object]:
    return await case.export_version(uow, actor, framework_id=framework_id, number=number)
