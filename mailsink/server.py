"""A local SMTP server that keeps every message it receives in a Maildir (the local run's mailbox)."""

import argparse
import signal
import threading
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from mailsink.store import MailStore


class MaildirHandler:
    def __init__(self, store: MailStore) -> None:
        self.store = store

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        if content is None:  # aiosmtpd calls this after DATA, with the message
            return "554 Transaction failed: no message"
        self.store.add(content)
        return "250 Message accepted for delivery"


def start_sink(host: str, port: int, directory: Path) -> Controller:
    controller = Controller(MaildirHandler(MailStore(directory)), hostname=host, port=port)
    controller.start()
    return controller


def main() -> None:
    parser = argparse.ArgumentParser(description="Local SMTP sink: stores received mail in a Maildir.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--directory", type=Path, required=True)
    args = parser.parse_args()
    controller = start_sink(args.host, args.port, args.directory)
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    print(f"mail sink listening on {args.host}:{args.port}, storing in {args.directory}", flush=True)
    stopped.wait()
    controller.stop()


if __name__ == "__main__":
    main()
