"""healthpov/gunicorn.conf.py: the web server's configuration, read by gunicorn itself.

docker-compose.yml, the Dockerfile and bench/load.py start gunicorn with it; the command line
and WEB_CONCURRENCY still override it (docs/architecture.md "Performance choices").
"""

import ast
import os
import re
import subprocess
import sys

import yaml
from gunicorn.config import KNOWN_SETTINGS

from tests.foundation.envscan import ROOT

CONF = "healthpov/gunicorn.conf.py"
HOOKS = {"on_starting", "when_ready", "pre_fork", "post_fork", "post_worker_init", "worker_exit"}


def loaded(*arguments: str, **variables: str) -> list[str]:
    """worker class, workers, threads and max_requests as gunicorn's own argument parsing and
    config loading give them (no application is imported)."""
    env = {k: v for k, v in os.environ.items() if k != "WEB_CONCURRENCY"} | variables
    code = (
        "import sys; from gunicorn.app.wsgiapp import WSGIApplication;"
        f" sys.argv = ['gunicorn', '-c', {CONF!r}, *{list(arguments)!r}, 'healthpov.wsgi'];"
        " c = WSGIApplication('%(prog)s').cfg;"
        " print(c.worker_class_str, c.workers, c.threads, c.max_requests)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_every_name_the_file_sets_is_a_gunicorn_setting():
    known = {setting.name for setting in KNOWN_SETTINGS} | HOOKS
    tree = ast.parse((ROOT / CONF).read_text(encoding="utf-8"))
    names = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    } | {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}

    assert names, "the scan found nothing"
    assert names <= known, f"not gunicorn settings (a typo is silently ignored): {names - known}"


def test_two_threaded_workers_of_four_threads_and_no_restarts():
    assert loaded() == ["gthread", "2", "4", "0"]


def test_web_concurrency_sets_the_workers():
    assert loaded(WEB_CONCURRENCY="3") == ["gthread", "3", "4", "0"]


def test_the_command_line_overrides_the_file():
    assert loaded("--workers", "4", "--threads", "1") == ["gthread", "4", "1", "0"]


def test_compose_dockerfile_and_load_benchmark_start_gunicorn_with_it():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    web = compose["services"]["web"]
    assert f"gunicorn healthpov.wsgi -c {CONF}" in web["command"][-1]
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(rf'^CMD \["gunicorn", "healthpov.wsgi", "-c", "{CONF}"', dockerfile, re.M)
    load = (ROOT / "bench" / "load.py").read_text(encoding="utf-8")
    assert 'GUNICORN_CONF = ROOT / "healthpov" / "gunicorn.conf.py"' in load


def test_compose_default_workers_are_the_files():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    substituted = compose["services"]["web"]["environment"]["WEB_CONCURRENCY"]
    default = re.fullmatch(r"\$\{WEB_CONCURRENCY:-(\d+)\}", substituted).group(1)

    assert loaded()[1] == default
