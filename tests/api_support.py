"""Cases registered over the REST API as the tests drive them: the actors, a registered case with its mails, an
invited interview."""

from datetime import date

from tests.case_driver import last_day_in
from tests.support import eventually, registration_data

HR = {"email": "hr@example.org", "role": "hr"}


MANAGER = {"email": "bram.janssens@example.org", "role": "manager"}


SUCCESSOR = {"name": "Sam Peeters", "email": "sam@example.org", "language": "nl"}


CONSENT = {
    "scope": "advice_only",
    "share_with_manager": True,
    "text_version": "2026-11",
}


class Case:
    """One case registered through the API, with the mails sent for it."""

    def __init__(self, http, mail_store, data: dict, case_id: str) -> None:
        self.http, self.mail_store, self.data, self.id = http, mail_store, data, case_id
        self.url = f"/api/cases/{case_id}"

    @property
    def employee(self) -> dict:
        return {"email": self.data["employee"]["work_email"], "role": "employee"}

    async def live(self) -> dict:
        response = await self.http.get(self.url)
        assert response.status_code == 200, response.text
        return response.json()["live"]

    async def interview(self) -> dict:
        response = await self.http.get(f"{self.url}/interview")
        assert response.status_code == 200, response.text
        return response.json()

    async def post(self, path: str, body: dict):
        return await self.http.post(f"{self.url}/{path}", json=body)

    def mails(self, purpose_prefix: str = "", to: str | None = None) -> list:
        return [
            m
            for m in self.mail_store.all()
            if m.case_id == self.id and m.purpose.startswith(purpose_prefix) and (to is None or m.to == to)
        ]

    async def wait_for_mail(self, purpose_prefix: str, count: int = 1, to: str | None = None) -> list:
        return await eventually(lambda: len(self.mails(purpose_prefix, to)) >= count and self.mails(purpose_prefix, to))


async def register(http, mail_store, department: str | None = None, **overrides) -> Case:
    data = registration_data(
        notice_date=date.today(),
        last_working_day=last_day_in(30),
        successor=SUCCESSOR,
        **overrides,
    )
    if department:
        data["employee"]["department"] = department
    response = await http.post("/api/cases", json=data)
    assert response.status_code == 201, response.text
    case = Case(http, mail_store, data, response.json()["case_id"])

    async def started():
        response = await http.get(case.url)
        return (
            response.status_code == 200
            and (live := response.json()["live"])
            and live["tasks"]
            and live["steps"]["announcement"] == "done"
        )

    await eventually(started)
    return case


async def invited(case: Case) -> dict:
    await case.wait_for_mail("interview:invitation", to=case.employee["email"])
    return await case.interview()
