"""The dashboard as an aiohttp sub-application mounted at /dashboard on the bot's HTTP server.

Every page needs a session cookie and reads only the session's workspace; a team id from another workspace
is "not found". Responses are never cached and carry a strict Content-Security-Policy (the one inline
script — the viewer's time zone — runs by nonce). Errors show a short page, never a traceback.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.core.clock import Clock
from bot.core.events import UserRef
from bot.core.ports import Repository
from bot.core.ports.reports import Reports
from bot.dashboard import course, pages
from bot.dashboard.access import SESSION_COOKIE, SESSION_TTL, Access, Session
from bot.dashboard.charts import bar_chart, percent_line
from bot.dashboard.viewer import TZ_COOKIE, local, parse_zone, viewer_zone

log = logging.getLogger(__name__)

JINJA_KEY = web.AppKey("dashboard_jinja", jinja2.Environment)
NONCE_KEY = web.RequestKey("dashboard_nonce", str)  # the CSP nonce of this response's one inline script
PREFIX = "/dashboard"
AUDIT_ROWS = 200
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Content:
    """What the pages need from the content bundle: question prompts and the course length."""

    prompts: Mapping[str, str]
    lessons: int
    flag_threshold: int = 3


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


class Dashboard:
    """The pages of one bot (or one `respbot dashboard` run) and the links that open them."""

    def __init__(
        self, repo: Repository, reports: Reports, access: Access, clock: Clock, content: Content
    ) -> None:
        #: The figures' "now": the clock's, unless pinned (a database copy is shown as of its last activity).
        self.as_of: datetime | None = None
        self.repo = repo
        self.reports = reports
        self.access = access
        self.clock = clock
        self.content = content

    def now(self) -> datetime:
        return self.as_of or self.clock.now()

    async def issue_login_link(self, user: UserRef, now: datetime) -> str:
        """For `/responsibility dashboard` (admins only): a private one-time link valid 15 minutes."""
        return await self.access.issue_login_link(user, now)

    def application(self) -> web.Application:
        app = web.Application(middlewares=[_headers_and_errors])
        aiohttp_jinja2.setup(
            app,
            app_key=JINJA_KEY,
            loader=jinja2.PackageLoader("bot.dashboard", "templates"),
            autoescape=True,
            filters={"pct": _pct},
            default_helpers=False,
        )
        h = _Handlers(self)
        app.add_routes(
            [
                web.get("/", h.overview),
                web.get("/teams/{team_id}", h.team),
                web.get("/onboarding", h.onboarding),
                web.get("/onboarding.csv", h.onboarding_csv),
                web.get("/flags", h.flags),
                web.post("/flags/clear", h.clear_flag),
                web.get("/audit", h.audit),
                web.get("/login/{token}", h.login_form),
                web.post("/login/{token}", h.login),
                web.post("/logout", h.logout),
                web.get("/tz", h.set_zone),
                web.get("/static/dashboard.css", _stylesheet),
            ]
        )
        return app

    def mount(self, parent: web.Application) -> None:
        """Serve the pages at /dashboard/ on an existing application (before it starts)."""
        parent.add_subapp(PREFIX, self.application())


async def _stylesheet(_: web.Request) -> web.Response:
    css = (resources.files("bot.dashboard") / "static" / "dashboard.css").read_text(encoding="utf-8")
    return web.Response(text=css, content_type="text/css", headers={"Cache-Control": "max-age=3600"})


@web.middleware
async def _headers_and_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    nonce = secrets.token_urlsafe(16)
    request[NONCE_KEY] = nonce
    try:
        response = await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("dashboard page failed: %s", request.path)
        response = _message(
            request, 500, "Something went wrong", "This page could not be shown. Try again later."
        )
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'self'; img-src 'self'; script-src 'nonce-{nonce}'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"  # the login path never leaks to another site
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _render(request: web.Request, name: str, context: dict[str, Any], status: int = 200) -> web.Response:
    base = {"nonce": request.get(NONCE_KEY, ""), "path": request.path_qs, "prefix": PREFIX}
    return aiohttp_jinja2.render_template(name, request, base | context, app_key=JINJA_KEY, status=status)


def _see_other(location: str) -> web.Response:
    """A 303 to one of our own pages (a Response, so cookies can be set on it)."""
    return web.Response(status=303, headers={"Location": location})


def _message(request: web.Request, status: int, title: str, text: str) -> web.Response:
    return _render(request, "message.html", {"title": title, "text": text, "session": None}, status)


class _Handlers:
    def __init__(self, dashboard: Dashboard) -> None:
        self.d = dashboard

    # Sessions ----------------------------------------------------------------------------------------
    async def _session(self, request: web.Request) -> Session | web.Response:
        session = await self.d.access.decode(request.cookies.get(SESSION_COOKIE))
        if session is None:
            return _message(
                request,
                401,
                "Please sign in",
                "Your dashboard session has expired or you have not opened a login link yet. "
                "An admin gets a new link with `/responsibility dashboard` in chat.",
            )
        return session

    def _page(
        self, request: web.Request, session: Session, name: str, context: dict[str, Any]
    ) -> web.Response:
        zone = viewer_zone(request.query, request.cookies)
        as_of = local(self.d.as_of, zone) if self.d.as_of else ""
        shared = {
            "session": session,
            "zone": zone.key,
            "read_only": session.read_only,
            "active": name,
            "as_of": as_of,
        }
        return _render(request, name, shared | context)

    async def _form(self, request: web.Request) -> tuple[Session, Mapping[str, Any]] | web.Response:
        """A state-changing request: a session, write access, same origin and the session's CSRF token."""
        session = await self._session(request)
        if isinstance(session, web.Response):
            return session
        origin = request.headers.get("Origin")
        ours = {
            request.host,
            self.d.access.base_url.split("://", 1)[-1].rstrip("/"),
        }  # direct, or via a proxy
        if origin is not None and origin.split("://", 1)[-1] not in ours:
            return _message(request, 403, "Refused", "This form was sent from another site.")
        form = await request.post()
        if not self.d.access.csrf_ok(session, form.get("csrf")):
            return _message(
                request, 403, "Refused", "This form is out of date. Reload the page and try again."
            )
        if session.read_only:
            return _message(request, 403, "Read-only", "This dashboard is read-only; nothing was changed.")
        return session, form

    async def login_form(self, request: web.Request) -> web.Response:
        # Opening the link only shows a button: link previews and scanners that fetch it do not use it up.
        return _render(request, "login.html", {"token": request.match_info["token"], "session": None})

    async def login(self, request: web.Request) -> web.StreamResponse:
        session = await self.d.access.redeem(request.match_info["token"])
        if session is None:
            return _message(
                request,
                403,
                "This link cannot be used",
                "Login links work once and for 15 minutes. Ask for a new one with `/responsibility dashboard`.",
            )
        response = _see_other(f"{PREFIX}/")
        response.set_cookie(
            SESSION_COOKIE,
            await self.d.access.encode(session),
            max_age=int(SESSION_TTL.total_seconds()),
            path=PREFIX,
            httponly=True,
            samesite="Lax",
            secure=request.secure or self.d.access.base_url.startswith("https://"),  # TLS at a proxy too
        )
        log.info("dashboard session opened", extra={"tenant": session.tenant.workspace_id})
        return response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        session = await self._session(request)
        if isinstance(session, web.Response):
            return session
        form = await request.post()
        if not self.d.access.csrf_ok(session, form.get("csrf")):
            return _message(
                request, 403, "Refused", "This form is out of date. Reload the page and try again."
            )
        response = _message(request, 200, "Signed out", "You are signed out of the dashboard.")
        response.del_cookie(SESSION_COOKIE, path=PREFIX)
        return response

    async def set_zone(self, request: web.Request) -> web.StreamResponse:
        zone = parse_zone(request.query.get("tz", "").strip())
        if zone is None:
            return _message(request, 400, "Unknown time zone", "Use a zone name like Europe/Berlin or UTC.")
        target = request.query.get("next", "")
        if not target.startswith(PREFIX + "/") or target.startswith("//"):
            target = f"{PREFIX}/"
        response = _see_other(target)
        response.set_cookie(
            TZ_COOKIE, quote(zone.key, safe=""), max_age=365 * 86400, path=PREFIX, samesite="Lax"
        )
        return response

    # Pages -------------------------------------------------------------------------------------------
    async def overview(self, request: web.Request) -> web.Response:
        session = await self._session(request)
        if isinstance(session, web.Response):
            return session
        now = self.d.now()
        zone = viewer_zone(request.query, request.cookies)
        view = await pages.overview(
            self.d.repo, self.d.reports, session.tenant, now, now.astimezone(zone).date()
        )
        labels = [w.label for w in view.weeks]
        charts = {
            "participants": bar_chart(
                "People who answered, per week", labels, [w.participants for w in view.weeks]
            ),
            "accuracy": percent_line("Accuracy per week", labels, [w.accuracy for w in view.weeks]),
        }
        return self._page(request, session, "overview.html", {"view": view, "charts": charts})

    async def team(self, request: web.Request) -> web.Response:
        session = await self._session(request)
        if isinstance(session, web.Response):
            return session
        raw = request.match_info["team_id"]
        view = None
        if raw.isdigit() and len(raw) < 12:
            view = await pages.team_page(self.d.repo, self.d.reports, session.tenant, int(raw), self.d.now())
        if view is None:
            return _message(request, 404, "No such team", "There is no team with that id in this workspace.")
        labels = [w.label for w in view.weeks]
        charts = {
            "accuracy": percent_line("Team accuracy per week", labels, [w.accuracy for w in view.weeks])
        }
        return self._page(
            request, session, "team.html", {"view": view, "charts": charts, "prompts": self.d.content.prompts}
        )

    async def _course(
        self, request: web.Request, session: Session
    ) -> tuple[list[course.CourseLine], str, ZoneInfo]:
        zone = viewer_zone(request.query, request.cookies)
        days = course.parse_days(request.query.get("days"))
        rows = await self.d.reports.course_rows(session.tenant)
        lines = course.course_lines(rows, self.d.content.lessons, zone, self.d.now(), days)
        return lines, "" if days is None else str(days), zone

    async def onboarding(self, request: web.Request) -> web.Response:
        session = await self._session(request)
        if isinstance(session, web.Response):
            return session
        try:
            lines, days, _ = await self._course(request, session)
            error = ""
        except course.FilterError as exc:
            lines, days, error = [], request.query.get("days", "")[:12], str(exc)
        completed = sum(1 for line in lines if line.completed)
        context = {"lines": lines, "days": days, "error": error, "completed": completed}
        return self._page(request, session, "onboarding.html", context)

    async def onboarding_csv(self, request: web.Request) -> web.Response:
        session = await self._session(request)
        if isinstance(session, web.Response):
            return session
        try:
            lines, days, zone = await self._course(request, session)
        except course.FilterError as exc:
            return _message(request, 400, "Bad filter", str(exc))
        suffix = f"-not-finished-after-{days}-days" if days else ""
        return web.Response(
            text=course.course_csv(lines, zone),
            content_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="onboarding{suffix}.csv"'},
        )

    async def flags(self, request: web.Request) -> web.Response:
        session = await self._session(request)
        if isinstance(session, web.Response):
            return session
        flags = await self.d.repo.open_flags(session.tenant)
        notice = ""
        if request.query.get("cleared"):
            notice = (
                f"Cleared the flags on {request.query['cleared'][:80]}; it is back in the daily rotation."
            )
        context = {"flags": flags, "prompts": self.d.content.prompts, "threshold": self.d.content.flag_threshold,
                   "notice": notice}  # fmt: skip
        return self._page(request, session, "flags.html", context)

    async def clear_flag(self, request: web.Request) -> web.StreamResponse:
        checked = await self._form(request)
        if isinstance(checked, web.Response):
            return checked
        session, form = checked
        scenario_id = str(form.get("scenario_id", ""))[:100]
        now = self.d.clock.now()
        removed = await self.d.repo.clear_flags(session.tenant, scenario_id) if scenario_id else 0
        if not removed:
            return _message(
                request, 404, "Nothing to clear", "That question has no open flags in this workspace."
            )
        user = UserRef(session.tenant.platform, session.tenant.workspace_id, session.user_id)
        await self.d.repo.add_audit(user, "flags-clear", f"{scenario_id} (dashboard)", now)
        raise web.HTTPSeeOther(f"{PREFIX}/flags?cleared={quote(scenario_id, safe='')}")

    async def audit(self, request: web.Request) -> web.Response:
        session = await self._session(request)
        if isinstance(session, web.Response):
            return session
        zone = viewer_zone(request.query, request.cookies)
        entries = [
            (local(at, zone), user, action, detail)
            for at, user, action, detail in await self.d.repo.audit_log(session.tenant, AUDIT_ROWS)
        ]
        return self._page(request, session, "audit.html", {"entries": entries, "limit": AUDIT_ROWS})
