"""Rate limits on signing in (per email address, per client address) and on the employee's link pages (per
client address): 429 with Retry-After, as a page in the person's language or as JSON; behind a trusted proxy
the client address comes from X-Forwarded-For; with Redis several web replicas count together."""

import os
import shutil
import subprocess

import httpx
import pytest

from launcher.processes import Process
from tests.support import eventually, free_port, serve
from tests.support.auth import (
    PASSWORD,
    another_client,
    client_from,
    csrf_token,
    make_account,
    sign_out,
    unique_email,
)
from tests.support.process import start, wait_answering
from web.ratelimit import RateLimits


@pytest.fixture
def limited(settings, time_skipping_env):
    """The web app with small limits (counters of its own)."""

    def make(**changes):
        return serve(settings.model_copy(update=changes), time_skipping_env.client)

    return make


async def _sign_in(http, email: str, password: str, **headers):
    form = await http.get("/login")
    return await http.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_token(form.text)}, headers=headers
    )


async def test_too_many_sign_in_attempts_for_one_account_are_refused_for_a_while(limited, sessions):
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    other = await make_account(sessions, unique_email("hr"), ["hr"])
    async with limited(sign_in_limit_per_account_and_address="3 per 15 minutes", sign_in_limit_per_address="") as http:
        wrong = [await _sign_in(http, email, "not the password") for _ in range(3)]
        refused = await _sign_in(http, email, PASSWORD, **{"Accept-Language": "nl"})
        english = await _sign_in(http, email.upper(), PASSWORD, **{"Accept-Language": "en"})
        someone_else = await _sign_in(another_client(http), other, PASSWORD)

    assert [response.status_code for response in wrong] == [401, 401, 401]
    assert (
        refused.status_code == 429 and english.status_code == 429
    )  # the right password, too, from this address and an unknown browser
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert "Te veel aanmeldpogingen" in refused.text and 'name="password"' in refused.text
    assert "Too many sign-in attempts in a short time. Please wait 15 minutes and try again." in english.text
    assert "offboarding_session" not in refused.headers.get("set-cookie", "")
    assert someone_else.status_code == 303


async def test_signing_in_starts_the_accounts_count_afresh(limited, sessions):
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    async with limited(sign_in_limit_per_account_and_address="3 per 15 minutes", sign_in_limit_per_address="") as http:
        answers = [
            (await _sign_in(another_client(http), email, password)).status_code
            for password in ("wrong", "wrong", PASSWORD, "wrong", "wrong", PASSWORD)
        ]
    assert answers == [401, 401, 303, 401, 401, 303]


async def test_an_attacker_guessing_from_one_address_cannot_lock_the_owner_out(limited, sessions):
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    async with limited() as http:  # the shipped limits
        owners_laptop = another_client(http)
        assert (await _sign_in(owners_laptop, email, PASSWORD)).status_code == 303
        await sign_out(owners_laptop)  # the laptop is still known to the account

        attacker = another_client(http)  # from the same address as the laptop (an office's one public address)
        guesses = [(await _sign_in(attacker, email, f"guess {n}")).status_code for n in range(50)]
        owner_elsewhere = await _sign_in(client_from(http, "198.51.100.20"), email, PASSWORD)
        owner_on_the_laptop = await _sign_in(owners_laptop, email, PASSWORD)
        attacker_after = await _sign_in(attacker, email, PASSWORD)
        attacker_elsewhere_in_the_office = await _sign_in(another_client(http), email, PASSWORD)

    assert guesses[:10] == [401] * 10 and set(guesses[10:]) == {429}
    assert owner_elsewhere.status_code == 303
    assert owner_on_the_laptop.status_code == 303
    assert attacker_after.status_code == 429 and attacker_elsewhere_in_the_office.status_code == 429


async def test_guessing_from_many_addresses_holds_back_unknown_browsers_only(limited, sessions):
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    async with limited(sign_in_limit_per_account="5 per hour") as http:
        owners_laptop = client_from(http, "192.0.2.10")
        assert (await _sign_in(owners_laptop, email, PASSWORD)).status_code == 303
        await sign_out(owners_laptop)

        guesses = [
            (await _sign_in(client_from(http, f"203.0.113.{n}"), email, "guess")).status_code for n in range(1, 8)
        ]
        new_browser = await _sign_in(client_from(http, "198.51.100.30"), email, PASSWORD)
        owner_on_the_laptop = await _sign_in(owners_laptop, email, PASSWORD)

    assert guesses == [401] * 5 + [429] * 2
    assert new_browser.status_code == 429 and "retry-after" in new_browser.headers
    assert owner_on_the_laptop.status_code == 303


