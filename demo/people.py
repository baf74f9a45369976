"""Who works at the demo organisation: an account per role, and the departures they deal with.

Dates are relative to the day the demo runs, in working days of the organisation's country, so the cases stand
where a real organisation's would: one registered today, one weeks into its handover, some closed."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from models.accounts import AccountRole
from models.questionnaire import ConsentScope


@dataclass(frozen=True)
class DemoAccount:
    role: AccountRole
    name: str
    email: str


ACCOUNTS = [
    DemoAccount(AccountRole.HR, "Hanna de Haan", "hanna.dehaan@example.org"),
    DemoAccount(AccountRole.MANAGER, "Bram Janssens", "bram.janssens@example.org"),
    DemoAccount(AccountRole.CUSTODIAN, "Kees Mulder", "kees.mulder@example.org"),
    DemoAccount(AccountRole.INTERVIEWER, "Sanne Visser", "sanne.visser@example.org"),
    DemoAccount(AccountRole.REVIEWER, "Marieke Bos", "marieke.bos@example.org"),
    DemoAccount(AccountRole.ADMIN, "Ruud Vermeulen", "ruud.vermeulen@example.org"),
]


def account(role: AccountRole) -> DemoAccount:
    return next(a for a in ACCOUNTS if a.role == role)


BRAM = {"name": "Bram Janssens", "email": "bram.janssens@example.org", "language": "nl"}
ESTHER = {"name": "Esther Kok", "email": "esther.kok@example.org", "language": "nl"}
DAAN = {"name": "Daan Bakker", "email": "daan.bakker@example.org", "language": "nl"}


@dataclass(frozen=True)
class Interview:
    """A held interview: the questionnaire's answers and what the employee consented to."""

    primary: str
    secondary: list[str]
    rating: int
    recommend: int
    scope: ConsentScope = ConsentScope.ADVICE_AND_EXPERIENCES
    share_with_manager: bool = False
    advice: str = ""
    went_well: str = ""
    should_improve: str = ""
    gender: str | None = None
    age_band: str | None = None

    def record(self) -> dict[str, Any]:
        areas = ["work_content", "working_conditions", "working_relations", "terms_of_employment", "work_organisation"]
        return {
            "experiences": {
                area: {"rating": max(1, min(5, self.rating + (i % 3) - 1)), "comment": ""}
                for i, area in enumerate(areas)
            },
            "primary_reason": self.primary,
            "secondary_reasons": self.secondary,
            "recommend_score": self.recommend,
            "belonging": {
                "felt_safe": self.rating,
                "felt_at_home": self.rating,
                "felt_valued": max(1, self.rating - 1),
                "influences": [],
            },
            "most_important_advice": self.advice,
            "went_well": self.went_well,
            "should_improve": self.should_improve,
            "target_group": {"gender": self.gender, "age_band": self.age_band},
        }


@dataclass(frozen=True)
class Departure:
    """One leaver and where the demo takes their case. ``state`` names the walk in demo.fill."""

    state: str
    employee_id: str
    name: str
    department: str
    job_title: str
    manager: dict[str, str]
    notice_days_ago: int
    last_day_in: int  # working days from today; negative: already past
    departure_type: str = "resignation"
    successor: dict[str, str] | None = None
    equipment: list[dict[str, str]] = field(
        default_factory=lambda: [{"name": "Laptop", "kind": "laptop"}, {"name": "Toegangspas", "kind": "badge"}]
    )
    interview: Interview | None = None
    note: str = ""

    def registration(self, today: date, working_days: Callable[[int], date]) -> dict[str, Any]:
        first, _, rest = self.name.lower().partition(" ")
        last = rest.replace(" ", "")
        data: dict[str, Any] = {
            "employee": {
                "id": self.employee_id,
                "name": self.name,
                "work_email": f"{first}.{last}@example.org",
                "private_email": f"{first}{last}@example.net",
                "language": "nl",
                "department": self.department,
                "job_title": self.job_title,
            },
            "departure": {
                "type": self.departure_type,
                "notice_date": (today - timedelta(days=self.notice_days_ago)).isoformat(),
                "last_working_day": working_days(self.last_day_in).isoformat(),
            },
            "manager": self.manager,
            "equipment": [
                {**item, "asset_tag": item.get("asset_tag") or f"NL-{self.employee_id[1:]}-{n}"}
                for n, item in enumerate(self.equipment, 1)
            ],
            "note": self.note,
        }
        if self.successor:
            data["successor"] = self.successor
        return data


