"""Watch the garbage collector and event-loop stalls in benchmark processes.

Put this directory on ``PYTHONPATH`` and name an output directory; every gateway, fake upstream
and ``bench/shadow.py`` process started under it writes ``DIR/gcwatch-<role>-<pid>.jsonl``:

    GCWATCH_DIR=/tmp/gc PYTHONPATH=bench/gcwatch python bench/shadow.py --shadowed-capacity --quick

- ``gc``: every collection over 5 ms (wall and CPU ms, generation, objects collected);
- ``gccount``: every 5 s, collections so far per generation and their total time;
- ``gap``: the sampling thread (every 2 ms) could not run for over 30 ms: the main thread's
  stack and the other threads' at that moment;
- ``garbage`` with ``GCWATCH_SAVEALL=1`` (gateway only): the types of what the collector found
  unreachable (reference cycles), counted every 5 s;
- ``GCWATCH_THRESHOLDS=a,b,c`` sets the gateway's collector thresholds (after start-up the
  gateway sets its own, so this only matters for experiments that remove that call).
"""

from __future__ import annotations

import collections
import gc
import json
import os
import sys
import threading
import time
from typing import Any


def _role() -> str | None:
    argv = " ".join(sys.orig_argv)
    if " gateway " in f"{argv} ":
        return "gateway"
    if "swapsafe.testing" in argv:
        return "fake"
    if "bench/shadow.py" in argv:
        return "bench"
    return None


def _stack(frame: Any, depth: int = 14) -> list[str]:
    out = []
    while frame is not None and len(out) < depth:
        code = frame.f_code
        out.append(f"{os.path.basename(code.co_filename)}:{code.co_name}:{frame.f_lineno}")
        frame = frame.f_back
    return out


def _watch(directory: str, role: str) -> None:
    out = open(os.path.join(directory, f"gcwatch-{role}-{os.getpid()}.jsonl"), "a", buffering=1)  # noqa: SIM115

    def emit(kind: str, **fields: object) -> None:
        out.write(json.dumps({"k": kind, "t": time.time(), **fields}) + "\n")

    counts: collections.Counter[int] = collections.Counter()
    total: collections.Counter[int] = collections.Counter()
    started = [0.0, 0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[:] = [time.perf_counter(), time.thread_time()]
            return
        wall, cpu = time.perf_counter() - started[0], time.thread_time() - started[1]
        gen = info["generation"]
        counts[gen] += 1
        total[gen] += wall
        if wall > 0.005:
            emit("gc", ms=wall * 1e3, cpu_ms=cpu * 1e3, gen=gen, collected=info["collected"])

    gc.callbacks.append(on_gc)
    thresholds = os.environ.get("GCWATCH_THRESHOLDS")
    if thresholds and role == "gateway":
        gc.set_threshold(*map(int, thresholds.split(",")))
    save_all = role == "gateway" and bool(os.environ.get("GCWATCH_SAVEALL"))
    if save_all:
        gc.set_debug(gc.DEBUG_SAVEALL)
    main = threading.main_thread().ident

    def sample() -> None:
        garbage: collections.Counter[str] = collections.Counter()
        last = dumped = time.perf_counter()
        while True:
            time.sleep(0.002)
            now = time.perf_counter()
            gap, last = now - last, now
            if save_all and gc.garbage:
                found = list(gc.garbage)
                del gc.garbage[:]
                garbage.update(type(o).__qualname__ for o in found)
                del found
            if gap > 0.03:
                frames = sys._current_frames()
                others = {str(k): _stack(f, 8) for k, f in frames.items()
                          if k not in (main, threading.get_ident())}  # fmt: skip
                emit("gap", ms=gap * 1e3, main=_stack(frames.get(main)), others=others)
            if now - dumped > 5:
                dumped = now
                emit("gccount", n=dict(counts), ms={g: v * 1e3 for g, v in total.items()})
                if garbage:
                    emit("garbage", types=garbage.most_common(40))

    threading.Thread(target=sample, daemon=True, name="gcwatch").start()


_dir, _who = os.environ.get("GCWATCH_DIR"), _role()
if _dir and _who:
    _watch(_dir, _who)
