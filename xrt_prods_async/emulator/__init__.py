"""A local emulator of the Swift-XRT product service."""
