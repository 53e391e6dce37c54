"""PostgreSQL, with each connection's search_path following the tenant entered (tenancy.enter).

DATABASES' ENGINE = "saleor_ltv_plugin.tenancy" in the App host. The path is set when a cursor is
taken and differs from what this connection last set; a rollback may undo a SET, so it forgets.
"""

from __future__ import annotations

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

from . import search_path


class DatabaseWrapper(base.DatabaseWrapper):
    # The path is remembered on psycopg's connection, not on this wrapper: a pooled connection
    # (the App host's web server) comes back with the path its last request set.
    def _cursor(self, name=None):
        cursor = super()._cursor(name)
        wanted = search_path() or "public"
        raw = self.connection
        # In a failed transaction only its rollback can run (and undoes any SET anyway).
        if wanted != getattr(raw, "_ltv_path", None) and raw.info.transaction_status != TransactionStatus.INERROR:
            with raw.cursor() as plain:  # psycopg's own: a named cursor cannot SET
                plain.execute(f"SET search_path TO {wanted}")
            raw._ltv_path = wanted
        return cursor

    def _forget_path(self):
        if self.connection is not None:
            self.connection._ltv_path = None

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._forget_path()

    def _savepoint_rollback(self, sid):
        try:
            return super()._savepoint_rollback(sid)
        finally:
            self._forget_path()

    def _close(self):
        # The pool rolls back a connection handed back inside a transaction, perhaps undoing a SET.
        if self.connection is not None and self.connection.info.transaction_status != TransactionStatus.IDLE:
            self._forget_path()
        return super()._close()
