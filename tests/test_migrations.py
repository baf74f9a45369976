"""The migrations build exactly the schema the models describe, and undo cleanly."""

from alembic import command

from db import migrate


def test_migrated_schema_matches_the_models(database_url):
    command.check(migrate.alembic_config(database_url))


def test_migrations_downgrade_and_upgrade_again(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'roundtrip.db'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    migrate.upgrade(url)
    command.check(migrate.alembic_config(url))
