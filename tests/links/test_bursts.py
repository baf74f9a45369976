"""A burst of answers through one employee link slows that link only: HR's pages and API keep answering
at once, nothing answers 503, and exactly one answer reaches the case. In-process, against the real web app
and the time-skipping server, on the run's database (SQLite or PostgreSQL)."""

import asyncio
import time

import pytest

from links.turns import LinkBusy, LinkTurns
from tests.support.links import answers_seen, invitation_link, opened, used_rows

BURST = 20
# The pool waits 30 s for a free connection; an HR page that waits anywhere near that long is stalled.
QUICK_SECONDS = 5.0


async def timed(call) -> tuple[int, float]:
    began = time.monotonic()
    response = await call()
    return response.status_code, time.monotonic() - began


async def test_a_burst_through_one_link_slows_that_link_only(case, employee, hr, time_skipping_env, sessions):
    url = await invitation_link(case)
    token = await opened(employee, url)
    start = (await case.interview())["proposed_slots"][0]["start"]

    async def hr_meanwhile() -> list[tuple[int, float]]:
        seen = []
        for _ in range(3):
            seen.append(await timed(lambda: hr.get("/cases")))
            seen.append(await timed(lambda: hr.get(f"/cases/{case.id}")))
            seen.append(await timed(lambda: hr.get(case.url)))
        return seen

    burst = [employee.post(f"{url}/accept", data={"start": start, "csrf_token": token}) for _ in range(BURST)]
    *answers, hr_seen = await asyncio.gather(*burst, hr_meanwhile())

    codes = sorted(answer.status_code for answer in answers)
    assert codes.count(303) == 1, codes
    assert set(codes) <= {303, 409, 410, 429}, codes
    assert [code for code, _ in hr_seen] == [200] * len(hr_seen)
    assert max(seconds for _, seconds in hr_seen) < QUICK_SECONDS, hr_seen
    assert await answers_seen(time_skipping_env, case.id) == ["accept_slot"]
    assert await used_rows(sessions, case.id) == 1


async def test_answers_through_one_link_take_turns_and_a_long_line_is_turned_away():
    turns = LinkTurns(max_waiting=2, wait_seconds=5)
    order: list[str] = []
    release = asyncio.Event()

    async def answer(name: str, fingerprint: str = "one") -> str:
        try:
            async with turns.turn(fingerprint):
                order.append(name)
                if name == "first":
                    await release.wait()
                return "done"
        except LinkBusy:
            return "busy"

    first = asyncio.create_task(answer("first"))
    await asyncio.sleep(0)
    waiting = [asyncio.create_task(answer(f"waiting-{n}")) for n in range(2)]
    await asyncio.sleep(0)
    turned_away = await answer("fourth")
    other_link = await answer("other link", "two")
    release.set()

    assert turned_away == "busy"
    assert other_link == "done"  # another link is not held up by this one
    assert await first == "done" and [await task for task in waiting] == [
        "done",
        "done",
    ]
    assert order == ["first", "other link", "waiting-0", "waiting-1"]
    assert turns._lines == {}  # nothing kept once the line is empty


async def test_a_turn_waited_for_too_long_is_given_up():
    turns = LinkTurns(max_waiting=2, wait_seconds=0.05)
    async with turns.turn("one"):
        with pytest.raises(LinkBusy):
            async with turns.turn("one"):
                pass
    async with turns.turn("one"):  # the line is free again
        pass
