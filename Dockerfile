# One image for every app process: the worker (default command), the web app and the migration.
# Configured only through OFFBOARDING_* environment variables (see README.md, "Settings").
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OFFBOARDING_DATA_DIR=/var/lib/offboarding

WORKDIR /app

# Pango renders the report PDFs (WeasyPrint).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, from pyproject.toml alone, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The code runs from /app (mail and page templates are read next to it); the editable install adds
# the `offboarding` command without copying anything into site-packages.
COPY . .
# Bytecode written once here: the workflow sandbox imports workflow modules afresh for every workflow it runs,
# and PYTHONDONTWRITEBYTECODE (above) would otherwise have each of those imports compile the source again.
RUN python -m compileall -q /app \
    && pip install --no-deps -e . \
    && useradd --system --uid 10001 --home-dir /app offboarding \
    && mkdir -p /var/lib/offboarding \
    && chown offboarding /var/lib/offboarding

USER offboarding

# The worker; compose runs the web app and the migration from the same image with other commands.
CMD ["python", "worker.py"]
