"""Real processes for the fault tests: a private Redis, a private PostgreSQL cluster,
gunicorn, Celery workers and management commands.

Whatever a test stops, restarts or kills is its own: a Redis on a free port, a PostgreSQL
cluster initialised in a temporary directory (so ``pg_ctl restart -m immediate`` disturbs
nobody else on the machine), and the processes it started. The Redis test points gunicorn and
the worker at the pytest PostgreSQL database, whose rows the test commits
(``transaction=True``); the import tests run on copies of a template database in the private
cluster.
"""

from __future__ import annotations

import contextlib
import glob
import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise TimeoutError(f"{what} not ready after {timeout} s")


def database_url() -> str:
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:"
        f"{db.get('PORT') or 5432}/{db['NAME']}"
    )


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.answers, 10, "redis")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@dataclass
class Stack:
    """gunicorn + Celery worker against the test database and a private Redis."""

    redis: PrivateRedis
    env: dict[str, str] = field(default_factory=dict)
    web_port: int = 0
    web: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    logs: Path = Path("/tmp")

    def __post_init__(self) -> None:
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "healthpov.settings.test",
            "DATABASE_URL": database_url(),
            "TEST_CELERY_BROKER_URL": self.redis.url,
            "TEST_CELERY_RESULT_BACKEND": self.redis.url,
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "TEST_SHORT_VISIBILITY_TIMEOUT": "1",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "PYTHONPATH": str(ROOT),
        }

    def _log(self, name: str):
        return (self.logs / name).open("wb")

    def start_web(self) -> None:
        self.web_port = free_port()
        self.web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "healthpov.wsgi", "-b", f"127.0.0.1:{self.web_port}",
             "-w", "2", "--threads", "4", "--timeout", "60"],
            cwd=ROOT, env=self.env, stdout=self._log("web.log"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(lambda: self.get("/accounts/login/")[0] == 200, 60, "gunicorn")

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "healthpov", "worker", "-P", "solo", "-c", "1",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"],
            cwd=ROOT, env=self.env, stdout=self._log("worker.log"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    def request(self, method: str, path: str, *, cookies: str = "", body: str = "", headers=None):
        """(status, seconds, text) of one request; status 0 when the connection failed."""
        connection = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=30)
        started = time.monotonic()
        try:
            all_headers = {"Cookie": cookies, **(headers or {})}
            if body:
                all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body or None, headers=all_headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            return response.status, time.monotonic() - started, text
        except OSError:
            return 0, time.monotonic() - started, ""
        finally:
            connection.close()

    def get(self, path: str, cookies: str = ""):
        return self.request("GET", path, cookies=cookies)

    def login(self, username: str, password: str) -> tuple[str, str]:
        """Logs in through the real form; returns (Cookie header, CSRF token)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=30)
        connection.request("GET", "/accounts/login/")
        response = connection.getresponse()
        page = response.read().decode()
        csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", "")).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = f"username={username}&password={password}&csrfmiddlewaretoken={token}"
        connection.request(
            "POST", "/accounts/login/", body=body,
            headers={"Cookie": f"csrftoken={csrf_cookie}",
                     "Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        response = connection.getresponse()
        response.read()
        set_cookie = " ".join(v for k, v in response.getheaders() if k.lower() == "set-cookie")
        connection.close()
        session = re.search(r"sessionid=([^;]+)", set_cookie)
        assert response.status == 302 and session, (response.status, set_cookie)
        new_csrf = re.search(r"csrftoken=([^;]+)", set_cookie)
        csrf_cookie = new_csrf.group(1) if new_csrf else csrf_cookie
        return f"sessionid={session.group(1)}; csrftoken={csrf_cookie}", csrf_cookie

    def csrf_token(self, cookies: str, path: str = "/") -> str:
        status, _seconds, text = self.get(path, cookies)
        match = re.search(r'"X-CSRFToken": "([^"]+)"', text) or re.search(
            r'name="csrfmiddlewaretoken" value="([^"]+)"', text
        )
        assert match, f"no CSRF token on {path} ({status}): {text[:300]!r}"
        return match.group(1)

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (self.web, self.worker):
            if process:
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()


# ------------------------------------------------------------------ private PostgreSQL


def postgres_bindir() -> Path | None:
    """Debian's server binaries (/usr/lib/postgresql/<version>/bin), newest version first."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own: initdb in a temporary directory, a free port on
    127.0.0.1, its Unix socket in that directory. PostgreSQL refuses to run as root, so under
    root every server command runs as the ``postgres`` OS user (who owns the directory).

    ``fsync=off``: the tests crash processes, never the machine, so every write that reached
    the kernel survives a crash (the WAL is still written and replayed); it saves the
    directory-wide fsync that crash recovery does first.
    """

    def __init__(self) -> None:
        self.bindir = postgres_bindir()
        self.port = free_port()
        self.root: Path | None = None

    @classmethod
    def unavailable(cls) -> str:
        """Why a private cluster cannot run here ('' when it can)."""
        bindir = postgres_bindir()
        if bindir is None or not (bindir / "pg_ctl").exists():
            return "PostgreSQL server binaries not found (/usr/lib/postgresql/<version>/bin)"
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root and there is no 'postgres' OS user to run the server"
            if not shutil.which("runuser"):
                return "running as root and runuser is missing"
        return ""

    def _as_server_user(self, *args: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *args]
        return list(args)

    def _server(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        completed = subprocess.run(
            self._as_server_user(*args), capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if completed.returncode:
            log = self.root / "postgres.log" if self.root else None
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {completed.stderr.strip()}\n{tail}")
        return completed

    @property
    def data(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    def _pg_ctl(self, *args: str) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c max_connections=50"
        )
        self._server(
            str(self.bindir / "pg_ctl"), "-D", str(self.data),
            "-l", str(self.root / "postgres.log"), "-w", "-t", "60", "-o", options, *args,
        )  # fmt: skip

    def start(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="healthpov-faults-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._server(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        self._pg_ctl("start")

    def restart_immediately(self) -> None:
        """``pg_ctl restart -m immediate``: every backend is killed, no checkpoint; the server
        comes back through crash recovery. Returns once it accepts connections."""
        self._pg_ctl("-m", "immediate", "restart")

    def stop(self) -> None:
        if self.root is None:
            return
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._pg_ctl("-m", "fast", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def connect(self, name: str = "postgres"):
        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=name, connect_timeout=5
        )
        connection.autocommit = True
        return connection

    def query(self, sql: str, params=(), name: str = "postgres") -> list[tuple]:
        connection = self.connect(name)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def create_database(self, name: str, template: str = "template1") -> None:
        # FILE_COPY, not PostgreSQL 15's default WAL_LOG: a copy made with WAL_LOG hands out
        # the template's next sequence values again after a crash (the copied sequence page
        # says "32 values already logged" and nextval() writes no WAL for them), so the import
        # after a restart collided with the batch id the crashed one had taken. Measured on
        # 15.20; a database made from template1 (the normal case) is not affected.
        self.query(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')

    def drop_database(self, name: str) -> None:
        self.query(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def copy_database(self, source_url: str, name: str) -> None:
        """Schema and rows of another server's database (the pytest one, already migrated)
        into a new database here: pg_dump | psql, seconds instead of a migrate."""
        self.create_database(name)
        dump = subprocess.run(
            [str(self.bindir / "pg_dump"), "--no-owner", "--no-privileges", "-d", source_url],
            capture_output=True, timeout=120, check=True,
        )  # fmt: skip
        subprocess.run(
            [str(self.bindir / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url(name)],
            input=dump.stdout, capture_output=True, timeout=120, check=True,
        )  # fmt: skip


def registry_digest(postgres: PrivatePostgres, name: str) -> dict[str, object]:
    """Counts and MD5s of what a roster import writes, in a stable order and without
    timestamps or ids that differ between two equal imports (batch ids are compared apart)."""
    queries = {
        "persons": """
            SELECT count(*), md5(coalesce(string_agg(concat_ws('|', p.id_number, p.name, p.sex,
                p.birth_date, h.number, p.relation, p.phone, p.insured, p.health, p.status,
                p.created_by_id), E'\n' ORDER BY p.id_number), ''))
            FROM households_person p JOIN households_household h ON h.id = p.household_id""",
        "households": """
            SELECT count(*), md5(coalesce(string_agg(concat_ws('|', h.number, t.name, v.name,
                h.head_name, h.phone, h.registration_year, h.household_type, h.poverty_status,
                h.main_cause), E'\n' ORDER BY h.number), ''))
            FROM households_household h JOIN places_place t ON t.id = h.township_id
            JOIN places_place v ON v.id = h.village_id""",
        "roster_entries": """
            SELECT count(*), md5(coalesce(string_agg(concat_ws('|', p.id_number, r.year,
                r.left_on), E'\n' ORDER BY p.id_number, r.year), ''))
            FROM households_rosterentry r JOIN households_person p ON p.id = r.person_id""",
        "status_changes": """
            SELECT count(*), md5(coalesce(string_agg(concat_ws('|', s.field, s.old_value,
                s.new_value, s.source), E'\n' ORDER BY s.field, s.old_value, s.new_value), ''))
            FROM households_statuschange s""",
        "history_rows": """
            SELECT (SELECT count(*) FROM households_historicalperson)
                 + (SELECT count(*) FROM households_historicalhousehold), ''""",
    }
    connection = postgres.connect(name)
    try:
        with connection.cursor() as cursor:
            digest: dict[str, object] = {}
            for key, sql in queries.items():
                cursor.execute(sql)
                count, md5 = cursor.fetchone()
                digest[key] = (count, md5)
            return digest
    finally:
        connection.close()


def manage_env(database: str, media_root: Path, **extra: str) -> dict[str, str]:
    """Environment of a management command or worker subprocess on ``database``."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "healthpov.settings.test",
        "DATABASE_URL": database,
        "MEDIA_ROOT": str(media_root),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "INFO",
        **extra,
    }
