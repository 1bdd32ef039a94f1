"""One-shot `setup` service of deploy/compose.yml (what scripts/cluster.sh does before it starts the servers):
wait for PostgreSQL, create the databases `rasa` (tracker store) and `madoguchi` (accounts) when missing,
then validate and upsert the accounts file (MADOGUCHI_ACCOUNTS_FILE, default the demo accounts)."""
import os
import subprocess
import sys
import time

import psycopg2


def connect():
    return psycopg2.connect(host=os.environ["MADOGUCHI_TRACKER_DB_HOST"], port=os.environ["MADOGUCHI_TRACKER_DB_PORT"],
                            user=os.environ["MADOGUCHI_TRACKER_DB_USER"], password=os.environ["MADOGUCHI_DB_PASSWORD"],
                            dbname="postgres", connect_timeout=3)


deadline = time.monotonic() + float(os.environ.get("MADOGUCHI_SETUP_TIMEOUT", "120"))
while True:  # podman-compose does not wait for the healthcheck of postgres
    try:
        connection = connect()
        break
    except psycopg2.OperationalError:
        if time.monotonic() > deadline:
            raise
        time.sleep(1)
connection.autocommit = True
with connection.cursor() as cursor:
    for database in ("rasa", "madoguchi"):
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{database}"')
            print(f"setup: created database {database}")
connection.close()
accounts = os.environ.get("MADOGUCHI_ACCOUNTS_FILE") or "fixtures/demo_accounts.yml"
sys.exit(subprocess.call([sys.executable, "-m", "bot", "accounts", "import", accounts]))
