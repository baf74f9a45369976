"""A real CalDAV server for the availability tests: Radicale (PyPI ``radicale``) as a process of its own, on a free
port, with a storage folder of the test and one account that reads and writes every calendar, as an organisation's
service account for its interviewers' free/busy would. Events go in with the ``caldav`` client."""

import subprocess
import sys
from datetime import datetime
from pathlib import Path
from uuid import uuid4

from caldav.davclient import DAVClient
from icalendar import Calendar, Event

from tests.support import free_port, start_listening

USERNAME, PASSWORD = "offboarding", "radicale-secret-of-the-tests"


class Radicale:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # Each interviewer's calendar, as the organisation's setting names it.
        self.calendar_url = self.base + "/{email}/interviews/"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Radicale":
        users = self.folder / "users"
        users.write_text(f"{USERNAME}:{PASSWORD}\n")
        command = [
            sys.executable,
            "-m",
            "radicale",
            "--server-hosts",
            f"127.0.0.1:{self.port}",
            "--storage-filesystem-folder",
            str(self.folder / "collections"),
            "--auth-type",
            "htpasswd",
            "--auth-htpasswd-filename",
            str(users),
            "--auth-htpasswd-encryption",
            "plain",
            "--rights-type",
            "authenticated",
            "--logging-level",
            "warning",
        ]
        self.proc = start_listening(command, self.port, "radicale")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def busy(self, email: str, start: datetime, end: datetime, summary: str = "Teamoverleg") -> None:
        """An appointment in ``email``'s calendar (made the first time)."""
        with DAVClient(url=self.base + "/", username=USERNAME, password=PASSWORD) as client:
            home, url = f"{self.base}/{email}/", self.calendar_url.replace("{email}", email)
            if client.request(url, "PROPFIND", "", {"Depth": "0"}).status == 404:
                client.request(home, "MKCOL")
                client.mkcalendar(url)
            client.calendar(url=url).save_event(_event(start, end, summary))


def _event(start: datetime, end: datetime, summary: str) -> str:
    event = Event()
    event.add("uid", str(uuid4()))
    event.add("dtstamp", start)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    calendar = Calendar()
    calendar.add("prodid", "-//offboarding tests//radicale//EN")
    calendar.add("version", "2.0")
    calendar.add_component(event)
    return calendar.to_ical().decode()
