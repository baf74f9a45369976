"""One interview record as a row: the answers, the consent and the texts reports may quote, kept together."""

from datetime import datetime

from models.questionnaire import ConsentChoice, InterviewRecord
from models.tables import Case, InterviewRecordRow, InterviewText
from reports.anonymise import shareable_texts

CONVERSATION = "conversation"
WRITTEN = "written"


def record_row(
    case: Case,
    record: InterviewRecord,
    consent: ConsentChoice,
    *,
    interviewer_email: str,
    held_at: datetime,
    mode: str = CONVERSATION,
    consent_given_at: datetime | None = None,
) -> InterviewRecordRow:
    data = record.model_dump(mode="json")
    return InterviewRecordRow(
        case_id=case.id,
        interviewer_email=interviewer_email,
        record=data,
        consent_scope=consent.scope.value,
        share_with_manager=consent.share_with_manager,
        share_with_board=consent.share_with_board,
        consent_text_version=consent.text_version,
        consent_given_at=consent_given_at or held_at,
        held_at=held_at,
        mode=mode,
        texts=[
            InterviewText(field=field, text=text)
            for field, text in shareable_texts(data, (case.employee_name, case.manager_name)).items()
        ],
    )
