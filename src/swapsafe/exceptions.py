"""One error tree for swapsafe.

::

    SwapsafeError                      base; str(e) is one line that says what to do
    ├── ConfigError                    the user's swapsafe.toml (or CLI input) is wrong
    ├── StoreError                     the store cannot be opened, migrated or written
    ├── RoutingError                   a routing change that is refused (unknown workload, ...)
    ├── TranslationError               a request the target wire format cannot express faithfully
    ├── GateError                      a quality gate blocks an action (e.g. rollout start)
    └── ProviderError(status, provider, body)
        ├── ProviderTimeout            the upstream did not answer within the deadline
        └── ProviderConnectionError    the upstream could not be reached / reset the connection

User mistakes (ConfigError, RoutingError, TranslationError) are kept apart from upstream failures
(ProviderError). Messages never contain secrets: provider bodies are stored as received from the
upstream, and callers must not put keys into them.
"""

from __future__ import annotations

from dataclasses import dataclass


class SwapsafeError(Exception):
    """Base of every error swapsafe raises on purpose."""


@dataclass(frozen=True)
class ConfigProblem:
    """One problem in a config file: where it is and what to do about it."""

    file: str
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.message}"


class ConfigError(SwapsafeError):
    """The configuration is invalid. Holds one :class:`ConfigProblem` per problem."""

    def __init__(self, problems: list[ConfigProblem] | str) -> None:
        if isinstance(problems, str):
            problems = [ConfigProblem(file="", key="", message=problems)]
        self.problems = problems
        super().__init__("\n".join(str(p).lstrip(": ") for p in problems))


class StoreError(SwapsafeError):
    """The store could not be opened, migrated, read or written."""


class RoutingError(SwapsafeError):
    """A routing state change was refused (unknown workload, bad weight, forbidden transition)."""


class TranslationError(SwapsafeError):
    """A request uses a feature the target wire format cannot express faithfully."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class GateError(SwapsafeError):
    """A quality gate blocks the requested action."""


class ProviderError(SwapsafeError):
    """The upstream provider failed.

    ``status`` is the upstream HTTP status (0 when no response arrived), ``provider`` the model
    name from the config, ``body`` the upstream error body (parsed JSON when possible).
    """

    error_class = "upstream_error"

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        provider: str = "",
        body: object = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.provider = provider
        self.body = body
        self.retry_after = retry_after


class ProviderTimeout(ProviderError):
    error_class = "timeout"


class ProviderConnectionError(ProviderError):
    error_class = "connection"
