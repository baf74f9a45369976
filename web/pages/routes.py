"""Every role's pages, in one call for the app."""

from fastapi import FastAPI

from web.pages import admin, equipment, home, hr, interviews, links, reviews, settings, tasks


def include_pages(app: FastAPI) -> None:
    for module in (home, tasks, equipment, interviews, links, hr, admin, reviews, settings):
        app.include_router(module.router)
