"""A receiver of the product's webhooks that verifies them as the Standard Webhooks library does."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import standardwebhooks

from tests.support import free_port
from webhooks import signing

# A Standard Webhooks secret: whsec_ and a base64 key of 32 bytes.
SECRET = "whsec_" + base64.b64encode(b"webhook-key-for-the-receiver-32b").decode()


class Receiver:
    """A local HTTP server that keeps every request and answers with the statuses it is told, in turn."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[int] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks/offboarding"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver.answers.pop(0) if receiver.answers else 200
                receiver.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": body,
                        "status": status,
                    }
                )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self, event_type: str | None = None, status: int | None = None) -> list[dict]:
        found = []
        for request in list(self.requests):
            event = json.loads(request["body"])
            if (event_type is None or event["type"] == event_type) and (status is None or request["status"] == status):
                found.append({**request, "event": event})
        return found


def valid_signature(request: dict, secret: str | bytes = SECRET) -> bool:
    """Whether the receiver's Standard Webhooks library accepts the delivery; the X-Offboarding-* pair, still sent
    for earlier receivers, must verify as well."""
    try:
        standardwebhooks.Webhook(secret).verify(request["body"], request["headers"])
    except standardwebhooks.WebhookVerificationError:
        return False
    legacy_secret = secret.decode() if isinstance(secret, bytes) else secret
    try:
        signing.verify(
            legacy_secret,
            request["body"],
            request["headers"].get(signing.TIMESTAMP_HEADER),
            request["headers"].get(signing.SIGNATURE_HEADER),
            max_age_seconds=300,
        )
    except signing.SignatureInvalid:
        return False
    return True
