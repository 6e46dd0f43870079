"""What every demo phase shares: model aliases, run profiles, the options and the context."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swapsafe.demo import models
from swapsafe.demo.servers import ServerGroup, llama_server_argv
from swapsafe.demo.ui import DemoUI


@dataclass(frozen=True)
class Profile:
    """How much work one run does (``--quick`` or the default)."""

    name: str
    n_ctx: int
    golden_limit: int | None  # cases per golden set; None: all (>= 30)
    traffic: Mapping[str, int]  # shadow requests replayed for the new model, per workload alias
    second_traffic: Mapping[str, int]  # ... for the second candidate (its workload)
    max_tokens: dict[str, int]  # per workload alias
    min_samples: int  # [triggers] min_samples: canary requests needed per step
    redteam_per_category: int | None  # probes per category (6 categories)
    redteam_max_tokens: int
    redteam_suite: str  # "all" or comma-separated categories
    review_sample: int
    server_timeout: float = 180.0


QUICK = Profile(
    name="quick",
    n_ctx=2048,  # red-team probes (long jailbreak prompts) must fit
    # every golden case (32-36 per workload): with 8, a 61% vs 33% difference stayed
    # "inconclusive" (the paired 95% CI is about +-45 points at n=8, +-20 at n=36)
    golden_limit=None,
    # every request of the bundled traffic, 34 per workload: each latency gate needs 30 shadow
    # pairs (4 per workload left two of the three gates "inconclusive: 4 latency samples")
    traffic={"ticket-sentiment": 34, "order-extract": 34, "quick-facts": 34},
    second_traffic={"order-extract": 34},  # every order-extract request of the bundled traffic
    max_tokens={"ticket-sentiment": 16, "order-extract": 48, "quick-facts": 16},
    min_samples=3,
    redteam_per_category=1,
    redteam_max_tokens=24,
    redteam_suite="injection,jailbreak,leak,secrets",
    review_sample=12,
)


DEFAULT = Profile(
    name="default",
    n_ctx=2048,
    golden_limit=None,
    traffic={"ticket-sentiment": 34, "order-extract": 34, "quick-facts": 34},  # all of it
    second_traffic={"order-extract": 34},
    max_tokens={"ticket-sentiment": 16, "order-extract": 64, "quick-facts": 24},
    min_samples=5,
    redteam_per_category=2,
    redteam_max_tokens=48,
    redteam_suite="all",
    review_sample=60,
)


@dataclass(frozen=True)
class ModelSource:
    """Where the demo's models and their servers come from: the ``[local]`` extra's packages and
    llama.cpp's server (a test passes fakes: echo servers, files of its own)."""

    require: Callable[[], None] = models.require_local_extra
    old: Callable[[], models.ModelFile] = models.locate_smollm
    new: Callable[[Path | None], models.ModelFile] = models.locate_gemma
    server_argv: Callable[..., list[str]] = llama_server_argv


def wait_a_second() -> None:
    time.sleep(1.0)


@dataclass
class DemoOptions:
    dir: Path = Path("swapsafe-demo")
    quick: bool = False
    serve: bool = False
    cache_dir: Path | None = None  # where Gemma's parts are joined (default ~/.cache/swapsafe)
    models: ModelSource = field(default_factory=ModelSource)
    idle: Callable[[], None] = wait_a_second  # what the --serve phase does while it serves


@dataclass
class DemoContext:
    """State shared by the phases of one run."""

    options: DemoOptions
    profile: Profile
    ui: DemoUI
    servers: ServerGroup | None = None
    values: dict[str, Any] = field(default_factory=dict)  # phase outputs, by name
    outcomes: list[tuple[str, str, str]] = field(default_factory=list)  # (phase, status, note)

    def get(self, key: str) -> Any:
        return self.values[key]
