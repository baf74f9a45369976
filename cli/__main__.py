"""`python -m cli` runs the same command as `offboarding`."""

from cli.main import app

app()