async def test_a_known_browser_cookie_for_another_account_or_forged_counts_for_nothing(limited, sessions):
    owner = await make_account(sessions, unique_email("hr"), ["hr"])
    attacker_account = await make_account(sessions, unique_email("manager"), ["manager"])
    async with limited(sign_in_limit_per_account_and_address="3 per 15 minutes") as http:
        attacker = another_client(http)
        assert (
            await _sign_in(attacker, attacker_account, PASSWORD)
        ).status_code == 303  # a cookie of their own account
        await sign_out(attacker)
        cookie = next(name for name in attacker.cookies if name.endswith("offboarding_device"))
        guesses = [(await _sign_in(attacker, owner, "guess")).status_code for _ in range(4)]
        attacker.cookies.set(cookie, "forged." + attacker.cookies[cookie][-20:])
        forged = await _sign_in(attacker, owner, PASSWORD)

    assert guesses == [401, 401, 401, 429]
    assert forged.status_code == 429


async def test_failed_sign_ins_from_one_address_are_limited_across_accounts(limited, sessions):
    emails = [await make_account(sessions, unique_email("hr"), ["hr"]) for _ in range(4)]
    async with limited(sign_in_limit_per_address="3 per 10 minutes") as http:
        failures = [(await _sign_in(http, email, "wrong")).status_code for email in emails[:3]]
        refused = await _sign_in(http, emails[3], PASSWORD)
        elsewhere = await _sign_in(
            http, emails[3], PASSWORD, **{"X-Forwarded-For": "203.0.113.9"}
        )  # not a trusted proxy: ignored
    assert failures == [401, 401, 401]
    assert refused.status_code == 429 and "retry-after" in refused.headers
    assert elsewhere.status_code == 429


async def test_the_employee_link_pages_are_limited_per_address(limited):
    async with limited(link_limit_per_address="3 per minute") as http:
        first = [await http.get(f"/invitation/forged-{n}") for n in range(3)]
        page = await http.get("/consent/forged", headers={"Accept-Language": "nl"})
        english = await http.get("/invitation/forged/interview.ics", headers={"Accept-Language": "en"})
        machine = await http.get("/invitation/forged", headers={"Accept": "application/json"})
        posted = await http.post("/consent/forged/revoke", data={})
        sign_in_page = await http.get("/login")

    assert [response.status_code for response in first] == [404, 404, 404]
    for response in (page, english, machine, posted):
        assert response.status_code == 429
        assert 0 < int(response.headers["retry-after"]) <= 60
    assert "Te veel verzoeken in korte tijd" in page.text
    assert "There were too many requests in a short time. Please wait a minute and try again." in english.text
    assert machine.json()["detail"].startswith("Too many requests")
    assert sign_in_page.status_code == 200  # other pages are not counted


