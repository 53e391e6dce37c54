"""PostgreSQL, with each connection's search_path following the tenant entered (tenancy.enter).

DATABASES' ENGINE = "saleor_ltv_plugin.tenancy" in the App host. The path is set when a cursor is
taken and differs from what this connection last set; a rollback may undo a SET, so it forgets.
"""

from __future__ import annotations

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

from . import search_path


class DatabaseWrapper(base.DatabaseWrapper):
    _ltv_path: str | None = None

    def _cursor(self, name=None):
        cursor = super()._cursor(name)
        wanted = search_path() or "public"
        # In a failed transaction only its rollback can run (and undoes any SET anyway).
        if wanted != self._ltv_path and self.connection.info.transaction_status != TransactionStatus.INERROR:
            with self.connection.cursor() as raw:  # psycopg's own: a named cursor cannot SET
                raw.execute(f"SET search_path TO {wanted}")
            self._ltv_path = wanted
        return cursor

    def get_new_connection(self, conn_params):
        self._ltv_path = None
        return super().get_new_connection(conn_params)

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._ltv_path = None

    def _savepoint_rollback(self, sid):
        try:
            return super()._savepoint_rollback(sid)
        finally:
            self._ltv_path = None
