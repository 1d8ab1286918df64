"""Prometheus metrics for `/metrics`: one registry per process, fed through the core's Telemetry port."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "PrometheusTelemetry"]


class PrometheusTelemetry:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.posted = Counter("respbot_rounds_posted", "Rounds posted", ["platform"], registry=r)
        self.revealed = Counter("respbot_rounds_revealed", "Rounds revealed", ["platform"], registry=r)
        self.answers = Counter("respbot_answers", "Answers stored", ["platform", "source"], registry=r)
        self.commands = Histogram(
            "respbot_command_seconds",
            "Time to handle a /responsibility command",
            ["command"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=r,
        )
        self.errors = Counter("respbot_platform_errors", "Platform calls that failed", ["platform", "operation"],
                              registry=r)  # fmt: skip
        self.retries = Counter("respbot_platform_retries", "Platform calls retried", ["platform", "operation"],
                               registry=r)  # fmt: skip
        self.lag = Gauge("respbot_scheduler_lag_seconds", "How late the last scheduler tick ran", registry=r)

    def round_posted(self, platform: str) -> None:
        self.posted.labels(platform).inc()

    def round_revealed(self, platform: str) -> None:
        self.revealed.labels(platform).inc()

    def answer_recorded(self, platform: str, source: str) -> None:
        self.answers.labels(platform, source).inc()

    def command_handled(self, command: str, seconds: float) -> None:
        self.commands.labels(command).observe(seconds)

    def platform_error(self, platform: str, operation: str) -> None:
        self.errors.labels(platform, operation).inc()

    def platform_retry(self, platform: str, operation: str) -> None:
        self.retries.labels(platform, operation).inc()

    def scheduler_lag(self, seconds: float) -> None:
        self.lag.set(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
