"""Traces over OpenTelemetry, when ``otlp_endpoint`` is set (off by default).

The web app's requests are spans of the FastAPI instrumentation; the Temporal SDK's own interceptor carries the
trace from the client (the web app starting or updating a workflow) through the server into the worker's
workflow and activity spans, so one trace shows a request and the work it set off. Spans carry route templates
and workflow ids, never a raw path (the employee's link tokens live in paths) nor any payload."""

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from starlette.routing import Match

from config import Settings

TRACER_NAME = "offboarding"
# Attributes of a server span that would hold the raw path or query: replaced by the route template.
RAW_URL_ATTRIBUTES = ("http.target", "http.url", "url.path", "url.full")
QUERY_ATTRIBUTES = ("url.query",)

_providers: dict[tuple[str, str], TracerProvider] = {}
_process = {"service": "offboarding-cli"}


def exporter(endpoint: str) -> SpanExporter:
    return OTLPSpanExporter(endpoint=endpoint)


def name_process(service: str) -> None:
    """What this process is called in traces (``offboarding-web``, ``offboarding-worker``)."""
    _process["service"] = service


def provider(settings: Settings) -> TracerProvider | None:
    """This process's tracer provider, exporting to the settings' endpoint; None when traces are off."""
    if not settings.otlp_endpoint:
        return None
    key = (settings.otlp_endpoint, _process["service"])
    if key not in _providers:
        made = TracerProvider(resource=Resource.create({"service.name": _process["service"]}))
        made.add_span_processor(BatchSpanProcessor(exporter(settings.otlp_endpoint)))
        _providers[key] = made
    return _providers[key]


def client_interceptors(settings: Settings) -> list:
    """The Temporal client's interceptors: the SDK's tracing one when traces are on (workers take it from the client)."""
    traced = provider(settings)
    if traced is None:
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor(traced.get_tracer(TRACER_NAME))]


def _route_template(app, scope) -> str:
    for route in app.routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return getattr(route, "path", "") or "unmatched"
    return "unmatched"


def instrument_web(app, settings: Settings) -> None:
    traced = provider(settings)
    if traced is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    def without_raw_url(span, scope) -> None:
        if span is None or not span.is_recording():
            return
        template = _route_template(app, scope)
        for name in RAW_URL_ATTRIBUTES:
            span.set_attribute(name, template)
        for name in QUERY_ATTRIBUTES:
            span.set_attribute(name, "")

    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=traced, server_request_hook=without_raw_url, exclude_spans=["receive", "send"]
    )


def flush() -> None:
    """Send what is buffered (at a process's end)."""
    for made in _providers.values():
        made.force_flush()
