"""What CASE imports keep of their packages: one document row and its nodes per framework."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.adapters.db.common import insert_for
from app.adapters.db.tables import case_documents, case_nodes
from app.domain.case import CaseNode, CaseRecord, NodeKind


class SqlCaseRecordRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def framework_of(self, tenant_id: uuid.UUID, identifier: str) -> uuid.UUID | None:
        return await self._conn.scalar(
            sa.select(case_documents.c.framework_id).where(
                case_documents.c.tenant_id == tenant_id,
                case_documents.c.identifier == identifier,
            )
        )

    async def get(self, tenant_id: uuid.UUID, framework_id: uuid.UUID) -> CaseRecord | None:
        document = (
            await self._conn.execute(
                sa.select(case_documents).where(
                    case_documents.c.tenant_id == tenant_id,
                    case_documents.c.framework_id == framework_id,
                )
            )
        ).first()
        if document is None:
            return None
        nodes = await self._conn.execute(
            sa.select(case_nodes)
            .where(case_nodes.c.tenant_id == tenant_id, case_nodes.c.framework_id == framework_id)
            .order_by(case_nodes.c.kind, case_nodes.c.key)
        )
        return CaseRecord(
            identifier=document.identifier,
            uri=document.uri,
            extra=document.extra,
            definitions=document.definitions,
            associations=tuple(document.associations),
            nodes=tuple(
                CaseNode(
                    NodeKind(n.kind),
                    n.key,
                    n.identifier,
                    n.uri,
                    n.extra,
                    typed_as=n.typed_as,
                    placement=n.placement,
                    measure=n.measure,
                )
                for n in nodes
            ),
        )

    async def save(
        self, tenant_id: uuid.UUID, framework_id: uuid.UUID, record: CaseRecord, now: datetime
    ) -> None:
        insert = insert_for(self._conn, case_documents)
        document = {
            "identifier": record.identifier,
            "uri": record.uri,
            "extra": dict(record.extra),
            "definitions": None if record.definitions is None else dict(record.definitions),
            "associations": [dict(a) for a in record.associations],
            "updated_at": now,
        }
        await self._conn.execute(
            insert.values(
                tenant_id=tenant_id, framework_id=framework_id, created_at=now, **document
            ).on_conflict_do_update(index_elements=["framework_id"], set_=document)
        )
        await self._conn.execute(
            sa.delete(case_nodes).where(
                case_nodes.c.tenant_id == tenant_id, case_nodes.c.framework_id == framework_id
            )
        )
        if record.nodes:
            await self._conn.execute(
                sa.insert(case_nodes),
                [
                    {
                        "tenant_id": tenant_id,
                        "framework_id": framework_id,
                        "kind": node.kind.value,
                        "key": node.key,
                        "identifier": node.identifier,
                        "uri": node.uri,
                        "extra": dict(node.extra),
                        "typed_as": node.typed_as,
                        "placement": None if node.placement is None else dict(node.placement),
                        "measure": None if node.measure is None else dict(node.measure),
                    }
                    for node in record.nodes
                ],
            )
