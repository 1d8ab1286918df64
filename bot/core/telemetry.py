"""What the core reports for operations (counts and timings), without depending on a metrics library.

The composition root passes a Prometheus-backed implementation (bot/metrics.py); tests and the demo use the
null one.
"""

from __future__ import annotations

from typing import Protocol


class Telemetry(Protocol):
    def round_posted(self, platform: str) -> None: ...

    def round_revealed(self, platform: str) -> None: ...

    def answer_recorded(self, platform: str, source: str) -> None: ...

    def command_handled(self, command: str, seconds: float) -> None: ...

    def platform_error(self, platform: str, operation: str) -> None: ...

    def platform_retry(self, platform: str, operation: str) -> None: ...

    def scheduler_lag(self, seconds: float) -> None: ...


class NullTelemetry:
    def round_posted(self, platform: str) -> None:
        pass

    def round_revealed(self, platform: str) -> None:
        pass

    def answer_recorded(self, platform: str, source: str) -> None:
        pass

    def command_handled(self, command: str, seconds: float) -> None:
        pass

    def platform_error(self, platform: str, operation: str) -> None:
        pass

    def platform_retry(self, platform: str, operation: str) -> None:
        pass

    def scheduler_lag(self, seconds: float) -> None:
        pass
