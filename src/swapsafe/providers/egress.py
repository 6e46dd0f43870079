"""How upstream calls leave the machine: HTTP proxy, ``NO_PROXY`` and the CA bundle.

:meth:`Egress.from_env` is the one place that reads the environment for this; a provider gets an
:class:`Egress` and decides once, when its connection pool is built, whether its URL goes through
a proxy (so a gateway without a proxy does no extra work per request).

Environment, with the semantics httpx gives it (``httpx/_utils.py: get_environment_proxies``, on
top of ``urllib.request.getproxies_environment``):

- ``HTTPS_PROXY`` / ``https_proxy``: proxy for ``https://`` upstreams (CONNECT tunnel, then TLS
  to the upstream); ``HTTP_PROXY`` / ``http_proxy``: for ``http://`` upstreams (absolute-form
  requests, as curl does). The lowercase variable wins over the uppercase one, and a lowercase
  variable set to ``""`` switches the proxy off. When ``REQUEST_METHOD`` is set (a CGI process)
  the uppercase ``HTTP_PROXY`` is ignored (CVE-2016-1000110), as urllib does. A value without
  ``://`` means ``http://``. Only ``http://`` proxies are supported; credentials come from the
  URL's userinfo (percent-decoded) and are sent as ``Proxy-Authorization: Basic``. ``ALL_PROXY``
  is not read (it usually names a SOCKS proxy).
- ``NO_PROXY`` / ``no_proxy``: comma-separated; ``*`` bypasses the proxy for every host;
  ``example.com`` matches it and its subdomains (not ``badexample.com``); ``.example.com`` and
  ``*.example.com`` match subdomains only (httpx's reading; curl's also matches the bare
  domain); ``localhost`` and IP literals (``10.1.2.3``, ``::1``, ``[::1]``) match exactly;
  ``host:port`` matches that port only (the URL's effective port: 443 for https when none is
  written, where httpx compares with an absent port); ``scheme://host`` matches that scheme
  only. Beyond httpx: CIDR blocks (``10.0.0.0/8``, ``fd00::/8``) match IP literals in them.
  Host names are never resolved.
- ``SSL_CERT_FILE``: a CA bundle (PEM) that replaces the system trust store, like
  ``[models.X] ca_file``, which wins over it for that model.

A :class:`ProxyURL`'s repr and str never contain its credentials; every message names the proxy
by :attr:`ProxyURL.display`.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

import httpx

from swapsafe.exceptions import ConfigError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class ProxyAuthRefused(httpx.ProxyError):
    """The proxy answered 407: its credentials are wrong. Never retried, since every retry is one
    more failed login, and a directory-backed proxy locks an account out after a few."""


_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class ProxyURL:
    """An ``http://`` proxy. ``authorization`` is the ``Proxy-Authorization`` value, if any."""

    host: str
    port: int
    authorization: str | None = field(default=None, repr=False)

    @property
    def display(self) -> str:
        """The proxy's URL without credentials: what messages may show."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def __str__(self) -> str:
        return self.display

    def secrets(self) -> tuple[str, ...]:
        """What to mask in any text a proxy could echo: the token, the password (raw and
        percent-encoded; passwords under 4 characters are not worth mangling text for)."""
        if self.authorization is None:
            return ()
        token = self.authorization.removeprefix("Basic ")
        password = base64.b64decode(token).decode().partition(":")[2]
        if len(password) < 4:
            return (token,)
        return tuple(dict.fromkeys((token, password, quote(password, safe=""))))


def basic_authorization(username: str, password: str) -> str:
    """``Basic base64(user:password)``, UTF-8, as httpx and curl send it."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def parse_proxy_url(value: str, *, source: str) -> ProxyURL:
    """Parse a proxy URL from ``source`` (a variable name); errors never echo credentials."""
    text = value.strip()
    if "://" not in text:
        text = f"http://{text}"
    try:
        parts = urlsplit(text)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        if "port" not in str(exc):
            raise ConfigError(
                f"{source}: the proxy URL cannot be parsed ({exc}); "
                "use e.g. http://user:password@proxy.corp:3128"
            ) from None
        raise ConfigError(
            f"{source}: the proxy URL's port is not a number; use e.g. http://proxy.corp:3128"
        ) from None
    scheme = parts.scheme.lower()
    if scheme != "http" or not host:
        shown = f"{scheme}://{host or ''}" + (f":{port}" if port else "")
        raise ConfigError(
            f"{source}: {shown!r} is not a usable proxy; only http:// proxies are supported, "
            "e.g. http://user:password@proxy.corp:3128"
        )
    authorization = None
    if parts.username is not None or parts.password is not None:
        authorization = basic_authorization(
            unquote(parts.username or ""), unquote(parts.password or "")
        )
    return ProxyURL(host.lower(), port or 80, authorization)


