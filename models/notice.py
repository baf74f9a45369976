"""A warning about the notice period, given when a departure is registered: never a refusal.

``message`` is the English sentence the API and the CLI show; ``code`` and ``params`` let the pages say it
in the reader's language (the sentences are message ids of the page catalogue, like the refusals')."""

from pydantic import BaseModel, Field


def N_(message: str) -> str:
    """Marks a sentence for the page catalogue; the pages translate it when they show the warning."""
    return message


MESSAGES: dict[str, str] = {
    "notice_nl_employee": N_(
        "The last working day (%(last_day)s) comes before the end of the employee's statutory notice period: one month from the "
        "notice on %(notice_date)s, until %(period_end)s (art. 7:672 lid 3 BW). Check whether remaining leave or an agreement explains it."
    ),
    "notice_nl_employer": N_(
        "The last working day (%(last_day)s) comes before the end of the employer's statutory notice period: %(months)s month(s) for "
        "%(years)s full year(s) of service, from the notice on %(notice_date)s until %(period_end)s (art. 7:672 lid 2 BW). With the UWV's "
        "permission it is shortened by the length of that procedure, to no less than one month (lid 4). Check whether remaining leave, "
        "an agreement or a court decision explains it."
    ),
    "notice_nl_employer_minimum": N_(
        "The last working day (%(last_day)s) comes before the end of the shortest statutory notice period an employer has: one month "
        "from the notice on %(notice_date)s, until %(period_end)s (art. 7:672 lid 2 and 4 BW; without a start date the length of service "
        "is not known). Check whether remaining leave, an agreement or a court decision explains it."
    ),
    "notice_nl_end_of_month": N_(
        "The last working day (%(last_day)s) comes before the end of the month in which the statutory notice period ends: notice is "
        "given against the end of a month, here %(month_end)s (art. 7:672 lid 1 BW), unless another day was agreed in writing or is "
        "customary. Check whether remaining leave explains it."
    ),
    "notice_be_employee": N_(
        "The last working day (%(last_day)s) comes before the end of the statutory notice period for a resignation: %(weeks)s week(s) for "
        "%(seniority_months)s month(s) of seniority, from Monday %(start)s until %(period_end)s (art. 37/2 § 2 Arbeidsovereenkomstenwet). "
        "Check whether remaining leave, an agreement or a compensation in lieu of notice explains it."
    ),
}


class NoticeWarning(BaseModel):
    code: str = Field(
        description="What kind of warning (`notice_nl_short`, `notice_nl_end_of_month`, `notice_be_short`); stable."
    )
    message: str = Field(description="The warning, in English.")
    params: dict[str, str] = Field(
        default_factory=dict, description="The values the sentence names (dates, periods, the article)."
    )

    @classmethod
    def of(cls, code: str, **params: object) -> "NoticeWarning":
        text = {name: str(value) for name, value in params.items()}
        return cls(code=code, message=MESSAGES[code] % text, params=text)
