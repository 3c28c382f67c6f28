"""A local emulator of the Swift-XRT product service."""

from typing import TYPE_CHECKING

from xrt_prods_async._lazy import lazy_names

if TYPE_CHECKING:
    from ._app import create_app
    from ._config import DEMO_USER_ID, DurationModel, EmulatorConfig, FaultConfig, FaultRule
    from ._faults import ConnectionDropped
    from ._server import RunningEmulator, emulator_in_thread, running_emulator
    from ._state import EmulatorState

__all__ = [
    "DEMO_USER_ID",
    "ConnectionDropped",
    "DurationModel",
    "EmulatorConfig",
    "EmulatorState",
    "FaultConfig",
    "FaultRule",
    "RunningEmulator",
    "create_app",
    "emulator_in_thread",
    "running_emulator",
]

if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "._app": ("create_app",),
            "._config": ("DEMO_USER_ID", "DurationModel", "EmulatorConfig", "FaultConfig", "FaultRule"),
            "._faults": ("ConnectionDropped",),
            "._server": ("RunningEmulator", "emulator_in_thread", "running_emulator"),
            "._state": ("EmulatorState",),
        },
    )
