"""The Alembic initial revision builds exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.storage import db
from bot.storage.models import Base


def test_migrations_match_models(db_url):
    engine = db.get_engine(db_url)   # runs `upgrade head`
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_revision() is not None
        assert compare_metadata(context, Base.metadata) == []
