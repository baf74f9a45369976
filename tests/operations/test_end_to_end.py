"""The whole product as `make run` starts it: `python -m launcher` with its real children - the Temporal
dev server from the virtualenv, the mail sink, `python worker.py` and the web app under uvicorn - on
free ports, pointed at the test database. A departure registered over HTTP is announced by mail,
shows on the /mailbox page and can be read back; Ctrl-C stops every child; a restart finds the case
again; a dying child takes the rest down; a taken port is reported."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from markupsafe import escape

from launcher.main import port_taken
from mailsink.store import MailStore
from tests.support import eventually, free_port, registration_data, unique
from tests.support.auth import api_token, make_account, unique_email

# Real processes and real time: `make test-fast` leaves this module out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BANNER = "Offboarding is running"
START_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0
CHILDREN = {"temporal", "mailsink", "worker", "web"}


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


@dataclass
class Launched:
    """One `python -m launcher` run: its process, its output, its configuration."""

    env: dict[str, str]
    cwd: Path
    log_path: Path
    web_port: int
    smtp_port: int
    temporal_port: int
    ui_port: int
    data_dir: Path
    proc: subprocess.Popen | None = None
    children: dict[str, int] = field(default_factory=dict)

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self) -> Launched:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "launcher"],
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def wait_until_running(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        while BANNER not in self.output()[offset:]:
            code = self.proc.poll()
            assert code is None, f"the launcher exited with {code} during start-up:\n{self.tail()}"
            assert time.monotonic() < deadline, f"no banner within {START_TIMEOUT}s:\n{self.tail()}"
            time.sleep(0.1)
        self.children = {name: int(pid) for name, pid in re.findall(r"started (\S+) \(pid (\d+)\)", self.output())}

    def check_running(self) -> None:
        """Inside a wait: fail at once, with the reason, when the launcher has given up."""
        code = self.proc.poll()
        assert code is None, f"the launcher exited with {code}:\n{self.tail()}"

    def tail(self, lines: int = 80) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def stop(self, sig: int = signal.SIGINT) -> int:
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(
                f"the launcher did not stop within {STOP_TIMEOUT}s after {signal.Signals(sig).name}:\n{self.tail()}"
            )

    def kill_everything(self) -> None:
        """Teardown, whatever happened: no process of this run survives the test."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        for name, pid in re.findall(r"started (\S+) \(pid (\d+)\)", self.output()):
            pid = int(pid)
            if alive(pid) and _runs(pid, name):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)


def _runs(pid: int, name: str) -> bool:
    """Still the process the launcher started (and not a new one that got its pid)?"""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    marker = {"temporal": "start-dev", "mailsink": "mailsink.server", "worker": "worker.py", "web": "web.serve"}.get(
        name, name
    )
    return marker in cmdline


@pytest.fixture
def launch(tmp_path, database_url):
    """Makes launcher runs on free ports sharing one data folder; kills whatever is left at the end."""
    runs: list[Launched] = []
    ports = {"web": free_port(), "smtp": free_port(), "temporal": free_port(), "ui": free_port()}
    data_dir = tmp_path / "data"
    task_queue = f"e2e-{unique()}"

    def make(**overrides: str) -> Launched:
        env = {key: value for key, value in os.environ.items() if not key.startswith("OFFBOARDING_")}
        env.update(
            PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
            PYTHONUNBUFFERED="1",
            OFFBOARDING_DATA_DIR=str(data_dir),
            OFFBOARDING_DATABASE_URL=database_url,
            OFFBOARDING_TEMPORAL_ADDRESS=f"127.0.0.1:{ports['temporal']}",
            OFFBOARDING_TEMPORAL_UI_URL=f"http://127.0.0.1:{ports['ui']}",
            OFFBOARDING_TASK_QUEUE=task_queue,
            OFFBOARDING_SMTP_HOST="127.0.0.1",
            OFFBOARDING_SMTP_PORT=str(ports["smtp"]),
            OFFBOARDING_WEB_HOST="127.0.0.1",
            OFFBOARDING_WEB_PORT=str(ports["web"]),
            OFFBOARDING_PUBLIC_URL=f"http://127.0.0.1:{ports['web']}",
            OFFBOARDING_HR_EMAIL="hr@example.org",
            OFFBOARDING_FACILITIES_EMAIL="facilities@example.org",
            OFFBOARDING_FACILITIES_LANGUAGE="en",
        )
        env.update(overrides)
        run = Launched(
            env=env,
            cwd=tmp_path,  # not the repository: no stray .env file applies
            log_path=tmp_path / f"launcher-{len(runs) + 1}.log",
            web_port=int(env["OFFBOARDING_WEB_PORT"]),
            smtp_port=ports["smtp"],
            temporal_port=ports["temporal"],
            ui_port=ports["ui"],
            data_dir=data_dir,
        )
        runs.append(run)
        return run

    yield make
    for run in runs:
        run.kill_everything()
        # Shown by pytest only when the test failed: what the launcher and its children said.
        print(f"----- {run.log_path.name} -----\n{run.tail(200)}")


