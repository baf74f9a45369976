"""Consent is recorded with the interview, limits what the manager hears, and can be revoked later."""

from datetime import UTC, datetime

import pytest

from activities.cases import CaseActivities
from activities.interviews import InterviewActivities
from cases import consent
from models.questionnaire import ConsentChoice
from models.records import StoreCaseInput, StoreInterviewInput
from models.registration import Registration
from tests.case_driver import RECORD
from tests.support import registration_data


async def _interviewed(sessions, scope: str, share_with_manager: bool) -> str:
    registration = Registration.model_validate(registration_data())
    await CaseActivities(None, sessions).store_case(
        StoreCaseInput(case_id=registration.case_id, registration=registration)
    )
    await InterviewActivities(sessions).store_interview(
        StoreInterviewInput(
            case_id=registration.case_id,
            interviewer_email="hr@example.org",
            record=RECORD,
            consent=ConsentChoice(scope=scope, share_with_manager=share_with_manager, text_version="2026-11"),
            held_at=datetime(2027, 1, 20, 10, tzinfo=UTC),
        )
    )
    return registration.case_id


async def test_storing_the_interview_twice_keeps_one_record(sessions):
    case_id = await _interviewed(sessions, "advice_only", True)
    again = await InterviewActivities(sessions).store_interview(
        StoreInterviewInput(
            case_id=case_id,
            interviewer_email="x@example.org",
            record=RECORD,
            consent=ConsentChoice(scope="nothing", share_with_manager=False, text_version="2026-11"),
            held_at=datetime.now(UTC),
        )
    )
    async with sessions() as session:
        kept = await consent.consent_of(session, case_id)
    assert kept.scope == "advice_only" and again


async def test_manager_hears_the_main_points_only_with_consent(sessions):
    shared = await _interviewed(sessions, "advice_only", True)
    private = await _interviewed(sessions, "advice_and_experiences", False)
    async with sessions() as session:
        feedback = await consent.feedback_for_manager(session, shared)
        assert feedback.advice_summary == "Career paths."
        assert await consent.feedback_for_manager(session, private) is None


async def test_revoking_consent_is_recorded_once_and_stops_manager_feedback(sessions):
    case_id = await _interviewed(sessions, "advice_and_experiences", True)
    first = datetime(2027, 3, 1, tzinfo=UTC)
    async with sessions.begin() as session:
        revoked = await consent.revoke(session, case_id, at=first)
    async with sessions.begin() as session:
        again = await consent.revoke(session, case_id)
        assert await consent.feedback_for_manager(session, case_id) is None
    assert revoked.revoked_at == again.revoked_at == first


async def test_no_interview_no_consent(sessions):
    with pytest.raises(consent.NoInterviewRecord):
        async with sessions() as session:
            await consent.consent_of(session, "offboarding-unknown-2027-01-01")
