"""The job queue's tables on PostgreSQL (procrastinate's own schema, applied as it ships).

On SQLite jobs run in the serving process and need no table. procrastinate's schema is
installed by this migration so that ``openseal upgrade`` (and a restore, which migrates)
is the one way the database changes; a later procrastinate release with a schema migration
gets its own migration here.
"""

from alembic import op
from procrastinate.schema import SchemaManager

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TABLES = ('procrastinate_events', 'procrastinate_periodic_defers', 'procrastinate_jobs',
          'procrastinate_workers')


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.get_bind().exec_driver_sql(SchemaManager.get_schema().replace('%', '%%'))


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in TABLES:
        op.execute(f'DROP TABLE IF EXISTS {table} CASCADE')
    # '%%': the statement goes through psycopg's parameter formatting
    op.execute(_drop_all('FUNCTION', "SELECT p.oid::regprocedure FROM pg_proc p JOIN "
                         "pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = "
                         "current_schema() AND p.proname LIKE 'procrastinate%%'"))
    op.execute(_drop_all('TYPE', "SELECT t.oid::regtype FROM pg_type t JOIN pg_namespace n "
                         "ON n.oid = t.typnamespace WHERE n.nspname = current_schema() AND "
                         "t.typname LIKE 'procrastinate%%' AND t.typtype IN ('e', 'c')"))


def _drop_all(kind: str, query: str) -> str:
    """A DO block dropping every object ``query`` names (its first column)."""
    return (f"DO $$ DECLARE o record; BEGIN FOR o IN {query} LOOP EXECUTE 'DROP {kind} "
            f"IF EXISTS ' || o.oid || ' CASCADE'; END LOOP; END $$")
