"""Login, session cookie, CSRF and roles in real headless Chromium; the Rollback button."""

from __future__ import annotations

from typing import Any

from tests.web.web_helpers import ADMIN_TOKEN, REVIEWER_TOKEN, LiveServer, login, screenshot

from swapsafe.routing.service import RoutingService
from swapsafe.store.protocol import Store

POST_JS = """async ([url, withToken]) => {
  const headers = {"Content-Type": "application/x-www-form-urlencoded"};
  if (withToken) headers["X-CSRF-Token"] = window.swapsafe.csrf();
  const r = await fetch(url, {method: "POST", headers, body: "reason=test", redirect: "manual"});
  return r.type === "opaqueredirect" ? 303 : r.status;  // a redirect = success
}"""


def _shadow_on(store: Store, config: Any) -> RoutingService:
    routing = RoutingService(store, {n: True for n in config.workloads})
    routing.set("support", mode="shadow", shadow=True, actor="test", reason="start shadow")
    return routing


def test_login_sets_a_strict_httponly_cookie(page: Any, live: LiveServer) -> None:
    page.goto(f"{live.url}/review")
    assert "/login" in page.url  # not logged in: sent to the login page
    page.fill("#token", "wrong-token-0123456789")
    page.click("#login-form button[type=submit]")
    assert page.locator(".error").inner_text() == "unknown token"
    assert [c["name"] for c in page.context.cookies()] == ["swapsafe_login"]  # no session
    login(page, live.url, ADMIN_TOKEN, "alice")
    [cookie] = page.context.cookies()
    assert cookie["name"] == "swapsafe_session"
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert cookie["secure"] is False  # plain http on loopback; https sets Secure (see unit test)
    assert ADMIN_TOKEN not in cookie["value"]
    assert page.evaluate("document.cookie") == ""  # not readable from scripts
    assert "alice" in page.locator("#whoami").inner_text()
    page.click(".who button")  # log out
    page.wait_for_url("**/login")
    page.goto(f"{live.url}/")
    assert "/login" in page.url


def test_state_changes_need_the_csrf_token(
    page: Any, live: LiveServer, web_store: Store, web_config: Any
) -> None:
    _shadow_on(web_store, web_config)
    login(page, live.url, ADMIN_TOKEN, "alice")
    url = f"{live.url}/workloads/support/rollback"
    assert page.evaluate(POST_JS, [url, False]) == 403
    assert page.evaluate(POST_JS, [f"{live.url}/review/undo", False]) == 403
    assert web_store.get_routing_states()["support"].mode == "shadow"
    assert page.evaluate(POST_JS, [url, True]) == 303
    assert web_store.get_routing_states()["support"].mode == "rolled_back"


def test_reviewers_cannot_change_routing(
    page: Any, live: LiveServer, web_store: Store, web_config: Any
) -> None:
    _shadow_on(web_store, web_config)
    login(page, live.url, REVIEWER_TOKEN, "rita")
    page.goto(f"{live.url}/")
    assert page.locator("form.rollback").count() == 0  # no button for reviewers
    url = f"{live.url}/workloads/support/rollback"
    assert page.evaluate(POST_JS, [url, True]) == 403
    assert web_store.get_routing_states()["support"].mode == "shadow"
    response = page.goto(f"{live.url}/review")
    assert response is not None and response.status == 200  # but reviewing is fine


def test_rollback_button_asks_first_then_rolls_back(
    page: Any, live: LiveServer, web_store: Store, web_config: Any
) -> None:
    _shadow_on(web_store, web_config)
    login(page, live.url, ADMIN_TOKEN, "alice")
    page.goto(f"{live.url}/")
    button = page.locator("#workload-support form.rollback button")
    button.click()  # the confirmation is dismissed: nothing happens
    assert page.dialogs and "Roll back support" in page.dialogs[0]
    assert web_store.get_routing_states()["support"].mode == "shadow"
    page.accept_dialogs = True
    page.fill("#workload-support input[name=reason]", "new model too slow")
    with page.expect_navigation():
        button.click()
    assert "Rolled back" in page.locator("#flash").inner_text()
    state = web_store.get_routing_states()["support"]
    assert state.mode == "rolled_back" and state.updated_by == "web:alice"
    [entry] = [a for a in web_store.list_audit() if a.reason == "new model too slow"]
    assert entry.actor == "web:alice"
    assert page.locator("#workload-support form.rollback").count() == 0
    screenshot(page, "overview-rolled-back")


def test_pages_and_nav(page: Any, live: LiveServer) -> None:
    login(page, live.url, REVIEWER_TOKEN, "rita")
    for path in ("/plan", "/rollout"):
        response = page.goto(f"{live.url}{path}")
        assert response is not None and response.status == 200
        assert page.locator("nav a.active").get_attribute("href") == path
    response = page.goto(f"{live.url}/report")  # the standalone report, with a way back
    assert response is not None and response.status == 200
    assert page.locator("nav.swapsafe-back a").first.get_attribute("href") == "/"
