"""A streaming replica of a PostgreSQL server, for tests/hardening/test_replica.py.

``pg_basebackup -R -X stream`` copies the server's whole cluster (so the test's database is on
the replica too) into a temporary directory owned by the ``postgres`` OS user, and the copy is
started as a hot standby on a free port of 127.0.0.1, streaming from the server.

The server must accept replication connections from 127.0.0.1. A private cluster made with
initdb does; Debian's packaged cluster has no ``replication`` line in pg_hba.conf. When the
test streams from it (``REPLICA_SOURCE=server``) and runs as root, :func:`allow_replication`
appends ``host replication postgres 127.0.0.1/32 trust`` (the same trust as the loopback line
for every database above it) and reloads the server, once: the line is left in place, so runs
side by side never take it from each other (docs/scaling.md "Reads on a replica").
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2

from tests.hardening.faults import PrivatePostgres, free_port, postgres_bindir, wait_for

REPLICATION_LINE = "host replication postgres 127.0.0.1/32 trust"


def _connect(host: str, port: int, dbname: str = "postgres"):
    connection = psycopg2.connect(
        host=host, port=port, user="postgres", dbname=dbname, connect_timeout=5
    )
    connection.autocommit = True
    return connection


def query(host: str, port: int, sql: str, params=(), dbname: str = "postgres") -> list[tuple]:
    connection = _connect(host, port, dbname)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def allow_replication(host: str, port: int) -> str:
    """'' once the server takes replication connections from 127.0.0.1, else why not."""
    rules = "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database)"
    if query(host, port, rules)[0][0]:
        return ""
    hba_file = Path(query(host, port, "SHOW hba_file")[0][0])
    if os.geteuid() != 0 or not os.access(hba_file, os.W_OK):
        return f"{hba_file} has no replication line and this user cannot add one"
    text = hba_file.read_text()
    if REPLICATION_LINE not in text:
        with hba_file.open("a") as handle:
            handle.write(
                f"{'' if text.endswith(chr(10)) else chr(10)}"
                "# healthpov tests/hardening/replica.py: streaming replica tests\n"
                f"{REPLICATION_LINE}\n"
            )
    query(host, port, "SELECT pg_reload_conf()")
    time.sleep(0.5)
    return ""


class StreamingReplica:
    """A hot standby of the server at ``host:primary_port``, on its own port."""

    def __init__(self, host: str = "127.0.0.1", primary_port: int = 5432) -> None:
        self.host = host
        self.primary_port = primary_port
        self.bindir = postgres_bindir()
        self.port = free_port()
        self.root: Path | None = None
        self._as_server_user = PrivatePostgres()._as_server_user

    @staticmethod
    def unavailable() -> str:
        reason = PrivatePostgres.unavailable()
        if reason:
            return reason
        bindir = postgres_bindir()
        if bindir is None or not (bindir / "pg_basebackup").exists():
            return "pg_basebackup not found"
        return ""

    @property
    def data(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    def _run(self, *args: str, timeout: float = 300) -> None:
        completed = subprocess.run(
            self._as_server_user(*args), capture_output=True, text=True, timeout=timeout
        )
        if completed.returncode:
            log = self.root / "postgres.log" if self.root else None
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{Path(args[0]).name} failed: {completed.stderr.strip()}\n{tail}")

    def start(self) -> float:
        """Base backup and start; returns the seconds the base backup took."""
        self.root = Path(tempfile.mkdtemp(prefix="healthpov-replica-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        started = time.monotonic()
        self._run(
            str(self.bindir / "pg_basebackup"), "-h", self.host, "-p", str(self.primary_port),
            "-U", "postgres", "-D", str(self.data), "-R", "-X", "stream", "-c", "fast",
            "--no-sync",
        )  # fmt: skip
        took = time.monotonic() - started
        # Debian keeps the server's configuration outside its data directory: the copy gets
        # its own (every setting at its default, hot_standby on).
        for name, text in (
            ("postgresql.conf", ""),
            ("pg_ident.conf", ""),
            ("pg_hba.conf", "local all all trust\nhost all all 127.0.0.1/32 trust\n"),
        ):
            (self.data / name).write_text(text)
            if os.geteuid() == 0:
                shutil.chown(self.data / name, "postgres", "postgres")
        self._pg_ctl("start")
        wait_for(self.in_recovery, 60, "replica")
        return took

    def _pg_ctl(self, *args: str) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c hot_standby=on"
        )
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data),
            "-l", str(self.root / "postgres.log"), "-w", "-t", "60", "-o", options, *args,
        )  # fmt: skip

    def in_recovery(self) -> bool:
        try:
            return bool(query(self.host, self.port, "SELECT pg_is_in_recovery()")[0][0])
        except psycopg2.OperationalError:
            return False

    def query(self, sql: str, params=(), dbname: str = "postgres") -> list[tuple]:
        return query(self.host, self.port, sql, params, dbname)

    def pause_replay(self) -> None:
        self.query("SELECT pg_wal_replay_pause()")
        wait_for(
            lambda: self.query("SELECT pg_get_wal_replay_pause_state()")[0][0] == "paused",
            10,
            "replay paused",
        )

    def resume_replay(self) -> None:
        self.query("SELECT pg_wal_replay_resume()")

    def caught_up(self) -> bool:
        """The replica has replayed everything the server had written when asked."""
        (primary_lsn,) = query(self.host, self.primary_port, "SELECT pg_current_wal_lsn()")[0]
        replayed = self.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (primary_lsn,))[0][0]
        return bool(replayed)

    def stop(self) -> None:
        if self.root is not None and (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._pg_ctl("-m", "fast", "stop")

    def remove(self) -> None:
        self.stop()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
