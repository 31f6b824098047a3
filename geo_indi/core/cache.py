"""The shared cache's keys: one namespace per database.

Every server process and the worker share one Redis (settings.CACHES). Caches of data are keyed by
the data version (a PostgreSQL sequence), which starts again in every new database: a test database,
a restored copy or a second instance on the same Redis would otherwise read each other's tiles and
counts. So each key carries the name of the database it was computed from.
"""
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections


def database_namespace() -> str:
    return str(connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])


def make_key(key: str, key_prefix: str, version: int) -> str:
    """settings.CACHES KEY_FUNCTION: prefix, database, version, key."""
    return f"{key_prefix}:{database_namespace()}:{version}:{key}"


def clear_database_namespace() -> int:
    """Delete this database's keys only (not the whole Redis database, which others may share).

    Another cache backend (a process-local one) is cleared whole; the count is then 0."""
    backend = getattr(cache, "_cache", None)
    if not hasattr(backend, "get_client"):
        cache.clear()
        return 0
    client = backend.get_client(write=True)
    pattern = f"{cache.key_prefix}:{database_namespace()}:*"
    deleted = 0
    batch = []
    for key in client.scan_iter(match=pattern, count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            deleted += client.delete(*batch)
            batch = []
    if batch:
        deleted += client.delete(*batch)
    return deleted
