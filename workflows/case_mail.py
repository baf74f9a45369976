"""What every mail about a case may tell: who leaves, from where, when, and where the case is."""

from datetime import date

from models.organisation import Organisation
from models.registration import Registration


def case_mail_context(
    case_id: str, registration: Registration, organisation: Organisation, last_working_day: date
) -> dict:
    reg, org = registration, organisation
    return {
        "case_id": case_id,
        "case_url": f"{org.public_url}/cases/{case_id}",
        "organisation_name": org.name,
        "employee_id": reg.employee.id,
        "employee_name": reg.employee.name,
        "job_title": reg.employee.job_title,
        "department": reg.employee.department,
        "manager_name": reg.manager.name,
        "departure_type": reg.departure.type.value,
        "notice_date": reg.departure.notice_date.isoformat(),
        "last_working_day": last_working_day.isoformat(),
        "equipment": [item.name for item in reg.equipment],
        "timezone": org.policy.timezone,
    }
