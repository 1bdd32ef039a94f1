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


def test_two_processes_creating_the_schema_at_once(db_url):
    """The action server and a CLI command may both be the first user of an empty database."""
    import subprocess
    import sys
    from pathlib import Path

    code = "import sys; from bot.storage import repository; print(repository.count_customers(sys.argv[1]))"
    root = Path(__file__).resolve().parents[3]
    procs = [subprocess.Popen([sys.executable, "-c", code, db_url], cwd=root, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert [out.strip() for out, _ in results] == ["0", "0"]
