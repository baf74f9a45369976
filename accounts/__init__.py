"""The people who sign in: accounts, their passwords, their sessions and their API tokens.

The web app (web/auth, web/accounts) and the command line (cli/accounts.py) both stand on this package; it
knows nothing of HTTP. Cookies and request handling are the web app's (web/auth/cookies.py)."""
