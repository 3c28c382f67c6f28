"""Tests of the blocking client: the same methods as the async one, in scripts, event loops and notebooks."""
