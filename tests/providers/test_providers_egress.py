"""Egress settings (providers/egress.py): proxy variables, NO_PROXY, CA bundles. Pure: no sockets.

NO_PROXY matching is checked against httpx itself (its ``trust_env`` routing) on every case
where swapsafe means to agree, and the few deliberate differences are listed apart.
"""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from swapsafe.config import load_config
from swapsafe.exceptions import ConfigError
from swapsafe.providers.egress import Egress, NoProxy, ProxyURL, parse_proxy_url
from swapsafe.providers.h1_proxy import check_connect_reply, connect_request

PROXY = ProxyURL("proxy.corp", 3128, "Basic dXNlcjpwdw==")


def test_lowercase_variables_win_and_an_empty_one_switches_the_proxy_off() -> None:
    both = {"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2"}
    assert Egress.from_env(both).https_proxy == ProxyURL("lower", 2)
    assert Egress.from_env({"HTTPS_PROXY": "upper:1"}).https_proxy == ProxyURL("upper", 1)
    assert Egress.from_env({**both, "https_proxy": ""}).https_proxy is None
    assert Egress.from_env({"HTTP_PROXY": "h:3"}).http_proxy == ProxyURL("h", 3)
    assert Egress.from_env({"HTTP_PROXY": "h"}).https_proxy is None  # no fallback across schemes
    both_no = {"NO_PROXY": "upper.test", "no_proxy": "lower.test"}
    assert Egress.from_env(both_no).no_proxy.rules[0].host == "lower.test"


def test_a_cgi_process_ignores_uppercase_http_proxy() -> None:
    env = {"REQUEST_METHOD": "GET", "HTTP_PROXY": "http://from-a-header:1"}
    assert Egress.from_env(env).http_proxy is None
    assert Egress.from_env({**env, "http_proxy": "h:2"}).http_proxy == ProxyURL("h", 2)
    assert Egress.from_env({**env, "HTTPS_PROXY": "h:3"}).https_proxy == ProxyURL("h", 3)


def test_proxy_urls_parse_like_httpx() -> None:
    assert parse_proxy_url("proxy.corp", source="X") == ProxyURL("proxy.corp", 80)
    assert parse_proxy_url(" http://Proxy.Corp:3128/ ", source="X") == ProxyURL("proxy.corp", 3128)
    assert parse_proxy_url("http://[fd00::1]:8080", source="X").display == "http://[fd00::1]:8080"
    proxy = parse_proxy_url("http://al%40ce:p%3Aw%20d%2F@proxy:3128", source="X")
    assert proxy.authorization == "Basic " + base64.b64encode(b"al@ce:p:w d/").decode()
    user_only = parse_proxy_url("http://bob@proxy:1", source="X")
    assert user_only.authorization == "Basic " + base64.b64encode(b"bob:").decode()
    assert parse_proxy_url("http://p@ss@word@proxy:1", source="X").host == "proxy"


@pytest.mark.parametrize(
    "value",
    [
        "socks5://alice:hunter2@proxy:1080",
        "https://alice:hunter2@proxy:443",
        "http://alice:hunter2@proxy:port",
        "http://alice:hunter2@:3128",
    ],
)
def test_unusable_proxy_urls_are_config_errors_without_the_password(value: str) -> None:
    with pytest.raises(ConfigError, match="HTTPS_PROXY") as caught:
        Egress.from_env({"HTTPS_PROXY": value})
    assert "hunter2" not in str(caught.value) and "alice" not in str(caught.value)


def test_credentials_never_reach_repr_or_str() -> None:
    egress = Egress.from_env({"https_proxy": "http://user:hunter2@proxy:3128"})
    token = base64.b64encode(b"user:hunter2").decode()
    for text in (repr(egress), str(egress), repr(egress.https_proxy), str(egress.https_proxy)):
        assert "hunter2" not in text and token not in text
    assert str(egress.https_proxy) == "http://proxy:3128"


def test_what_error_messages_mask() -> None:
    proxy = parse_proxy_url("http://u:pa%20ss%2Fword@p:1", source="X")
    token = base64.b64encode(b"u:pa ss/word").decode()
    assert proxy.secrets() == (token, "pa ss/word", "pa%20ss%2Fword")
    assert ProxyURL("p", 1).secrets() == ()
    short = parse_proxy_url("http://u:abc@p:1", source="X")  # masking "abc" would mangle text
    assert short.secrets() == (base64.b64encode(b"u:abc").decode(),)


AGREED = [
    ("example.com", "https://example.com"),
    ("example.com", "https://api.example.com"),
    ("example.com", "https://badexample.com"),
    ("example.com", "https://example.com.evil.net"),
    (".example.com", "https://example.com"),
    (".example.com", "https://a.b.example.com"),
    ("localhost", "http://localhost:8000"),
    ("localhost", "https://api.localhost"),
    ("127.0.0.1", "https://127.0.0.1:8443"),
    ("127.0.0.1", "https://127.0.0.2"),
    ("::1", "https://[::1]:8443"),
    ("*", "https://api.openai.com"),
    ("a.test, *, b.test", "https://api.openai.com"),
    ("EXAMPLE.com", "https://Api.Example.COM"),
    (" other.org , example.com ", "https://example.com"),
    ("example.com:8443", "https://example.com:8443"),
    ("example.com:8443", "https://example.com:9443"),
    ("http://example.com", "http://example.com"),
    ("http://example.com", "https://example.com"),
    ("", "https://example.com"),
    (",,", "https://example.com"),
]


