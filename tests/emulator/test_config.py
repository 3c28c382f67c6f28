"""The emulator's settings and their checks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from xrt_prods_async._products import Product
from xrt_prods_async.emulator import DEMO_USER_ID, DurationModel, EmulatorConfig
from xrt_prods_async.emulator._config import DEFAULT_DURATIONS, FAULT_ENDPOINTS


def test_defaults() -> None:
    config = EmulatorConfig()
    assert config.users == [DEMO_USER_ID]
    assert (config.time_scale, config.workers, config.max_jobs_per_user) == (60.0, 4, 20)
    assert config.api_version == "1.12"
    assert set(config.durations) == {p.value for p in Product}
    assert config.duration_for(Product.SPECTRUM) == DEFAULT_DURATIONS["spec"]


def test_durations_merge_with_the_defaults() -> None:
    config = EmulatorConfig(durations={"lc": DurationModel(median=5, sigma=0)})
    assert config.duration_for(Product.LIGHT_CURVE).median == 5
    assert config.duration_for(Product.IMAGE) == DEFAULT_DURATIONS["image"]
    with pytest.raises(ValidationError, match="unknown products"):
        EmulatorConfig(durations={"LightCurve": DurationModel(median=5)})


def test_settings_are_checked() -> None:
    with pytest.raises(ValidationError, match="e-mail"):
        EmulatorConfig(users=["bob"])
    with pytest.raises(ValidationError):
        EmulatorConfig(time_scale=0)
    with pytest.raises(ValidationError):
        EmulatorConfig(workers=0)
    with pytest.raises(ValidationError):
        EmulatorConfig(failure_rate=1.5)
    with pytest.raises(ValidationError):
        EmulatorConfig(api_version="latest")
    with pytest.raises(ValidationError):
        EmulatorConfig(colour="blue")  # type: ignore[call-arg]
    assert EmulatorConfig(users=[" a@b.c "]).users == ["a@b.c"]


def test_fault_endpoints_cover_every_api_path() -> None:
    assert {"*", "download", "run_userobject.php", "tprods/getLCData.php"} <= set(FAULT_ENDPOINTS)
