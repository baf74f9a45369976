"""The checklist templates, by department or role. Cases registered from then on draw their tasks from them;
cases already running keep theirs."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response, status

from models.handover import ChecklistTemplate, ChecklistTemplateIn
from organisation import checklists
from web.cases.schemas import Problem, Responses
from web.dependencies import SessionDep

router = APIRouter(prefix="/api/checklists", tags=["checklists"])

# The id column is a 32-bit INTEGER on both databases: a larger number names no template.
TemplateId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Template id, as the list shows it.")]
UNKNOWN: Responses = {status.HTTP_404_NOT_FOUND: {"model": Problem, "description": "No such template."}}


def _unknown(template_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"There is no checklist template {template_id}.")


@router.get("", response_model=list[ChecklistTemplate], summary="List the checklist templates")
async def list_templates(session: SessionDep) -> list[ChecklistTemplate]:
    return await checklists.all_templates(session)


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=ChecklistTemplate, summary="Add a checklist template"
)
async def create_template(
    template: ChecklistTemplateIn, session: SessionDep, request: Request, response: Response
) -> ChecklistTemplate:
    """A template applies to one department, one role (job title), both, or, left empty, to every case.
    Each item falls to a role (manager, successor, hr, facilities, employee) and is due a number of working days
    before the last working day (negative: after it)."""
    created = await checklists.create(session, template)
    await session.commit()
    response.headers["Location"] = str(request.url_for("api_get_checklist", template_id=created.id))
    return created


@router.get(
    "/{template_id}",
    name="api_get_checklist",
    response_model=ChecklistTemplate,
    responses=UNKNOWN,
    summary="One checklist template",
)
async def get_template(template_id: TemplateId, session: SessionDep) -> ChecklistTemplate:
    template = await checklists.get(session, template_id)
    if template is None:
        raise _unknown(template_id)
    return template


@router.put(
    "/{template_id}", response_model=ChecklistTemplate, responses=UNKNOWN, summary="Replace a checklist template"
)
async def replace_template(
    template_id: TemplateId, template: ChecklistTemplateIn, session: SessionDep
) -> ChecklistTemplate:
    """Replace the template as a whole; cases already running keep their tasks."""
    replaced = await checklists.replace(session, template_id, template)
    if replaced is None:
        raise _unknown(template_id)
    await session.commit()
    return replaced


@router.delete(
    "/{template_id}", status_code=status.HTTP_204_NO_CONTENT, responses=UNKNOWN, summary="Delete a checklist template"
)
async def delete_template(template_id: TemplateId, session: SessionDep) -> Response:
    """Cases already running keep their tasks."""
    if not await checklists.delete(session, template_id):
        raise _unknown(template_id)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
