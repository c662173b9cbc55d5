"""bench/load.py's fixed mix (bench/load_mix.lua) and the helpers that turn wrk's output into
capacity and overload: the two must be the same mix of requests, every kind a quarter whatever
its latency (docs/scaling.md "The web server's configuration"). The full benchmark needs a
60,000-person database and minutes; bin/test's load stage runs it at a reduced size."""

from __future__ import annotations

import contextlib
import http.server
import shutil
import subprocess
import threading
import time

import pytest

from bench import load

SLOW = {"/list": 0.02, "/search": 0.005, "/detail": 0.01, "/dashboard": 0.0}


def paths() -> dict[str, list[tuple[int, str]]]:
    return {
        "list": [(0, "/list"), (0, "/list?page=2")],
        "search": [(0, "/search")],
        "detail": [(0, "/detail"), (1, "/detail?x=1"), (0, "/detail?x=2")],
        "dashboard": [(1, "/dashboard")],
    }


def test_mix_requests_name_each_path_with_its_kind_and_cookie():
    lines = load.mix_requests(paths()).splitlines()

    assert lines[0] == "0 0 /list"
    assert "2 1 /detail?x=1" in lines
    assert lines[-1] == "3 1 /dashboard"
    assert len(lines) == sum(len(entries) for entries in paths().values())


def test_result_lines_parse_into_the_mix_and_its_kinds():
    out = (
        "Running 2s test\n"
        "RESULT requests=103 p50_ms=4.5 p95_ms=20.1 p99_ms=31.0 non2xx=2 socket_errors=1\n"
        "KINDS answers=26,26,26,25 non2xx=0,2,0,0\n"
    )
    overall = load.parse_result(out, "mix")
    kinds = load.mix_results(out, overall)

    assert overall == load.KindResult(103, 4.5, 20.1, 31.0, 2, 1)
    assert [kinds[kind].requests for kind in load.KINDS] == [26, 26, 26, 25]
    assert kinds["search"].non2xx == 2 and kinds["search"].p95 == 20.1
    phase = load.Phase("mix", 2, results=kinds, socket_errors=overall.socket_errors)
    assert phase.requests == 103
    assert phase.non2xx == 3  # the two non-2xx and the socket error


def test_a_missing_result_line_stops_the_benchmark():
    with pytest.raises(SystemExit, match="printed no"):
        load.parse_result("unable to connect", "mix")
    with pytest.raises(SystemExit, match="answers per kind"):
        load.mix_results("RESULT requests=1", load.KindResult())


def test_capacity_is_the_sweeps_fastest_run():
    sweep = {}
    for connections, requests in ((2, 300), (4, 420), (8, 410)):
        phase = load.Phase(f"{connections}", 2, wall=2.0)
        phase.results = {"list": load.KindResult(requests=requests)}
        sweep[connections] = phase

    assert load.peak(sweep) == 4


def test_alternated_runs_add_up_into_one_phase():
    def run(requests: int, wall: float, p95: float, web: float, non2xx: int) -> load.Phase:
        phase = load.Phase("fixed mix, 8 connections", 10, wall=wall, fixed=True)
        phase.results = {
            kind: load.KindResult(requests=requests, p95=p95, non2xx=non2xx) for kind in load.KINDS
        }
        phase.overall = load.KindResult(requests=4 * requests, p95=p95, non2xx=4 * non2xx)
        phase.cpu = {"web": web, "database": web / 2}
        return phase

    phase = load.combined([run(100, 10.0, 50.0, 4.0, 0), run(50, 10.0, 90.0, 3.0, 1),
                           run(150, 10.0, 70.0, 5.0, 0)])  # fmt: skip

    assert phase.name == "fixed mix, 8 connections (3 runs)"
    assert (phase.requests, phase.wall, phase.duration) == (1200, 30.0, 30)
    assert phase.per_second == 40.0  # 1,200 requests in 30 s, not the mean of 40, 20 and 60
    assert phase.results["list"].p95 == 70.0 and phase.overall.p95 == 70.0
    assert phase.cpu == {"web": 12.0, "database": 6.0}
    assert phase.cpu_ms("both") == 15.0
    assert phase.non2xx == 4  # one per kind in the second run


def test_phases_and_sweep_connections_are_checked():
    assert load.parse_phases("a, c") == {"a", "c"}
    assert load.parse_phases("cost,a,b,c") == set(load.PHASES)
    assert load.parse_phases("a,x") is None
    assert load.parse_phases("") is None
    assert load.parse_connections(load.CAPACITY_CONNECTIONS) == [2, 4, 6, 8]
    assert load.parse_connections("8,2,2") == [2, 8]
    assert load.parse_connections("0,4") is None
    assert load.parse_connections("four") is None


def test_the_configuration_file_gives_the_shape(tmp_path):
    conf = tmp_path / "sync.py"
    conf.write_text('worker_class = "sync"\nworkers = 4\n', encoding="utf-8")

    assert load.served_shape(None, None, conf) == (4, 1)
    assert load.served_shape(3, None, conf) == (3, 1)
    assert load.served_shape(None, None) == (2, 4)  # healthpov/gunicorn.conf.py's
    assert "worker_class sync" in load.describe_conf(conf)


class Pages(http.server.BaseHTTPRequestHandler):
    """Each kind answers after its own delay (the dashboard at once, a list slowly); one search
    page is missing, so its kind's non-2xx show."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        path = self.path.split("?")[0]
        time.sleep(SLOW.get(path, 0.0))
        status = 404 if self.path == "/search?gone" else 200
        body = b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(ConnectionError):  # wrk hangs up at its end
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_the_fixed_mix_asks_every_kind_a_quarter_whatever_its_latency():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    pages = paths() | {"search": [(0, "/search"), (0, "/search?gone")]}
    try:
        out = subprocess.run(
            load.wrk_command(3, 3, 2, 5, load.MIX_LUA, url),
            env=load.wrk_env(load.mix_requests(pages), 0, ["a=1", "b=2"]),
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
    finally:
        server.shutdown()
    overall = load.parse_result(out, "mix")
    kinds = load.mix_results(out, overall)
    answers = [kinds[kind].requests for kind in load.KINDS]

    assert sum(answers) == overall.requests > 40, out
    # Each of the three connections asks the four kinds in turn: a kind is at most one request
    # a connection off a quarter, though the list takes 20 ms and the dashboard nothing.
    assert max(answers) - min(answers) <= 3, answers
    assert kinds["search"].non2xx == pytest.approx(kinds["search"].requests / 2, abs=3)
    assert overall.non2xx == kinds["search"].non2xx
    assert sum(kinds[kind].non2xx for kind in ("list", "detail", "dashboard")) == 0