def _announcements(store: MailStore, case_id: str):
    try:
        mails = store.all()
    except FileNotFoundError:  # the Maildir is being made by the sink right now
        return []
    return [mail for mail in mails if mail.case_id == case_id and mail.purpose == "announcement"]


async def test_a_departure_registered_over_http_is_announced_and_survives_a_restart(launch, sessions):
    run = launch().start()
    run.wait_until_running()
    assert set(run.children) == CHILDREN, run.tail()
    output = run.output()
    assert f"Web app       http://localhost:{run.web_port}" in output
    assert f"http://localhost:{run.web_port}/docs" in output
    assert f"http://localhost:{run.web_port}/mailbox" in output
    assert f"http://127.0.0.1:{run.ui_port}" in output
    assert str(run.data_dir) in output

    data = registration_data(employee_id=unique("E2E"), manager_language="en")
    # A program calls the API with the token of an HR account (the mailbox page is HR's too).
    api = {
        "Authorization": f"Bearer {await api_token(sessions, await make_account(sessions, unique_email('hr'), ['hr']))}"
    }
    async with httpx.AsyncClient(base_url=run.web_url, timeout=30, headers=api) as http:
        created = await http.post("/api/cases", json=data)
        assert created.status_code == 201, created.text
        case_id = created.json()["case_id"]

        store = MailStore(run.data_dir / "mailbox")

        def three_announcements():
            run.check_running()
            found = _announcements(store, case_id)
            return len(found) >= 3 and found

        mails = await eventually(three_announcements, timeout=60)
        by_recipient = {mail.to: mail for mail in mails}
        assert sorted(mail.to for mail in mails) == sorted(by_recipient)  # one each
        assert set(by_recipient) == {"bram.janssens@example.org", "hr@example.org", "facilities@example.org"}
        assert by_recipient["bram.janssens@example.org"].language == "en"
        assert by_recipient["hr@example.org"].language == "nl"
        assert (
            by_recipient["facilities@example.org"].language == "en"
        )  # OFFBOARDING_FACILITIES_LANGUAGE reached the worker
        assert f"{run.web_url}/cases/{case_id}" in by_recipient["bram.janssens@example.org"].text

        page = await http.get("/mailbox")
        assert page.status_code == 200
        for mail in mails:
            assert str(escape(mail.subject)) in page.text

        async def announced():
            run.check_running()
            response = await http.get(f"/api/cases/{case_id}")
            body = response.json() if response.status_code == 200 else None
            return (
                body
                if body and body["record"] and body["live"] and body["live"]["steps"]["announcement"] == "done"
                else None
            )

        case = await eventually(announced, timeout=30)
        assert case["case_id"] == case_id
        assert case["status"] == "open"
        assert case["employee_id"] == data["employee"]["id"]

        docs = await http.get("/docs")
        assert docs.status_code == 200
        ui = await http.get(f"http://127.0.0.1:{run.ui_port}/")
        assert ui.status_code == 200

    # Ctrl-C: every child goes, the launcher exits 0, the ports are free again.
    assert run.stop(signal.SIGINT) == 0, run.tail()
    for pid in run.children.values():
        await eventually(lambda: not alive(pid), timeout=10)
    assert "SIGINT received: stopping everything" in run.output()
    assert "stopped." in run.output()
    for port in (run.web_port, run.smtp_port, run.temporal_port, run.ui_port):
        assert not port_taken("127.0.0.1", port), f"port {port} still taken after the launcher stopped"

    # The case lives in <data>/temporal.db and the database: a new run picks it up where it was.
    again = launch().start()
    again.wait_until_running()
    async with httpx.AsyncClient(base_url=again.web_url, timeout=30, headers=api) as http:
        case = await eventually(announced_on(http, case_id), timeout=30)
        assert case["status"] == "open"
        assert (await http.post("/api/cases", json=data)).status_code == 409
    assert len(_announcements(store, case_id)) == 3  # nothing was sent twice
    assert again.stop(signal.SIGTERM) == 0, again.tail()
    for pid in again.children.values():
        await eventually(lambda: not alive(pid), timeout=10)


def announced_on(http: httpx.AsyncClient, case_id: str):
    async def check():
        response = await http.get(f"/api/cases/{case_id}")
        body = response.json() if response.status_code == 200 else None
        return body if body and body["live"] else None

    return check


async def test_when_a_child_dies_the_launcher_stops_the_rest_and_fails(launch):
    run = launch().start()
    run.wait_until_running()

    os.kill(run.children["worker"], signal.SIGKILL)

    try:
        code = run.proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the launcher kept running after its worker died:\n{run.tail()}")
    assert code != 0
    assert re.search(r"worker \(pid \d+\) was killed by SIGKILL", run.output()), run.tail()
    for pid in run.children.values():
        await eventually(lambda: not alive(pid), timeout=10)


def test_a_port_taken_by_another_program_is_reported(launch):
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        taken = other.getsockname()[1]
        run = launch(OFFBOARDING_WEB_PORT=str(taken)).start()
        code = run.proc.wait(timeout=60)
    assert code == 1
    assert f"port {taken} on 127.0.0.1 (for the web app) is already in use by another program" in run.output()
    assert "OFFBOARDING_WEB_PORT" in run.output()
    assert "started" not in run.output()  # nothing was started
