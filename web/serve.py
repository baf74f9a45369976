"""Serving the web app: ``python -m web.serve`` runs it under uvicorn with host, port and proxies from the settings.

uvicorn on its own believes ``X-Forwarded-For`` and ``X-Forwarded-Proto`` from 127.0.0.1 (its
``--forwarded-allow-ips`` default). Here only the ``trusted_proxies`` are believed, the same ones
``web.ratelimit`` reads the header for; without any, uvicorn reads no proxy headers at all, and the
connecting address is the client. ``make run``, the container image and the tests all start the web
app this way."""

import argparse
import ipaddress
import sys

import uvicorn

from config import Settings, get_settings
from operations.serving import prepare
from operations.startup import loading

APP = "web.app:create_app"


def forwarded_allow_ips(settings: Settings) -> str:
    """The trusted proxies as uvicorn reads them: networks written out in full (``10.1.2.3/8`` becomes ``10.0.0.0/8``)."""
    return ",".join(str(ipaddress.ip_network(proxy, strict=False)) for proxy in settings.trusted_proxies)


def uvicorn_options(settings: Settings) -> dict:
    allowed = forwarded_allow_ips(settings)
    return {
        "host": settings.web_host,
        "port": settings.web_port,
        "factory": True,
        "proxy_headers": bool(allowed),
        # Given always, even empty, so that uvicorn's own default and FORWARDED_ALLOW_IPS never apply.
        "forwarded_allow_ips": allowed,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m web.serve", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug"],
        help="Overrides OFFBOARDING_LOG_LEVEL.",
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.log_level:
        settings = settings.model_copy(update={"log_level": args.log_level.upper().replace("CRITICAL", "ERROR")})
    # Our logging for uvicorn's records too (text or JSON lines), and our access line (route templates, request ids).
    prepare(settings)
    with loading():
        import web.app  # noqa: F401  (its modules, loaded before uvicorn imports the factory APP names)
    uvicorn.run(
        APP, log_level=settings.log_level.lower(), log_config=None, access_log=False, **uvicorn_options(settings)
    )


if __name__ == "__main__":
    main(sys.argv[1:])
