"""Django's PostGIS backend with a client-side answer deadline on every connection.

The statement timeout is the server's: a server that is frozen (SIGSTOP, a stuck host, a network path that
keeps the socket open but carries nothing) cancels nothing, and TCP keepalives and the TCP user timeout do
not fire while the kernel at the other end still acknowledges. psycopg then waits forever on a kept-alive
connection. Here each wait for the server is bounded on the client: a statement may take the connection's
statement timeout plus DATABASE_ANSWER_MARGIN_SECONDS (the server's own cancel comes first), the health check
that Django runs before reusing a connection (CONN_HEALTH_CHECKS) DATABASE_HEALTH_CHECK_TIMEOUT_SECONDS. A wait
past its deadline closes the connection and raises psycopg.OperationalError, which is a 503 with Retry-After
(core/database.py). A connection without a statement timeout (management commands, the worker) has no deadline.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.conf import settings
from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper as PostGISDatabaseWrapper

_WAIT_TIMEOUT = psycopg.errors._WaitTimeout  # what psycopg's Connection.wait(timeout=…) raises
_STATEMENT_TIMEOUT = re.compile(r"statement_timeout=(\d+)")


class AnsweringConnection(psycopg.Connection):
    """A psycopg connection whose waits for the server end after answer_timeout seconds (None: never)."""

    answer_timeout: float | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        timeout = self.answer_timeout if timeout is None else timeout
        try:
            return super().wait(gen, interval=interval, timeout=timeout)
        except _WAIT_TIMEOUT:
            # The protocol state is unknown mid-exchange: the connection cannot be reused.
            self.pgconn.finish()
            raise psycopg.OperationalError(f"the database did not answer within {timeout:g} s") from None

    @contextmanager
    def answering_within(self, seconds: float) -> Iterator[None]:
        previous, self.answer_timeout = self.answer_timeout, seconds
        try:
            yield
        finally:
            self.answer_timeout = previous


class _Driver:
    """psycopg, whose connect() makes AnsweringConnections (Django's wrapper connects through self.Database)."""

    connect = staticmethod(AnsweringConnection.connect)

    def __getattr__(self, name: str) -> Any:
        return getattr(psycopg, name)


def answer_timeout(conn_params: dict[str, Any]) -> float | None:
    """The deadline of a connection's statements: its statement timeout (in its options) plus the margin."""
    found = _STATEMENT_TIMEOUT.search(conn_params.get("options") or "")
    if not found or int(found.group(1)) == 0:
        return None
    return int(found.group(1)) / 1000 + settings.DATABASE_ANSWER_MARGIN_SECONDS


class DatabaseWrapper(PostGISDatabaseWrapper):
    Database = _Driver()

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if isinstance(connection, AnsweringConnection):
            connection.answer_timeout = answer_timeout(conn_params)
        return connection

    def is_usable(self) -> bool:
        if self.connection is None:
            return False
        try:
            with self.connection.answering_within(settings.DATABASE_HEALTH_CHECK_TIMEOUT_SECONDS):
                with self.connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True
