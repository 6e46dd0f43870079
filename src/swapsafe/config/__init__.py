"""``swapsafe.toml``: typed config models, ``env::`` secrets, durations, and clear errors.

>>> config = load_config("swapsafe.toml")          # doctest: +SKIP
>>> config.workload_for_model("support-triage")    # doctest: +SKIP
"""

from swapsafe.config.loader import DEFAULT_FILE, config_from_dict, load_config
from swapsafe.config.models import (
    Config,
    EvalsConfig,
    GateConfig,
    GatewayConfig,
    ModelConfig,
    PriceOverride,
    RolloutConfig,
    RolloutStep,
    ShadowConfig,
    StoreConfig,
    TriggerConfig,
    WebConfig,
    WorkloadConfig,
    resolve_store_url,
)
from swapsafe.config.values import Secret, parse_duration
from swapsafe.exceptions import ConfigError, ConfigProblem

__all__ = [
    "DEFAULT_FILE",
    "Config",
    "ConfigError",
    "ConfigProblem",
    "EvalsConfig",
    "GateConfig",
    "GatewayConfig",
    "ModelConfig",
    "PriceOverride",
    "RolloutConfig",
    "RolloutStep",
    "Secret",
    "ShadowConfig",
    "StoreConfig",
    "TriggerConfig",
    "WebConfig",
    "WorkloadConfig",
    "config_from_dict",
    "load_config",
    "parse_duration",
    "resolve_store_url",
]
