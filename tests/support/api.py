"""Cases registered over the REST API as the tests drive them: the actors, a registered case with its mails, an
invited interview."""

from datetime import date, datetime, time, timedelta

from tests.support import eventually, registration_data
from tests.support.case_driver import ORGANISATION_ZONE, last_day_in

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
        return (await self._read(self.url))["live"]

    async def interview(self) -> dict:
        return await self._read(f"{self.url}/interview")

    async def _read(self, url: str) -> dict:
        """The answer; a 503 (the workflow's query timed out on a busy machine) is asked again, as a person would."""

        async def answered():
            response = await self.http.get(url)
            if response.status_code == 503:
                return None
            assert response.status_code == 200, response.text
            return response.json()

        return await eventually(answered, timeout=60)

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


async def agree_time(case: Case, env, actor: dict | None = HR) -> dict:
    """HR agrees a time with the employee: the next working day at 10:00 on the clock of the time-skipping server.
    The interview as it is then. ``actor``: None where the client acts as its own signed-in account or token."""
    today = (await env.get_current_time()).astimezone(ORGANISATION_ZONE).date()
    for days in range(1, 8):
        start = datetime.combine(today + timedelta(days=days), time(10), tzinfo=ORGANISATION_ZONE)
        body = {"start": start.isoformat()} | ({"actor": actor} if actor else {})
        response = await case.post("interview/schedule", body)
        if response.status_code == 200 or response.json().get("code") != "slot_not_working_day":
            break
    assert response.status_code == 200, response.text
    return response.json()


async def at_agreed_time(case: Case, env, actor: dict | None = HR) -> dict:
    """The interview at its agreed time, from which on it can be recorded: HR agrees one (``agree_time``) unless a
    time is agreed already, and the clock of the time-skipping server moves on to it."""
    interview = await invited(case)
    if interview["status"] != "scheduled":
        interview = await agree_time(case, env, actor)
    start = datetime.fromisoformat(interview["scheduled"]["start"])
    now = await env.get_current_time()
    if start > now:
        await env.sleep(start - now)

    async def recordable() -> dict | None:
        view = await case.interview()
        return view if view["recordable"] else None

    return await eventually(recordable)
