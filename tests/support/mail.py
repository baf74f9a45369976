"""The mails and their languages every template is rendered for, with sample interview times."""

from typing import Any

from models.mail import MailRequest

SLOT_ONLINE = {
    "start": "2027-01-21T13:00:00+00:00",
    "end": "2027-01-21T14:00:00+00:00",
    "online": True,
}

LANGUAGES = ("nl", "en")
SLOT_IN_PERSON = {
    "start": "2027-01-22T09:00:00+00:00",
    "end": "2027-01-22T10:00:00+00:00",
    "online": False,
}
INVITATION = {
    "slots": [SLOT_IN_PERSON, SLOT_ONLINE],
    "short_notice": True,
    "duration_minutes": 60,
    "action_url": "http://offboarding.test/interview/tok-abc",
    "appreciation_token": "een boekenbon",
    "interviewer_name": "Sanne Peeters",
    "place": "Kantoor Utrecht, kamer 2.14",
    "online_link": "https://meet.example.org/exit",
}


COMMON: dict[str, Any] = {
    "case_id": "case-123",
    "case_url": "http://offboarding.test/cases/case-123",
    "organisation_name": "Van den Berg & Zonen",
    "employee_id": "E1001",
    "employee_name": "Anouk de Vries",
    "job_title": "Controller",
    "department": "Finance",
    "manager_name": "Bram Janssens",
    "departure_type": "resignation",
    "notice_date": "2027-01-04",
    "last_working_day": "2027-01-29",
    "equipment": ["Laptop", "Badge"],
    "timezone": "Europe/Amsterdam",
}


EXTRA: dict[str, dict[str, Any]] = {
    "team_announcement": {},
    "tasks_assigned": {
        "tasks": [
            {
                "id": "t1",
                "title": "Overdracht klantdossiers",
                "due_date": "2027-01-27",
                "action_url": "http://offboarding.test/task/tok-t1",
            },
            {
                "id": "t2",
                "title": "Wachtwoorden kluis overdragen",
                "due_date": "2027-01-28",
                "action_url": "http://offboarding.test/task/tok-t2",
            },
        ],
        "recipient_is_employee": False,
    },
    "task_reminder": {
        "task_title": "Overdracht klantdossiers",
        "due_date": "2027-01-27",
        "tasks": [
            {
                "id": "t1",
                "title": "Overdracht klantdossiers",
                "due_date": "2027-01-27",
                "action_url": "http://offboarding.test/task/tok-t1",
            }
        ],
        "recipient_is_employee": False,
    },
    "task_overdue": {
        "task_title": "Overdracht klantdossiers",
        "due_date": "2027-01-27",
        "assignee_email": "opvolger@example.org",
    },
    "equipment_reminder": {"items": ["Laptop", "Badge"]},
    "announcement_custodian": {
        "items": ["Leaseauto (1-ABC-23)", "Tankpas"],
        "equipment_url": "http://offboarding.test/equipment",
    },
    "equipment_missing": {
        "items": [
            {"name": "Laptop", "custodian_email": "it@example.org"},
            {"name": "Badge", "custodian_email": "facilities@example.org"},
        ]
    },
    "last_day_moved": {
        "previous_last_working_day": "2027-02-26",
        "reason": "Resterende verlofdagen verrekend",
    },
    "case_withdrawn": {"reason": "Nieuwe afspraken over de functie"},
    "case_closed": {
        "open_tasks": ["Eindafrekening opstellen"],
        "missing_equipment": ["Telefoon"],
        "settlement": ["Telefoon"],
        "interview_status": "held",
    },
    "interview_confirm_request": {},
    "interview_invitation": dict(INVITATION),
    "interview_invitation_reminder": {**INVITATION, "reminder_number": 1},
    "interview_confirmed": {
        "slot": SLOT_IN_PERSON,
        "interviewer_name": "Sanne Peeters",
        "place": "Kantoor Utrecht, kamer 2.14",
        "action_url": "http://offboarding.test/interview/tok-abc",
    },
    "interview_scheduled": {
        "slot": SLOT_IN_PERSON,
        "interviewer_name": "Sanne Peeters",
        "preparation_url": "http://offboarding.test/interviews/case-123/preparation",
    },
    "interview_reminder": {"slot": SLOT_IN_PERSON, "recipient_is_employee": True},
    "interview_cancelled": {"slot": SLOT_IN_PERSON, "recipient_is_employee": True, "because": "declined"},
    "interview_thank_you": {
        "consent_scope": "advice_only",
        "share_with_manager": True,
        "action_url": "http://offboarding.test/consent/tok-abc",
    },
    "interview_declined": {"reason": "Geen behoefte aan een gesprek"},
    "interview_time_proposed": {
        "slot": SLOT_IN_PERSON,
        "conflict": "calendar_busy",
        "interviewer_name": "Sanne Peeters",
        "preparation_url": "http://offboarding.test/interviews/case-123/preparation",
    },
    "interview_other_interviewer": {
        "reason": "Liever niet met mijn oud-teamleider",
        "interviewer_name": "Sanne Peeters",
    },
    "interview_no_response": {},
    "access_failed": {
        "outcome": "not_found",
        "account_id": "",
        "answer": "GET /Users → 200; no account matches",
    },
    "access_now": {"reason": "Ontslag op staande voet"},
    "interview_written_answers": {"interview_url": "http://offboarding.test/cases/case-123/interview"},
    "interview_main_points": {"main_points_url": "http://offboarding.test/my/cases/case-123/main-points"},
    "consent_revoked": {"revoked_on": "2027-02-03", "recipient_is_employee": True},
    "consent_revoked_hr": {
        "revoked_on": "2027-02-03",
        "interview_url": "http://offboarding.test/cases/case-123/interview",
    },
}


def announcement(case_id: str, to: str) -> MailRequest:
    """The HR announcement of a case as one mail to send, for the tests of sending itself (once, retried, in batches)."""
    context = {
        "case_url": "http://offboarding.test/cases/1",
        "organisation_name": "Voorbeeld BV",
        "employee_id": "E1",
        "employee_name": "Anouk",
        "job_title": "Controller",
        "department": "Finance",
        "manager_name": "Bram",
        "departure_type": "resignation",
        "notice_date": "2027-01-04",
        "last_working_day": "2027-01-29",
        "equipment": [],
    }
    return MailRequest(
        case_id=case_id, purpose="announcement", template="announcement_hr", to=to, language="nl", context=context
    )
