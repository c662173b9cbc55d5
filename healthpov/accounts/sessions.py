"""Database sessions (Django's) whose read, made by every signed-in request, is one plain
statement.

Building the ORM query for the session cost several times more than running it, on every page
(docs/architecture.md "Performance choices"). The statement is the ORM's: the session by its
key, only while it has not expired, on the database the router names for reading sessions.
Everything else (writes, keys, expiry) is Django's.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        connection = connections[router.db_for_read(self.model)]
        ops = connection.ops
        meta = self.model._meta
        data, key, expiry = (
            ops.quote_name(meta.get_field(name).column)
            for name in ("session_data", "session_key", "expire_date")
        )
        table = ops.quote_name(meta.db_table)
        sql = f"SELECT {data} FROM {table} WHERE {key} = %s AND {expiry} > %s"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, ops.adapt_datetimefield_value(timezone.now())])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0])
