"""`check`'s page check on a PostgreSQL server, the nearest thing to SQLite's `integrity_check`: the
server's own `amcheck` extension reads every table's heap pages (and their TOAST) and checks every B-tree
index against its ordering rules and its table (`heapallindexed`: each row has its index entry); a GIN
index (the search index) is checked too where the server's amcheck can (`gin_index_check`, PostgreSQL 18).

amcheck ships with PostgreSQL but is created per database, by a role allowed to (a superuser, by default):
the first check creates it when it may. When it cannot, or the role may not run its functions, the page
check is reported as not run (a problem line naming the reason, exit 1), never as passed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .records import Damage

if TYPE_CHECKING:
    import psycopg

EXTENSION = "amcheck"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _amcheck_schema(conn: psycopg.Connection[Any]) -> str:
    """The quoted schema holding amcheck's functions, creating the extension when it is missing; raises
    psycopg.Error (inside a savepoint, so the check's snapshot goes on) when it cannot be created."""
    with conn.transaction():
        conn.execute(f"CREATE EXTENSION IF NOT EXISTS {EXTENSION}")
        row = conn.execute("SELECT quote_ident(extnamespace::regnamespace::text) FROM pg_extension "
                           "WHERE extname = %s", [EXTENSION]).fetchone()
    assert row is not None
    return str(row[0])


def page_damage(conn: psycopg.Connection[Any]) -> list[Damage]:
    """Every page or index entry amcheck finds wrong in the current schema's tables and indexes, one line
    each; one line saying the page check was not run (and why) when amcheck cannot be used."""
    import psycopg

    try:
        schema = _amcheck_schema(conn)
    except psycopg.OperationalError:
        raise
    except psycopg.Error as exc:  # no right to create it, or the server's package lacks its files
        return [Damage("integrity", f"page check not run: cannot create the {EXTENSION} extension: "
                                    f"{_first_line(exc)} (a superuser can run CREATE EXTENSION {EXTENSION})")]
    checks = {"r": f"SELECT blkno, offnum, attnum, msg FROM {schema}.verify_heapam(%s::regclass, "
                   "on_error_stop => false, check_toast => true) ORDER BY 1, 2, 3",
              "btree": f"SELECT {schema}.bt_index_check(%s::regclass, true)"}
    gin = conn.execute("SELECT to_regprocedure(%s) IS NOT NULL", [f"{schema}.gin_index_check(regclass)"]).fetchone()
    if gin and gin[0]:
        checks["gin"] = f"SELECT {schema}.gin_index_check(%s::regclass)"
    found: list[Damage] = []
    for name, kind in conn.execute(
            "SELECT c.relname, CASE c.relkind WHEN 'r' THEN 'r' ELSE a.amname END FROM pg_class c "
            "LEFT JOIN pg_am a ON a.oid = c.relam WHERE c.relkind IN ('r', 'i') "
            "AND c.relnamespace = current_schema()::regnamespace ORDER BY c.relkind DESC, 1").fetchall():
        if kind not in checks:
            continue
        what = "table" if kind == "r" else "index"
        try:
            with conn.transaction():
                rows = conn.execute(checks[kind], [name]).fetchall()
        except psycopg.errors.InsufficientPrivilege as exc:
            return [*found, Damage("integrity", f"page check not run: {_first_line(exc)} (a superuser can "
                                                f"GRANT EXECUTE on {EXTENSION}'s functions)")]
        except psycopg.OperationalError:
            raise
        except psycopg.Error as exc:  # a page too damaged to read, an index out of order or missing entries
            found.append(Damage("integrity", f"PostgreSQL page check: {what} {name}: {_first_line(exc)}"))
            continue
        if kind == "r":  # verify_heapam's rows: one per problem found; an index check raises instead
            found += [Damage("integrity", f"PostgreSQL page check: table {name} page {block}"
                                          + (f" item {item}" if item is not None else "")
                                          + (f" column {column}" if column is not None else "") + f": {message}")
                      for block, item, column, message in rows]
    return found
