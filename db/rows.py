"""Reading a row that an earlier step stored: its absence is a fault, named as such rather than met as None."""

from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

Row = TypeVar("Row")


async def stored(session: AsyncSession, model: type[Row], key: Any, **options: Any) -> Row:
    """The row of ``model`` with primary key ``key`` (``options`` as ``AsyncSession.get``); LookupError when it is missing."""
    row = await session.get(model, key, **options)
    if row is None:
        raise LookupError(f"{getattr(model, '__tablename__', model.__name__)} {key!r} is missing")
    return row
