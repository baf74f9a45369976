"""Outgoing webhooks: case events (opened, step done, closed) told to other systems, signed like the events HR's system sends in.

``standard``: Standard Webhooks signatures, both ways; ``signing``: the earlier X-Offboarding-* scheme, still
sent beside it and still accepted. ``payloads``: what a webhook says. ``outbox``: the part that
runs inside the case workflow (deterministic; the delivery itself is the ``deliver_webhook`` activity)."""