async def test_behind_a_trusted_proxy_the_forwarded_client_address_counts(limited):
    async with limited(link_limit_per_address="2 per minute", trusted_proxies=["127.0.0.0/8"]) as http:
        one = [await http.get("/invitation/x", headers={"X-Forwarded-For": "203.0.113.5"}) for _ in range(2)]
        # What the client wrote left of the proxy's own entry proves nothing: the same address is counted.
        spoofed = await http.get("/invitation/x", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.5"})
        another = await http.get("/invitation/x", headers={"X-Forwarded-For": "203.0.113.6"})

    assert [response.status_code for response in one] == [404, 404]
    assert spoofed.status_code == 429
    assert another.status_code == 404


def test_the_client_address_is_read_from_x_forwarded_for_only_for_trusted_proxies(settings):
    def address(peer: str, forwarded: str | None, trusted: list[str]) -> str:
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
        return RateLimits(settings.model_copy(update={"trusted_proxies": trusted})).client_address(
            {"client": (peer, 1234), "headers": headers}
        )

    assert address("198.51.100.7", "203.0.113.5", []) == "198.51.100.7"
    assert address("198.51.100.7", "203.0.113.5", ["10.0.0.0/8"]) == "198.51.100.7"  # not from a proxy of ours
    assert address("10.1.2.3", "203.0.113.5", ["10.0.0.0/8"]) == "203.0.113.5"
    assert address("10.1.2.3", "1.2.3.4, 203.0.113.5, 10.9.9.9", ["10.0.0.0/8"]) == "203.0.113.5"  # through two proxies
    assert address("10.1.2.3", None, ["10.0.0.0/8"]) == "10.1.2.3"
    assert address("10.1.2.3", "2001:db8::1", ["10.0.0.0/8"]) == "2001:db8::1"


@pytest.fixture
def redis_url():
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_web_replicas_count_together_in_redis(limited, redis_url):
    async def reachable():
        import redis.asyncio

        client = redis.asyncio.Redis.from_url(redis_url)
        try:
            return await client.ping()
        except Exception:
            return False
        finally:
            await client.aclose()

    await eventually(reachable, timeout=10)
    shared = {"rate_limit_storage_url": redis_url, "link_limit_per_address": "3 per minute"}
    async with limited(**shared) as first, limited(**shared) as second:
        answers = [
            (await first.get("/invitation/x")).status_code,
            (await second.get("/invitation/x")).status_code,
            (await first.get("/invitation/x")).status_code,
        ]
        refused = await second.get("/invitation/x")

    assert answers == [404, 404, 404]
    assert refused.status_code == 429


class WebProcess:
    """The web app as it is run (``python -m web.serve``, a uvicorn process of its own), with small link limits."""

    def __init__(self, settings, temporal, tmp_path, **environment: str) -> None:
        self.port = free_port()
        self.log = tmp_path / f"web-{self.port}.log"
        self.env = {
            **os.environ,
            "OFFBOARDING_DATA_DIR": str(tmp_path),
            "OFFBOARDING_DATABASE_URL": settings.database_url,
            "OFFBOARDING_TEMPORAL_ADDRESS": temporal.client.service_client.config.target_host,
            "OFFBOARDING_WEB_HOST": "127.0.0.1",
            "OFFBOARDING_WEB_PORT": str(self.port),
            "OFFBOARDING_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "OFFBOARDING_LINK_LIMIT_PER_ADDRESS": "3 per minute",
            "OFFBOARDING_SIGN_IN_LIMIT_PER_ADDRESS": "3 per 10 minutes",
            "FORWARDED_ALLOW_IPS": "*",  # uvicorn's own variable: must change nothing
            **environment,
        }
        self.process: Process | None = None

    async def __aenter__(self) -> "WebProcess":
        self.process = start("web", self.env, self.log)
        await wait_answering(f"http://127.0.0.1:{self.port}/health", alive=[self.process], interval=0.2)
        return self

    async def __aexit__(self, *_exc) -> None:
        self.process.stop()

    def client(self, from_address: str = "127.0.0.1") -> httpx.AsyncClient:
        """A client connecting from ``from_address`` (every 127.x address is this machine)."""
        return httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{self.port}", transport=httpx.AsyncHTTPTransport(local_address=from_address)
        )


async def _links_with_rotating_forwarded_for(client: httpx.AsyncClient, count: int) -> list[int]:
    return [
        (await client.get(f"/invitation/x{n}", headers={"X-Forwarded-For": f"203.0.113.{n + 1}"})).status_code
        for n in range(count)
    ]


async def test_without_a_trusted_proxy_the_served_app_believes_no_forwarded_for(
    settings, time_skipping_env, tmp_path, sessions
):
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    async with WebProcess(settings, time_skipping_env, tmp_path) as web, web.client() as local:
        links = await _links_with_rotating_forwarded_for(local, 5)
        sign_ins = []
        for n in range(5):
            form = await local.get("/login")
            answer = await local.post(
                "/login",
                data={"email": email, "password": "wrong", "csrf_token": csrf_token(form.text)},
                headers={"X-Forwarded-For": f"198.51.100.{n + 1}"},
            )
            sign_ins.append(answer.status_code)

    assert links == [404, 404, 404, 429, 429]
    assert sign_ins == [401, 401, 401, 429, 429]


async def test_behind_a_trusted_proxy_the_served_app_believes_forwarded_for_from_it_only(
    settings, time_skipping_env, tmp_path
):
    async with WebProcess(settings, time_skipping_env, tmp_path, OFFBOARDING_TRUSTED_PROXIES="127.0.0.2") as web:
        async with web.client("127.0.0.2") as proxy, web.client("127.0.0.1") as elsewhere:
            through_proxy = await _links_with_rotating_forwarded_for(proxy, 5)
            one_client = [
                (await proxy.get("/invitation/x", headers={"X-Forwarded-For": "198.51.100.7"})).status_code
                for _ in range(4)
            ]
            not_the_proxy = await _links_with_rotating_forwarded_for(elsewhere, 5)

    assert through_proxy == [404] * 5  # each forwarded client counted on its own
    assert one_client == [404, 404, 404, 429]
    assert not_the_proxy == [404, 404, 404, 429, 429]


def test_uvicorn_is_told_the_trusted_proxies_only(settings):
    from web.serve import uvicorn_options

    none = uvicorn_options(settings.model_copy(update={"trusted_proxies": []}))
    some = uvicorn_options(settings.model_copy(update={"trusted_proxies": ["10.1.2.3/8", "192.0.2.7"]}))
    assert none["proxy_headers"] is False and none["forwarded_allow_ips"] == ""
    assert some["proxy_headers"] is True and some["forwarded_allow_ips"] == "10.0.0.0/8,192.0.2.7/32"
