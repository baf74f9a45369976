"""Path parameters turned into cases, with the 404 and 503 answers in one place."""

from typing import Annotated

from fastapi import Depends, HTTPException, Path, status

from cases.errors import CaseUnavailable
from web.cases.detail import load_case
from web.cases.schemas import CaseDetail
from web.dependencies import SessionDep, TemporalDep

CaseId = Annotated[str, Path(max_length=120, description="The case id, `offboarding-<employee id>-<notice date>`.")]


async def valid_case(case_id: CaseId, client: TemporalDep, session: SessionDep) -> CaseDetail:
    try:
        case = await load_case(client, session, case_id)
    except CaseUnavailable:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"Case {case_id} cannot be read right now; try again in a moment.",
            headers={"Retry-After": "5"},
        ) from None
    if case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"There is no case {case_id}.")
    return case


CaseDetailDep = Annotated[CaseDetail, Depends(valid_case)]
