"""The training owners' dashboard: server-rendered pages on the bot's HTTP server (see web.py)."""

from bot.dashboard.access import Access, MemoryLinkStore
from bot.dashboard.web import Content, Dashboard

__all__ = ["Access", "Content", "Dashboard", "MemoryLinkStore"]
