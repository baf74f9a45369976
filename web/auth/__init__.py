"""Signing in: local accounts with argon2 passwords (optionally the organisation's OIDC provider),
server-side sessions in ``web_sessions``, bearer tokens for API programs (``api_tokens``), CSRF tokens on
every form, and the checks that decide who may open which page. ``install(app)`` wires it into the web app."""