@dataclass(frozen=True)
class NoProxyRule:
    """One ``NO_PROXY`` entry. ``kind``: ``exact`` host, ``domain`` (itself and subdomains),
    ``subdomain`` (subdomains only) or ``network`` (IP literals in ``network``)."""

    kind: Literal["exact", "domain", "subdomain", "network"]
    host: str = ""
    port: int | None = None
    scheme: str | None = None
    network: IPNetwork | None = None

    def matches(self, scheme: str, host: str, port: int, ip: IPNetwork | None) -> bool:
        if (self.scheme is not None and self.scheme != scheme) or (
            self.port is not None and self.port != port
        ):
            return False
        if self.kind == "network":
            return ip is not None and self.network is not None and _within(ip, self.network)
        if self.kind == "exact":
            return host == self.host
        if self.kind == "subdomain":
            return host.endswith(f".{self.host}")
        return host == self.host or host.endswith(f".{self.host}")


def _within(ip: IPNetwork, network: IPNetwork) -> bool:
    return ip.version == network.version and ip.subnet_of(network)  # type: ignore[arg-type]


def _ip(text: str) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(text.strip("[]"), strict=False)
    except ValueError:
        return None


def _split_port(entry: str) -> tuple[str, int | None]:
    """``host:port`` -> (host, port); a bare IPv6 literal keeps its colons."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        return host, int(port) if port.isdigit() else None
    host, sep, port = entry.rpartition(":")
    if sep and port.isdigit() and ":" not in host:
        return host, int(port)
    return entry, None


def parse_no_proxy_entry(entry: str) -> NoProxyRule | None:
    """One comma-separated ``NO_PROXY`` item (not ``*``); None for an empty one."""
    text = entry.strip().lower()
    scheme: str | None = None
    if "://" in text:
        scheme, _, text = text.partition("://")
        text = text.split("/", 1)[0]
    host, port = _split_port(text)
    if not host:
        return None
    network = _ip(host)
    if network is not None:
        return NoProxyRule("network", port=port, scheme=scheme, network=network)
    if host.startswith("*."):
        host = host[1:]
    if host.startswith("."):
        return NoProxyRule("subdomain", host.lstrip("."), port, scheme)
    return NoProxyRule("exact" if host == "localhost" else "domain", host, port, scheme)


@dataclass(frozen=True)
class NoProxy:
    """Parsed ``NO_PROXY``: ``everything`` for ``*``, else the rules."""

    everything: bool = False
    rules: tuple[NoProxyRule, ...] = ()

    @classmethod
    def parse(cls, value: str) -> NoProxy:
        items = [item.strip() for item in value.split(",")]
        if "*" in items:
            return cls(everything=True)
        rules = (parse_no_proxy_entry(item) for item in items)
        return cls(rules=tuple(rule for rule in rules if rule is not None))

    def bypasses(self, url: str) -> bool:
        """True when ``url`` must be reached directly."""
        if self.everything:
            return True
        if not self.rules:
            return False
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
        ip = _ip(host)
        return any(rule.matches(scheme, host, port, ip) for rule in self.rules)


def _env_var(environ: Mapping[str, str], name: str) -> str:
    """``name`` in lower case wins (even set to ""); then upper case (urllib's order)."""
    lower = environ.get(name.lower())
    if lower is not None:
        return lower
    if name == "HTTP_PROXY" and "REQUEST_METHOD" in environ:
        return ""  # CGI: HTTP_PROXY may come from a client's "Proxy:" header
    return environ.get(name.upper(), "")


@dataclass(frozen=True)
class Egress:
    """Proxies and trust for upstream calls. ``Egress()`` is direct with the system trust store."""

    https_proxy: ProxyURL | None = None
    http_proxy: ProxyURL | None = None
    no_proxy: NoProxy = NoProxy()
    ca_file: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Egress:
        """Read HTTPS_PROXY, HTTP_PROXY, NO_PROXY and SSL_CERT_FILE (see the module docstring)."""
        env = os.environ if environ is None else environ
        proxies: dict[str, ProxyURL | None] = {}
        for name in ("HTTPS_PROXY", "HTTP_PROXY"):
            value = _env_var(env, name)
            proxies[name] = parse_proxy_url(value, source=name) if value.strip() else None
        cert_file = env.get("SSL_CERT_FILE", "").strip()
        return cls(
            https_proxy=proxies["HTTPS_PROXY"],
            http_proxy=proxies["HTTP_PROXY"],
            no_proxy=NoProxy.parse(_env_var(env, "NO_PROXY")),
            ca_file=Path(cert_file) if cert_file else None,
        )

    def for_model(self, ca_file: Path | None) -> Egress:
        """These settings with a model's own ``ca_file`` (when it has one) instead."""
        return self if ca_file is None else replace(self, ca_file=ca_file)

    def proxy_for(self, url: str) -> ProxyURL | None:
        """The proxy ``url`` goes through, or None for a direct connection."""
        scheme = urlsplit(url).scheme.lower()
        proxy = self.https_proxy if scheme == "https" else self.http_proxy
        if proxy is None or self.no_proxy.bypasses(url):
            return None
        return proxy

    def ssl_context(self) -> ssl.SSLContext | None:
        """A context trusting only ``ca_file``; None means the default (system) context."""
        if self.ca_file is None:
            return None
        try:
            return ssl.create_default_context(cafile=str(self.ca_file))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"CA bundle {self.ca_file} cannot be loaded ({exc}); "
                "point ca_file / SSL_CERT_FILE at a PEM file of CA certificates"
            ) from None
