"""``swapsafe serve`` computes the slow page inputs at start-up: the overview's gate reports
and the report's evidence are ready before the first visitor, who then computes nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient
from tests.web.web_helpers import web_login

import swapsafe.web.pages.report as report_page
from swapsafe.config import Config
from swapsafe.gates.checks import evaluate_gates
from swapsafe.store.protocol import Store
from swapsafe.web.app import create_web_app


class Counted:
    """A function, counting its calls by first argument after config and store."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn, self.calls, self.lock = fn, [], threading.Lock()

    def __call__(self, config: Config, store: Store, arg: Any) -> Any:
        with self.lock:
            self.calls.append(str(arg))
        return self.fn(config, store, arg)

    def seen(self) -> list[str]:
        with self.lock:
            return sorted(self.calls)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> tuple[Counted, Counted]:
    gates = Counted(lambda c, s, name: evaluate_gates(c, s, name))
    report = Counted(report_page.build_report)
    monkeypatch.setattr(report_page, "build_report", report)
    return gates, report


def _visit(client: TestClient) -> None:
    web_login(client)
    for path in ("/", "/report"):
        assert client.get(path).status_code == 200


def test_serve_warms_the_gate_reports_and_the_report(
    web_config: Config, web_store: Store, counted: tuple[Counted, Counted]
) -> None:
    gates, report = counted
    names = sorted(web_config.workloads)
    app = create_web_app(web_config, store=web_store, gates=gates, warm=True)
    with TestClient(app, base_url="https://testserver") as client:
        assert app.state.web.wait_warm(timeout=60)  # background threads
        assert (gates.seen(), report.seen()) == (names, ["None"])
        _visit(client)
        assert (gates.seen(), report.seen()) == (names, ["None"])  # the visitor computed nothing


def test_without_warm_the_first_visitor_computes(
    web_config: Config, web_store: Store, counted: tuple[Counted, Counted]
) -> None:
    gates, report = counted
    app = create_web_app(web_config, store=web_store, gates=gates)
    with TestClient(app, base_url="https://testserver") as client:
        time.sleep(0.2)
        assert (gates.seen(), report.seen()) == ([], [])
        _visit(client)
        assert (gates.seen(), report.seen()) == (sorted(web_config.workloads), ["None"])
