"""FakeClock for tests: the core's ManualClock under the name the tests use."""

from bot.core.clock import ManualClock as FakeClock

__all__ = ["FakeClock"]
