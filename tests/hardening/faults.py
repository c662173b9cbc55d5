"""Real processes for the fault tests: a private Redis, gunicorn and a Celery worker.

Each fault test starts its own Redis on a free port (so stopping it disturbs nobody else on
the machine) and points gunicorn and the worker at the pytest PostgreSQL database, whose rows
the test commits (``transaction=True``).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

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
