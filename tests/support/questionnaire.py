"""What the questionnaire tests share: putting the organisation's questionnaire back after a test saved versions."""

import pytest

from questionnaires import store
from questionnaires.default import DEFAULT


@pytest.fixture
async def questionnaire_restored(sessions):
    """The test database is shared: a test that saves versions leaves the seeds' questionnaire in use afterwards."""
    yield
    async with sessions() as session:
        if (await store.current(session)).template != DEFAULT:
            await store.save(session, DEFAULT, "tests")
        await session.commit()
