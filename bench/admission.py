"""The admission limit (healthpov/admission.py) against none, alternated in one run.

    .venv/bin/python bench/admission.py --database hp_loadfull [--rounds 3] [--block 20]
        [--capacity-connections 4,8] [--connections 50] [--users 600 --think-ms 5000]

Needs a database kept by ``bench/load.py --keep`` (60,000 persons at full size). Two gunicorns
with production's configuration (healthpov/gunicorn.conf.py) serve it at once: "limit"
(``WEB_ACTIVE_REQUESTS=1``) and "none" (``WEB_ACTIVE_REQUESTS=0``, the default: every thread
runs the application at once). Only one of them is asked at a time: in each round each server
is asked ``bench/load.py``'s fixed mix by each of ``--capacity-connections`` and then by
``--connections`` connections that never pause, ``--block`` seconds a block, then (with
``--users``) by that many users pausing about ``--think-ms`` between requests, as in
``bench/load.py``'s phase (a); the servers' order is reversed every other round, so that a
change in the machine's speed falls on both (on a shared host it moves by 20 % within
minutes, more than the difference looked for).

Printed per block: requests/s and CPU ms per request (gunicorn and the database's backends);
then per server the median of each connection count over the rounds, its capacity (the
fastest of the capacity counts), its overload throughput and their ratio (item 2(c) of issue
15: the overload within 10 % of capacity), and the ratio limit / none of each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import load  # noqa: E402

USERS = 0  # the key of the pausing users' blocks (connection counts are positive)
SERVERS = {"limit": {"WEB_ACTIVE_REQUESTS": "1"}, "none": {"WEB_ACTIVE_REQUESTS": "0"}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True, help="kept by bench/load.py --keep")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--block", type=int, default=20, help="seconds a block")
    parser.add_argument("--capacity-connections", default="4,8")
    parser.add_argument("--connections", type=int, default=50, help="overload")
    parser.add_argument(
        "--users", type=int, default=0, help="also a block of this many users pausing (phase (a))"
    )
    parser.add_argument("--think-ms", type=int, default=5000, help="each user's mean pause")
    args = parser.parse_args()
    capacity_counts = load.parse_connections(args.capacity_connections)
    if capacity_counts is None:
        parser.error("--capacity-connections takes positive numbers, e.g. 4,8")
    counts = [*capacity_counts, args.connections]

    work = Path(tempfile.mkdtemp(prefix="healthpov-admission-"))
    env = load.django_env(args.database, work)
    load.os.environ.update({k: v for k, v in env.items() if k != "PATH"})
    import django

    django.setup()
    from django.db import connections

    paths = load.request_paths()
    connections.close_all()
    workers, threads = load.served_shape(None, None)
    load.log(f"admission benchmark: {vars(args)}; {workers} x {threads}; {load.load_average()}")

    servers: dict[str, tuple] = {}
    try:
        for name, extra in SERVERS.items():
            keep_alive = load.keep_alive_for(args.think_ms)
            web, url = load.start_gunicorn(
                {**env, **extra}, load.free_port(), workers, threads, keep_alive
            )
            cookies = [load.login(url, load.TOWNSHIP_USER), load.login(url, load.COUNTY_USER)]
            load.check_paths(url, cookies, paths)
            servers[name] = (web, url, cookies)
        blocks: dict[tuple[str, int], list[load.Phase]] = {}
        for round_ in range(args.rounds):
            order = list(SERVERS) if round_ % 2 == 0 else list(reversed(SERVERS))
            for name in order:
                web, url, cookies = servers[name]
                for count in counts:
                    load.settle(web.pid)
                    phase = load.run_phase(
                        f"{name}, {count} connections", url, cookies, paths, count, args.block,
                        0, lambda groups, pid=web.pid: load.CpuMeter(pid, args.database, groups),
                        fixed=True,
                    )  # fmt: skip
                    blocks.setdefault((name, count), []).append(phase)
                    load.log(
                        f"round {round_ + 1} {name:<5} {count:>3} connections:"
                        f" {phase.per_second:6.1f}/s, {phase.cpu_ms('both'):5.1f} ms CPU a request,"
                        f" non-2xx {phase.non2xx}"
                    )
                if args.users:
                    load.settle(web.pid)
                    phase = load.run_phase(
                        f"{name}, {args.users} users", url, cookies, paths, args.users,
                        args.block, args.think_ms,
                        lambda groups, pid=web.pid: load.CpuMeter(pid, args.database, groups),
                    )  # fmt: skip
                    blocks.setdefault((name, USERS), []).append(phase)
                    load.log(
                        f"round {round_ + 1} {name:<5} {args.users} users:"
                        f" {phase.per_second:6.1f}/s, {phase.cpu_ms('both'):5.1f} ms CPU a request,"
                        " p95 "
                        + " / ".join(f"{phase.results[k].p95:.0f}" for k in load.KINDS)
                        + f" ms, non-2xx {phase.non2xx}"
                    )
    finally:
        for web, _url, _cookies in servers.values():
            load.stop(web)

    load.log("")
    load.log(f"medians over {args.rounds} rounds (requests/s; CPU ms a request)")
    ok = True
    shares: dict[str, float] = {}
    for name in SERVERS:
        rates = {c: statistics.median(p.per_second for p in blocks[(name, c)]) for c in counts}
        costs = {c: statistics.median(p.cpu_ms("both") for p in blocks[(name, c)]) for c in counts}
        capacity = max(rates[c] for c in capacity_counts)
        shares[name] = rates[args.connections] / capacity
        load.log(
            f"{name:<5} "
            + ", ".join(f"{c}: {rates[c]:.1f}/s {costs[c]:.1f} ms" for c in counts)
            + f"; overload / capacity {shares[name]:.2f}"
        )
        ok = ok and not any(p.non2xx for c in counts for p in blocks[(name, c)])
    for count in counts:
        limit = statistics.median(p.per_second for p in blocks[("limit", count)])
        none = statistics.median(p.per_second for p in blocks[("none", count)])
        load.log(f"{count:>3} connections: limit / none {limit / none:.2f}")
    if args.users:
        load.log(f"{args.users} users, median p95 ms ({' / '.join(load.KINDS)}):")
        p95: dict[str, list[float]] = {}
        for name in SERVERS:
            runs = blocks[(name, USERS)]
            p95[name] = [statistics.median(p.results[k].p95 for p in runs) for k in load.KINDS]
            ok = ok and not any(p.non2xx for p in runs)
            load.log(f"  {name:<5} " + " / ".join(f"{v:.1f}" for v in p95[name]))
        load.log(
            "  limit / none "
            + " / ".join(f"{a / b:.2f}" if b else "-" for a, b in zip(*p95.values(), strict=True))
        )
    load.log("RESULT: " + ("PASS (0 non-2xx)" if ok else "FAIL: non-2xx answers"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
