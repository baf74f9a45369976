"""Links on pages point where Starlette's own lookup points, for every named route, also when the path shapes are
remembered between rows and requests (web.templating.RoutePaths)."""

import re

import pytest
from fastapi.routing import iter_route_contexts
from starlette.routing import NoMatchFound

from web.app import create_app
from web.templating import RoutePaths


@pytest.fixture
def router(settings):
    return create_app(settings).router


def named_routes(router) -> list[tuple[str, list[str]]]:
    return [
        (route.name, re.findall(r"{(\w+)", route.path))
        for route in iter_route_contexts(router.routes)
        if getattr(route, "name", None) and getattr(route, "methods", None)
    ]


def test_every_named_route_links_as_starlette_links_it_for_one_row_after_another(router):
    paths = RoutePaths(router)
    routes = named_routes(router)
    assert len(routes) > 50
    for row in ("offboarding-E1-2026-12-06", "offboarding-E2 x&y-2026-12-07"):
        for name, params in routes:
            values = {param: f"{row}-{param}" for param in params}
            assert str(paths.path(name, values)) == str(router.url_path_for(name, **values)), name


def test_a_value_starlette_refuses_is_refused_the_same_way(router):
    paths = RoutePaths(router)
    paths.path("my_case_page", {"case_id": "offboarding-E1-2026-12-06"})
    with pytest.raises(AssertionError):
        paths.path("my_case_page", {"case_id": "a/b"})
    with pytest.raises(AssertionError):
        paths.path("my_case_page", {"case_id": ""})
    with pytest.raises(NoMatchFound):
        paths.path("my_case_page", {"wrong": "x"})
    with pytest.raises(NoMatchFound):
        paths.path("no_such_page", {})