DEPARTURES = [
    Departure(
        "registered",
        "E2041",
        "Lotte Smit",
        "Marketing",
        "Contentmarketeer",
        BRAM,
        0,
        22,
        note="Gaat naar een bureau in Utrecht.",
    ),
    Departure(
        "overdue",
        "E1877",
        "Thijs van Dijk",
        "Sales",
        "Accountmanager",
        BRAM,
        28,
        7,
        successor=DAAN,
        equipment=[
            {"name": "Laptop", "kind": "laptop"},
            {"name": "Telefoon", "kind": "phone"},
            {"name": "Toegangspas", "kind": "badge"},
        ],
    ),
    Departure("invited", "E1650", "Fleur Hendriks", "Finance", "Controller", ESTHER, 14, 16),
    Departure("agreed", "E1502", "Jeroen de Boer", "IT", "Systeembeheerder", BRAM, 21, 11),
    Departure(
        "held",
        "E0988",
        "Noor Bouzid",
        "Klantenservice",
        "Teamleider",
        ESTHER,
        35,
        6,
        departure_type="retirement",
        interview=Interview(
            "retirement",
            ["work_life_balance"],
            4,
            9,
            share_with_manager=True,
            age_band="55+",
            gender="woman",
            advice="Begin eerder met het inwerken van een opvolger.",
            went_well="De collega's en de ruimte om het team zelf in te richten.",
        ),
    ),
    Departure("declined", "E1733", "Pieter Mulder", "Operations", "Planner", BRAM, 20, 9),
    Departure(
        "dismissal",
        "E1411",
        "Kim de Graaf",
        "Operations",
        "Magazijnmedewerker",
        ESTHER,
        10,
        18,
        departure_type="dismissal",
    ),
    Departure("withdrawn", "E1966", "Ruben Vos", "IT", "Ontwikkelaar", BRAM, 12, 14),
    Departure(
        "closed",
        "E1204",
        "Anouk de Vries",
        "Finance",
        "Financieel administrateur",
        ESTHER,
        42,
        4,
        interview=Interview(
            "career_opportunity",
            ["pay_and_benefits"],
            4,
            8,
            gender="woman",
            age_band="25-34",
            advice="Laat zien hoe je hier kunt doorgroeien.",
            should_improve="Een duidelijk loopbaanpad.",
            went_well="Fijne collega's.",
        ),
    ),
    Departure(
        "closed",
        "E1311",
        "Daan Peeters",
        "Sales",
        "Binnendienstmedewerker",
        BRAM,
        40,
        4,
        interview=Interview(
            "pay_and_benefits",
            ["workload"],
            3,
            6,
            gender="man",
            age_band="25-34",
            advice="Kijk naar de salarissen in de markt.",
            should_improve="Minder overwerk aan het eind van het kwartaal.",
        ),
    ),
    Departure(
        "closed",
        "E0876",
        "Eva Jansen",
        "HR",
        "HR-adviseur",
        ESTHER,
        45,
        4,
        interview=Interview(
            "learning_and_development",
            ["career_opportunity"],
            4,
            7,
            scope=ConsentScope.ADVICE_ONLY,
            gender="woman",
            age_band="35-44",
            advice="Maak tijd en budget vrij voor opleiding.",
        ),
    ),
    Departure(
        "closed",
        "E1590",
        "Mohamed Amrani",
        "IT",
        "Netwerkbeheerder",
        BRAM,
        38,
        4,
        equipment=[
            {"name": "Laptop", "kind": "laptop"},
            {"name": "Telefoon", "kind": "phone"},
            {"name": "Toegangspas", "kind": "badge"},
        ],
        interview=Interview(
            "workload",
            ["manager", "work_life_balance"],
            2,
            4,
            gender="man",
            age_band="35-44",
            advice="Zorg voor genoeg mensen in het team.",
            should_improve="De bereikbaarheidsdiensten.",
        ),
    ),
    Departure(
        "closed",
        "E1725",
        "Iris Bos",
        "Marketing",
        "Grafisch ontwerper",
        BRAM,
        44,
        4,
        interview=Interview(
            "relocation",
            [],
            5,
            10,
            gender="woman",
            age_band="<25",
            went_well="Veel vrijheid en goede begeleiding bij de start.",
        ),
    ),
    Departure(
        "closed_declined",
        "E1098",
        "Tom Willems",
        "Operations",
        "Chauffeur",
        ESTHER,
        40,
        -3,
        equipment=[{"name": "Tankpas", "kind": "card"}],
    ),
]
