"""Checklist templates by department or role, from which each case's handover tasks are drawn."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.audit import AuditAction, SubjectType
from models.handover import ChecklistItem, ChecklistTemplate, ChecklistTemplateIn
from models.recorded import RECORDED
from models.tables import ChecklistTemplateRow
from privacy import audit

EDITORS = ("admin", "hr")


def _model(row: ChecklistTemplateRow) -> ChecklistTemplate:
    values = {
        "id": row.id,
        "name": row.name,
        "department": row.department,
        "job_title": row.job_title,
        "country": row.country,
        "items": row.items,
    }
    return ChecklistTemplate.model_validate(values, context=RECORDED)


async def all_templates(session: AsyncSession) -> list[ChecklistTemplate]:
    rows = await session.execute(select(ChecklistTemplateRow).order_by(ChecklistTemplateRow.id))
    return [_model(row) for row in rows.scalars()]


async def get(session: AsyncSession, template_id: int) -> ChecklistTemplate | None:
    row = await session.get(ChecklistTemplateRow, template_id)
    return _model(row) if row else None


async def create(session: AsyncSession, data: ChecklistTemplateIn) -> ChecklistTemplate:
    row = ChecklistTemplateRow(**data.model_dump(mode="json"))
    session.add(row)
    await session.flush()
    await audit.record(
        session, AuditAction.CHECKLIST_CREATED, SubjectType.CHECKLIST, str(row.id), {"name": row.name}, roles=EDITORS
    )
    return _model(row)


async def replace(session: AsyncSession, template_id: int, data: ChecklistTemplateIn) -> ChecklistTemplate | None:
    row = await session.get(ChecklistTemplateRow, template_id)
    if row is None:
        return None
    for key, value in data.model_dump(mode="json").items():
        setattr(row, key, value)
    await session.flush()
    await audit.record(
        session, AuditAction.CHECKLIST_REPLACED, SubjectType.CHECKLIST, str(row.id), {"name": row.name}, roles=EDITORS
    )
    return _model(row)


async def delete(session: AsyncSession, template_id: int) -> bool:
    row = await session.get(ChecklistTemplateRow, template_id)
    if row is None:
        return False
    await session.delete(row)
    await audit.record(
        session,
        AuditAction.CHECKLIST_DELETED,
        SubjectType.CHECKLIST,
        str(template_id),
        {"name": row.name},
        roles=EDITORS,
    )
    return True


def _applies(template: ChecklistTemplate, department: str, job_title: str, country: str) -> bool:
    return (
        template.department in (None, department)
        and template.job_title in (None, job_title)
        and template.country in (None, country)
    )


async def items_for(session: AsyncSession, department: str, job_title: str, country: str) -> list[ChecklistItem]:
    """Every item of every template that fits the department, the role and the organisation's country; the same title counts once."""
    items: dict[str, ChecklistItem] = {}
    for template in await all_templates(session):
        if _applies(template, department, job_title, country):
            for item in template.items:
                items.setdefault(item.title.casefold(), item)
    return list(items.values())
