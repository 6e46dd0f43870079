"""Every web page on a SQLite store of 1,000,000 traces: first load and p95 over 20 loads.

Target: each page's first load (its cold path: gate evidence, report data) and p95 <= 500 ms,
with the CPU time of both printed beside them. The same pages on a 10,000-trace store,
measured in the same run, are the baseline; the ratio column says how a page grows with the
store. Rows are generated inside SQLite (a recursive CTE), so only the page loads run in
Python. The pages are served in-process (Starlette TestClient, logged in as an admin), so a
load is the server's whole work: queries, statistics and template rendering.

``swapsafe serve`` computes the slow page inputs (the overview's gates, the report's evidence)
in the background at start-up; the last lines time that warm-up on the large store and each
page's first load after it.

Each shadow pair's agreement is judged once (``review.agreement_cache``) before the loads, as
the pages and the controller do for new pairs; that one-time cost is printed apart.

Traffic: two workloads over 30 days, 1 call in 10 shadowed (a served + shadow pair), 2 %
errors; "support" is in a canary (10 %, started 6 hours ago, with the candidate serving 1 call
in 10 since then); a migration plan of both workloads, started 30 days ago.

    python bench/web_pages.py                      # 1,000,000 vs 10,000 traces
    python bench/web_pages.py --rows 200000 --loads 10
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.testclient import TestClient

from swapsafe.config import Config, load_config
from swapsafe.plan.service import PlanService
from swapsafe.review.agreement_cache import judge_pairs
from swapsafe.rollout.operations import Rollouts
from swapsafe.store import SqlStore, open_store
from swapsafe.testing import FakeClock
from swapsafe.web.app import create_web_app

PAGES = ("/", "/rollout", "/plan/gpt5-swap", "/review", "/review/results", "/redteam", "/report")
ADMIN = "bench-admin-token-0123456789"
DAYS = 30
CANARY_HOURS = 6
CONFIG = """
[store]
url = "sqlite:///{db}"

[models.old]
provider = "openai"
model = "gpt-4o"

[models.new]
provider = "openai"
model = "gpt-5"

[workloads.support]
baseline = "old"
candidate = "new"

[workloads.summarize]
baseline = "old"
candidate = "new"

[gateway]
admin_token = "env::BENCH_ADMIN"
"""

# Row x: every 10th row is the shadow call of row x - 1 (same pair id, the other model); in the
# last CANARY_HOURS of "support", 1 served call in 10 is served by the candidate.
_REQUEST = (
    '{"model":"support","messages":[{"role":"user","content":"question \' || (x % 997) || \'"}]}'
)
_RESPONSE = (
    '{"id":"c","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,'
    '"message":{"role":"assistant","content":"the answer is '
    "' || ((x / 10) % 89) || CASE WHEN x % 10 = 0 AND x % 30 = 0 THEN ' or maybe not, "
    "who knows what it could be' ELSE '' END || '"
    '"},"finish_reason":"stop"}],"usage":{"prompt_tokens":20,"completion_tokens":10}}'
)
_SQL = """
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {rows}),
t AS (SELECT x, datetime('{now}', '-' || ((({rows} - x) * {span}) / {rows}) || ' seconds') AS ts,
      CASE WHEN (x / 10) % 2 = 0 THEN 'support' ELSE 'summarize' END AS wl FROM c)
INSERT INTO traces (request_id, pair_id, ts, workload, role, model, provider, status,
  http_status, latency_ms, input_tokens, output_tokens, cost_usd, stream, inbound_wire,
  request_body, response_body, finish_reason, source)
SELECT 'r' || x, 'p' || CASE WHEN x % 10 = 0 THEN x - 1 ELSE x END, ts, wl,
  CASE WHEN x % 10 = 0 THEN 'shadow' ELSE 'served' END,
  CASE WHEN x % 10 = 0 THEN 'new'
       WHEN wl = 'support' AND x % 10 = 3 AND ts > datetime('{now}', '-{canary} hours')
       THEN 'new' ELSE 'old' END,
  'openai', CASE WHEN x % 50 = 7 THEN 'error' ELSE 'ok' END,
  CASE WHEN x % 50 = 7 THEN 500 ELSE 200 END,
  200 + ((x * 7919) % 1000) * ((x * 31) % 7 + 1) / 4.0, 300 + (x % 900), 50 + (x % 400),
  (300 + (x % 900)) * 0.0000025 + (50 + (x % 400)) * 0.00001, 0, 'openai',
  '{request}', '{response}', 'stop', 'gateway'
FROM t
"""


def build(root: Path, rows: int, now: datetime) -> tuple[Config, SqlStore]:
    """A workspace whose store holds ``rows`` traces and a canary of "support" at 10 %."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "swapsafe.toml").write_text(CONFIG.format(db=root / "swapsafe.db"))
    config = load_config(root / "swapsafe.toml", env={"BENCH_ADMIN": ADMIN})
    store = open_store(config.store.url)
    assert isinstance(store, SqlStore)
    sql = _SQL.format(
        rows=rows,
        now=now.replace(tzinfo=None).isoformat(" "),
        span=DAYS * 86400,
        canary=CANARY_HOURS,
        request=_REQUEST,
        response=_RESPONSE,
    )
    t0 = time.perf_counter()
    with store._write() as conn:
        conn.exec_driver_sql(sql)
        conn.exec_driver_sql("ANALYZE")
    print(f"  generated {rows:,} traces in {time.perf_counter() - t0:.1f} s")
    clock = FakeClock(now - timedelta(hours=CANARY_HOURS))
    ro = Rollouts(config, store, clock=clock)
    ro.start("support", actor="bench", force=True, reason="benchmark canary")
    ro.promote("support", actor="bench", force=True, reason="benchmark: to 10 %")
    PlanService(store, config, clock=lambda: now - timedelta(days=DAYS)).create(
        "gpt5-swap", from_model="old", to_model="new", workloads=sorted(config.workloads)
    )
    t0 = time.perf_counter()
    judged = sum(judge_pairs(store, {n: "old"}, n) for n in config.workloads)
    print(f"  judged {judged:,} shadow pairs once in {time.perf_counter() - t0:.1f} s (stored)")
    return config, store