@pytest.mark.parametrize(("no_proxy", "url"), AGREED)
def test_no_proxy_matches_httpx(no_proxy: str, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "ALL_PROXY",
        "all_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "no_proxy",
        "REQUEST_METHOD",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", no_proxy)
    with httpx.Client() as client:
        httpx_direct = client._transport_for_url(httpx.URL(url)) is client._transport
    egress = Egress.from_env(
        {"HTTPS_PROXY": "proxy.corp:3128", "HTTP_PROXY": "proxy.corp:3128", "NO_PROXY": no_proxy}
    )
    assert (egress.proxy_for(url) is None) == httpx_direct


@pytest.mark.parametrize(
    ("no_proxy", "url", "direct"),
    [
        ("10.0.0.0/8", "https://10.1.2.3", True),  # CIDR blocks (httpx: not supported)
        ("10.0.0.0/8", "https://11.1.2.3", False),
        ("fd00::/8", "https://[fd12::1]:8443", True),
        ("10.0.0.0/8", "https://ten.internal", False),  # names are never resolved
        ("example.com:443", "https://example.com", True),  # effective port (httpx: None != 443)
        ("*.example.com", "https://api.example.com", True),  # a glob reads as ".example.com"
        ("*.example.com", "https://example.com", False),
        ("[::1]:8443", "https://[::1]:8443", True),
        ("1.2.3.4:80", "http://1.2.3.4", True),
    ],
)
def test_no_proxy_beyond_httpx(no_proxy: str, url: str, direct: bool) -> None:
    assert NoProxy.parse(no_proxy).bypasses(url) is direct


def test_proxy_for_picks_the_upstreams_scheme() -> None:
    egress = Egress.from_env({"HTTPS_PROXY": "s:1", "HTTP_PROXY": "p:2", "NO_PROXY": "vllm.lan"})
    assert egress.proxy_for("https://api.openai.com/v1/chat/completions") == ProxyURL("s", 1)
    assert egress.proxy_for("http://ollama:11434/v1/chat/completions") == ProxyURL("p", 2)
    assert egress.proxy_for("http://vllm.lan:8000/v1") is None
    assert Egress().proxy_for("https://api.openai.com") is None


def test_ca_bundles(tmp_path: Path) -> None:
    assert Egress.from_env({"SSL_CERT_FILE": " "}).ca_file is None
    assert Egress.from_env({}).ssl_context() is None  # the pool's default: system trust
    env = Egress.from_env({"SSL_CERT_FILE": "/etc/corp-ca.pem"})
    assert env.ca_file == Path("/etc/corp-ca.pem")
    assert env.for_model(None) is env
    assert env.for_model(tmp_path / "model.pem").ca_file == tmp_path / "model.pem"
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    for bundle in (junk, tmp_path / "missing.pem"):
        with pytest.raises(ConfigError, match="CA bundle .* cannot be loaded"):
            Egress(ca_file=bundle).ssl_context()


def test_models_ca_file_resolves_against_the_config(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "corp.pem").write_text("x")
    toml = '[models.m]\nprovider = "openai"\nbase_url = "https://llm.corp/v1"\nca_file = "{}"\n'
    (tmp_path / "swapsafe.toml").write_text(toml.format("certs/corp.pem"))
    config = load_config(tmp_path / "swapsafe.toml", env={})
    assert config.models["m"].ca_file == tmp_path / "certs" / "corp.pem"
    (tmp_path / "swapsafe.toml").write_text(toml.format("certs/nope.pem"))
    with pytest.raises(
        ConfigError, match=r"models\.m\.ca_file: file certs/nope.pem does not exist"
    ):
        load_config(tmp_path / "swapsafe.toml", env={})


def test_connect_request_and_reply() -> None:
    assert connect_request(PROXY, "[::1]:443") == (
        b"CONNECT [::1]:443 HTTP/1.1\r\nhost: [::1]:443\r\nuser-agent: swapsafe/0.1.0\r\n"
        b"proxy-authorization: Basic dXNlcjpwdw==\r\n\r\n"
    )
    check_connect_reply(b"HTTP/1.0 200 Connection established\r\n\r\n", PROXY, "h:443")
    check_connect_reply(b"HTTP/1.1 204\r\nx: y\r\n\r\n", PROXY, "h:443")
    bad = {
        b"SSH-2.0-OpenSSH\r\n\r\n": "invalid reply to CONNECT h:443",
        b"HTTP/1.1 200 OK\r\n\r\n\x16\x03": "sent data before the tunnel's TLS",
        b"HTTP/1.1 502 Bad Gateway\r\n\r\ndown": "refused CONNECT h:443: HTTP 502 Bad Gateway",
        b"HTTP/1.1 599 Weird\r\n\r\n": "refused CONNECT h:443: HTTP 599",
    }
    for reply, message in bad.items():
        with pytest.raises(httpx.ProxyError, match=message):
            check_connect_reply(reply, PROXY, "h:443")


@pytest.mark.parametrize("value", ["http://a:pw@[::1", "http://a:pw@proxy:99999"])
def test_an_unparsable_proxy_url_is_one_line_without_the_password(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Egress.from_env({"HTTPS_PROXY": value})
    assert "HTTPS_PROXY" in str(caught.value) and "pw" not in str(caught.value)
