"""What routes receive: the settings, the Temporal client and a database session, all set up by the app's lifespan."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from config import Settings


def app_settings(request: Request) -> Settings:
    return request.app.state.settings


def temporal_client(request: Request) -> Client:
    return request.app.state.temporal


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(app_settings)]
TemporalDep = Annotated[Client, Depends(temporal_client)]
SessionDep = Annotated[AsyncSession, Depends(db_session)]
