"""A local emulator of the Swift-XRT product service."""

from .app import create_app
from .config import DEMO_USER_ID, DurationModel, EmulatorConfig, FaultConfig, FaultRule
from .faults import ConnectionDropped
from .server import RunningEmulator, emulator_in_thread, running_emulator
from .state import EmulatorState

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
