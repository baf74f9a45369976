"""The OpenAPI document is valid OpenAPI (checked by openapi-spec-validator) and says what a generated client
needs: where the API is, how each call authenticates and what it answers without, and how events are signed."""

import pytest
from openapi_spec_validator import validate

from web.app import create_app

ACCOUNT_ONLY = [
    ("get", "/api/audit"),
    ("get", "/api/people/{employee_id}/export"),
    ("post", "/api/people/{employee_id}/erase"),
    ("get", "/api/session"),
]


@pytest.fixture
def document(settings):
    return create_app(settings).openapi()


def test_the_whole_document_is_valid_openapi(document):
    validate(document)


def test_it_names_the_server_it_is_served_from(document, settings):
    assert document["servers"][0]["url"] == settings.public_url.rstrip("/")


@pytest.mark.parametrize(("method", "path"), ACCOUNT_ONLY)
def test_calls_that_need_an_account_declare_it_and_their_401(document, method, path):
    operation = document["paths"][path][method]

    assert {"Token": []} in operation["security"]
    assert {"Session": []} in operation["security"]
    assert "401" in operation["responses"]
    assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
    schemes = document["components"]["securitySchemes"]
    assert schemes["Token"]["scheme"] == "bearer"
    assert schemes["Session"]["in"] == "cookie"


def test_every_api_call_but_the_signed_events_declares_how_it_authenticates(document):
    unguarded = [
        (method, path)
        for path, operations in document["paths"].items()
        if path.startswith("/api/")
        for method, operation in operations.items()
        if not operation.get("security") and (method, path) != ("post", "/api/events")
    ]
    assert unguarded == []


def test_the_event_endpoint_describes_its_signing_headers_and_both_modes(document):
    operation = document["paths"]["/api/events"]["post"]
    headers = {parameter["name"]: parameter for parameter in operation["parameters"] if parameter["in"] == "header"}

    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        assert headers[name]["required"] is True
    assert "HMAC-SHA256" in headers["webhook-signature"]["description"]
    assert headers["X-Offboarding-Signature"]["deprecated"] is True
    assert "ce-specversion" in headers and "ce-subject" in headers
    assert set(operation["requestBody"]["content"]) == {"application/cloudevents+json", "application/json"}
