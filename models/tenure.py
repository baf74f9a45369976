"""Years of service in bands, as the reports break departures down: from the start date HR registered to the last
working day. Reports compute the band in SQL; an anonymised case keeps only its band (privacy.retention), worked out
here by the same rule, so that it counts in the same band after its dates are cut back to their month."""

from datetime import date

# (band, fewer than this many years of service)
TENURE_BANDS = [("<1", 1), ("1-2", 2), ("2-5", 5), ("5-10", 10)]
LONGEST_TENURE = "10+"
# Where an anonymised case keeps its band: the registration, cleared of everything else.
KEPT_BAND_KEY = "tenure_band"


def tenure_band(start: date, last_working_day: date) -> str:
    for band, years in TENURE_BANDS:
        if start > _years_before(last_working_day, years):
            return band
    return LONGEST_TENURE


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)
