"""The worker's activities take turns at one SQLite connection (db/engine.py, ``queue_on_sqlite``): a transaction
that reads and then writes sees every write made before it, and none waits in SQLite's busy handler or fails with
"database is locked" however many run at once."""

import asyncio

from sqlalchemy import text

from db.engine import create_engine, create_sessionmaker

WRITERS = 40


async def _numbers_drawn(queued: bool, folder) -> list[int]:
    """Each writer reads the highest number drawn so far and, a moment later, writes the next one."""
    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'numbers.db'}", queue_on_sqlite=queued)
    sessions = create_sessionmaker(engine)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE drawn (number INTEGER NOT NULL)"))

    async def draw() -> None:
        async with sessions.begin() as session:
            highest = (await session.execute(text("SELECT coalesce(max(number), 0) FROM drawn"))).scalar_one()
            await asyncio.sleep(0.005)  # an activity's work between its read and its write
            await session.execute(text("INSERT INTO drawn (number) VALUES (:n)"), {"n": highest + 1})

    try:
        await asyncio.gather(*(draw() for _ in range(WRITERS)))
        async with sessions() as session:
            return list((await session.execute(text("SELECT number FROM drawn ORDER BY number"))).scalars())
    finally:
        await engine.dispose()


async def test_writers_on_one_queued_connection_each_see_the_writes_before_them(tmp_path):
    assert await _numbers_drawn(True, tmp_path) == list(range(1, WRITERS + 1))


async def test_without_the_queue_writers_interleave(tmp_path):
    """What the queue prevents: on the pool's several connections, writers read the same highest number."""
    numbers = await _numbers_drawn(False, tmp_path)
    assert len(numbers) == WRITERS
    assert len(set(numbers)) < WRITERS
