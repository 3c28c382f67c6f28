"""Settings of the emulator: one Pydantic model, so the CLI, tests and the control endpoint share the rules.

Every duration here is in *simulated* seconds unless its name says otherwise; the clock turns real time into
simulated time at ``time_scale`` simulated seconds per real second.
"""

from __future__ import annotations

import math
import random
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from xrt_prods_async._products import Product
from xrt_prods_async.wire._endpoints import API_VERSION, MAIN_API_PATH, MAIN_API_VERSION, Endpoint

from ._clock import MAX_TIME_SCALE

__all__ = [
    "DEFAULT_DURATIONS",
    "DEMO_USER_ID",
    "FAULT_ENDPOINTS",
    "DurationModel",
    "EmulatorConfig",
    "FaultConfig",
    "FaultRule",
]

#: The user registered by default, so the demo and quick experiments need no set-up.
DEMO_USER_ID = "demo@example.org"

#: Names a fault rule may target: every API path, the main API (``API/main.php``), ``download`` (archives and
#: files) and ``*`` (everything).
FAULT_ENDPOINTS: tuple[str, ...] = ("*", "download", *(e.value for e in Endpoint), MAIN_API_PATH)


class DurationModel(BaseModel):
    """How long one product takes to build: log-normal around ``median`` simulated seconds.

    ``sigma`` is the standard deviation of the natural log (0 = always exactly ``median``); draws are
    clamped to ``[minimum, maximum]``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    median: float = Field(gt=0, description="median build time, simulated seconds")
    sigma: float = Field(default=0.35, ge=0, le=3, description="spread: standard deviation of ln(duration)")
    minimum: float = Field(default=1.0, gt=0, description="shortest build time, simulated seconds")
    maximum: float = Field(default=12 * 3600.0, gt=0, description="longest build time (the service's 12 h)")

    @model_validator(mode="after")
    def _ordered(self) -> DurationModel:
        if not self.minimum <= self.median <= self.maximum:
            raise ValueError(
                f"duration bounds must satisfy minimum <= median <= maximum; got {self.minimum}, "
                f"{self.median}, {self.maximum}"
            )
        return self

    def draw(self, rng: random.Random) -> float:
        """One build time from the model, drawn with ``rng``."""
        value = self.median * math.exp(self.sigma * rng.gauss(0.0, 1.0)) if self.sigma else self.median
        return min(max(value, self.minimum), self.maximum)


#: Build times chosen so an all-products GRB job takes about five simulated minutes with four workers.
DEFAULT_DURATIONS: dict[str, DurationModel] = {
    Product.LIGHT_CURVE.value: DurationModel(median=150),
    Product.SPECTRUM.value: DurationModel(median=180),
    Product.STANDARD_POS.value: DurationModel(median=60),
    Product.ENHANCED_POS.value: DurationModel(median=120),
    Product.ASTROM_POS.value: DurationModel(median=140),
    Product.IMAGE.value: DurationModel(median=60),
    Product.SOURCE_DET.value: DurationModel(median=300),
}

_EXCLUSIVE_FAULTS = ("http_500", "http_502", "http_503", "drop", "truncate", "lost_reply")


class FaultRule(BaseModel):
    """Faults injected into the replies of one endpoint (or ``*``/``download``), each with a probability.

    At most one of the exclusive faults (HTTP 500/502/503 with an HTML page, a dropped connection, a
    truncated JSON body, a lost reply) hits a request; a delay may come on top. ``lost_reply`` lets the
    call take effect (a submitted job IS created) and then loses the answer as ``lost_reply_kind`` says.
    ``limit`` caps how many times the rule fires (``None`` = no cap), which makes "fail twice, then
    succeed" scenarios exact.
    """

    model_config = ConfigDict(extra="forbid")

    endpoint: str = Field(
        default="*", description="API path such as 'checkProductStatus.php', or 'download' or '*'"
    )
    http_500: float = Field(default=0.0, ge=0, le=1)
    http_502: float = Field(default=0.0, ge=0, le=1)
    http_503: float = Field(default=0.0, ge=0, le=1)
    drop: float = Field(default=0.0, ge=0, le=1, description="start the reply, then close the connection")
    truncate: float = Field(default=0.0, ge=0, le=1, description="HTTP 200 with the JSON body cut short")
    lost_reply: float = Field(default=0.0, ge=0, le=1, description="do the work, then lose the reply")
    lost_reply_kind: Literal["drop", "http_500", "http_502", "http_503", "truncate"] = "drop"
    delay: float = Field(default=0.0, ge=0, le=1, description="probability of a slow reply")
    delay_seconds: float = Field(default=0.0, ge=0, le=600, description="real seconds a slow reply waits")
    limit: int | None = Field(default=None, ge=0, description="fire at most this many times")

    @field_validator("endpoint")
    @classmethod
    def _known_endpoint(cls, value: str) -> str:
        if value not in FAULT_ENDPOINTS:
            raise ValueError(f"unknown fault endpoint {value!r}; use one of: {', '.join(FAULT_ENDPOINTS)}")
        return value

    @model_validator(mode="after")
    def _probabilities(self) -> FaultRule:
        total = sum(getattr(self, name) for name in _EXCLUSIVE_FAULTS)
        if total > 1.0 + 1e-9:
            raise ValueError(
                f"the probabilities of {', '.join(_EXCLUSIVE_FAULTS)} add up to {total:g}; "
                "they exclude each other, so their sum must be at most 1"
            )
        if self.delay > 0 and self.delay_seconds <= 0:
            raise ValueError("delay is set but delay_seconds is 0; give the slow reply's length in seconds")
        return self

    @property
    def exclusive(self) -> tuple[tuple[str, float], ...]:
        """The exclusive faults with their probabilities, in the order they are drawn."""
        return tuple((name, float(getattr(self, name))) for name in _EXCLUSIVE_FAULTS)


class FaultConfig(BaseModel):
    """All fault rules plus the seed of their random draws.

    For each request the most specific rule applies: the one naming its endpoint, else ``download`` for
    archive and file downloads, else ``*``. Later rules for the same endpoint replace earlier ones.
    """

    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    rules: list[FaultRule] = Field(default_factory=list)


class EmulatorConfig(BaseModel):
    """Everything that shapes one emulator run; the defaults suit the demo and quick experiments."""

    model_config = ConfigDict(extra="forbid")

    time_scale: float = Field(
        default=60.0, gt=0, le=MAX_TIME_SCALE, description="simulated seconds per real second"
    )
    workers: int = Field(default=4, ge=1, le=10_000, description="products built at the same time, all users")
    users: list[str] = Field(default_factory=lambda: [DEMO_USER_ID], description="registered UserIDs")
    max_jobs_per_user: int = Field(default=20, ge=1, description="cap on a user's queued plus running jobs")
    seed: int = Field(default=1, description="seed of build times, failures and synthetic science")
    failure_rate: float = Field(default=0.0, ge=0, le=1, description="chance a product ends with code -3")
    durations: dict[str, DurationModel] = Field(
        default_factory=lambda: dict(DEFAULT_DURATIONS), description="build time per product short name"
    )
    request_delay: float = Field(default=5.0, ge=0, description="simulated seconds a product stays at code 1")
    xastrom_correction: float = Field(
        default=10.0,
        ge=0,
        description="simulated seconds the astrometric position needs once the standard one is in",
    )
    cancel_anomaly_rate: float = Field(
        default=0.0, ge=0, le=1, description="chance a cancel answers code 3 (not cancelled) or 4 (unknown)"
    )
    pad_archives_to: int | None = Field(
        default=None,
        ge=0,
        description="pad each product archive to about this many bytes (download benchmarks)",
    )
    rebin_duration: DurationModel = Field(
        default_factory=lambda: DurationModel(median=30, minimum=2, maximum=3600),
        description="how long a light-curve rebin runs once requested (after request_delay at code 1)",
    )
    faults: FaultConfig = Field(default_factory=FaultConfig)
    start_job_id: int = Field(default=1001, ge=1, description="JobID of the first job")
    api_version: str = Field(
        default=API_VERSION, pattern=r"^\d+\.\d+(\.\d+)?$", description="sent as APIVersion"
    )
    main_api_version: str = Field(
        default=MAIN_API_VERSION,
        pattern=r"^\d+\.\d+(\.\d+)?$",
        description="sent as APIVersion by the main API (API/main.php, rebinning)",
    )

    @field_validator("users")
    @classmethod
    def _users(cls, value: list[str]) -> list[str]:
        cleaned = [u.strip() for u in value]
        bad = [u for u in cleaned if not u or "@" not in u]
        if bad:
            raise ValueError(f"users must be e-mail addresses; got {bad!r}")
        return cleaned

    @field_validator("durations")
    @classmethod
    def _durations(cls, value: dict[str, DurationModel]) -> dict[str, DurationModel]:
        unknown = sorted(set(value) - {p.value for p in Product})
        if unknown:
            names = ", ".join(p.value for p in Product)
            raise ValueError(f"durations has unknown products {unknown}; use short names: {names}")
        return {**DEFAULT_DURATIONS, **value}

    def duration_for(self, product: Product) -> DurationModel:
        """The build-time model of one product."""
        return self.durations[product.value]
