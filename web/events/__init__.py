"""Events from the HR system: `POST /api/events` (CloudEvents, HMAC-signed) and the list HR reads."""
