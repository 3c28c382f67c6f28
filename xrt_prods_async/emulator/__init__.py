"""A local emulator of the Swift-XRT product service."""

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
