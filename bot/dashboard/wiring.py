"""Putting a dashboard together from the bot's parts: its repository, content, clock and public URL."""

from __future__ import annotations

from aiohttp import web

from bot.core.clock import Clock
from bot.core.ports import Repository
from bot.dashboard.access import Access, LinkStore
from bot.dashboard.web import Content, Dashboard
from content.loader import ContentBundle
from storage.reports import SqlReports


def sql_reports(repo: Repository) -> SqlReports:
    """The read model of an SQL repository (storage/reports.py), reached through `repo.reports()`."""
    make = getattr(repo, "reports", None)
    reports = make() if callable(make) else None
    if not isinstance(reports, SqlReports):
        raise TypeError("the dashboard needs an SQL repository (sqlite:// or postgresql://)")
    return reports


def content_view(bundle: ContentBundle, flag_threshold: int) -> Content:
    return Content({s.id: s.prompt for s in bundle.scenarios.values()}, len(bundle.lessons), flag_threshold)


def build_dashboard(
    repo: Repository,
    bundle: ContentBundle,
    clock: Clock,
    base_url: str,
    flag_threshold: int,
    *,
    store: LinkStore | None = None,
    read_only: bool = False,
) -> Dashboard:
    """A dashboard over the repository; links and the signing key live in the database unless given a store."""
    reports = sql_reports(repo)
    access = Access(store or reports.login_links(), clock, base_url, read_only=read_only)
    return Dashboard(repo, reports, access, clock, content_view(bundle, flag_threshold))


def mount_dashboard(
    app: web.Application, repo: Repository, bundle: ContentBundle, clock: Clock, flag_threshold: int
) -> Dashboard:
    """Serve the dashboard at /dashboard/ on the bot's HTTP server; the result issues the login links (set
    `dashboard.access.base_url` to the public address once it is known)."""
    dashboard = build_dashboard(repo, bundle, clock, "", flag_threshold)
    dashboard.mount(app)
    return dashboard