def _login(client: TestClient) -> None:
    form = client.get("/login")
    csrf = re.search(r'id="login-csrf" name="csrf_token" value="([^"]+)"', form.text)
    assert csrf is not None
    data = {"token": ADMIN, "name": "bench", "next": "/", "csrf_token": csrf.group(1)}
    client.post("/login", data=data, follow_redirects=False)


def _p95(values: list[float]) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(0.95 * len(s)) - 1)]


Timing = tuple[float, float, float, float, float]


def measure(config: Config, store: SqlStore, loads: int) -> dict[str, Timing]:
    """Per page: (first load, its CPU time, median, p95, p95 of the CPU time) in milliseconds.
    CPU time (the process's, all threads) says what a load costs when the machine is shared.
    The first load of a page is its cold path: nothing of it is cached yet."""
    app = create_web_app(config, store=store)
    out: dict[str, Timing] = {}
    with TestClient(app, base_url="https://testserver") as client:
        _login(client)
        for path in PAGES:
            times: list[float] = []
            cpu: list[float] = []
            for _ in range(loads + 1):
                t0, c0 = time.perf_counter(), time.process_time()
                response = client.get(path)
                times.append(1000 * (time.perf_counter() - t0))
                cpu.append(1000 * (time.process_time() - c0))
                if response.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {response.status_code}")
            first, rest = times[0], times[1:]
            out[path] = (first, cpu[0], statistics.median(rest), _p95(rest), _p95(cpu[1:]))
    return out


def measure_warm(config: Config, store: SqlStore) -> tuple[float, float, dict[str, float]]:
    """As ``swapsafe serve`` starts: (warm-up wall and CPU time, first load of each page after
    it) in milliseconds. The warm-up computes the slow page inputs in background threads."""
    app = create_web_app(config, store=store, warm=True)
    with TestClient(app, base_url="https://testserver") as client:
        t0, c0 = time.perf_counter(), time.process_time()
        if not app.state.web.wait_warm(timeout=600):
            raise SystemExit("the warm-up did not finish within 10 minutes")
        wall, cpu = 1000 * (time.perf_counter() - t0), 1000 * (time.process_time() - c0)
        _login(client)
        first: dict[str, float] = {}
        for path in PAGES:
            t1 = time.perf_counter()
            if client.get(path).status_code != 200:
                raise SystemExit(f"{path}: HTTP error after the warm-up")
            first[path] = 1000 * (time.perf_counter() - t1)
    return wall, cpu, first


def _run(
    label: str, rows: int, loads: int, now: datetime
) -> tuple[dict[str, Timing], tuple[float, float, dict[str, float]]]:
    with tempfile.TemporaryDirectory(prefix="swapsafe-bench-web-") as tmp:
        print(f"{label}: {rows:,} traces")
        config, store = build(Path(tmp), rows, now)
        try:
            return measure(config, store, loads), measure_warm(config, store)
        finally:
            store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=20)
    args = parser.parse_args()
    now = datetime.now(UTC)
    base, _ = _run("baseline", args.baseline_rows, args.loads, now)
    big, (warm_ms, warm_cpu, warm_first) = _run("large", args.rows, args.loads, now)
    print(
        f"\n{'page':<16} {'first':>9} {'CPU first':>10} {'median':>9} {'p95':>9} {'CPU p95':>9} "
        f"{'p95 @' + format(args.baseline_rows, ','):>12} {'ratio':>7}  target 500 ms"
    )
    worst = worst_first = 0.0
    for path in PAGES:
        first, cpu_first, med, p95, cpu95 = big[path]
        b95 = base[path][3]
        worst, worst_first = max(worst, p95), max(worst_first, first)
        flag = "ok" if max(first, p95) <= 500 else "SLOW"
        print(
            f"{path:<16} {first:7.0f}ms {cpu_first:8.0f}ms {med:7.0f}ms {p95:7.0f}ms "
            f"{cpu95:7.0f}ms {b95:10.0f}ms {p95 / b95:6.1f}x  {flag}"
        )
    print(
        f"\nas `swapsafe serve` starts (warm-up of the gates and the report): {warm_ms:.0f} ms "
        f"({warm_cpu:.0f} ms CPU) after start; then the first loads:"
    )
    print("  " + ", ".join(f"{path} {ms:.0f} ms" for path, ms in warm_first.items()))
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores)")
    print(f"\nslowest page p95: {worst:.0f} ms, slowest first load: {worst_first:.0f} ms "
          f"on {args.rows:,} traces")  # fmt: skip


if __name__ == "__main__":
    main()
