"""Access over real sockets: one-time links, the session cookie's attributes and lifetime, workspace scoping,
CSRF on every form, and a read-only dashboard that changes nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from itsdangerous import URLSafeTimedSerializer

from bot.core.events import UserRef
from bot.dashboard.access import SESSION_COOKIE
from tests.dashboard.conftest import Served
from tests.dashboard.seed import A, B


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def login(client: aiohttp.ClientSession, link: str) -> aiohttp.ClientResponse:
    async with client.post(link, allow_redirects=False) as response:
        await response.read()
        return response


async def page(client: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with client.get(url) as response:
        return response.status, await response.text()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


async def test_a_link_opens_a_session_once(served: Served, client: aiohttp.ClientSession) -> None:
    link = await served.link()
    status, html = await page(client, link)  # opening shows a button and uses nothing up
    assert status == 200 and 'method="post"' in html
    response = await login(client, link)
    assert response.status == 303 and response.headers["Location"] == "/dashboard/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/dashboard" in cookie
    assert "Max-Age=28800" in cookie
    status, html = await page(client, served.base + "/dashboard/")
    assert status == 200 and "Platform team" in html
    async with aiohttp.ClientSession() as other:
        again = await login(other, link)
        assert again.status == 403  # reused
        assert SESSION_COOKIE not in again.cookies


async def test_an_expired_link_is_refused(served: Served, client: aiohttp.ClientSession) -> None:
    link = await served.link()
    served.clock.advance(timedelta(minutes=15))
    response = await login(client, link)
    assert response.status == 403
    status, _ = await page(client, served.base + "/dashboard/")
    assert status == 401


async def test_the_session_ends_after_eight_hours(served: Served, client: aiohttp.ClientSession) -> None:
    await login(client, await served.link())
    served.clock.advance(timedelta(hours=7, minutes=59))
    assert (await page(client, served.base + "/dashboard/"))[0] == 200
    served.clock.advance(timedelta(minutes=2))
    status, html = await page(client, served.base + "/dashboard/")
    assert status == 401 and "/responsibility dashboard" in html


async def test_unknown_and_forged_cookies_read_nothing(served: Served) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as client:
        assert (await page(client, served.base + "/dashboard/"))[0] == 401
        await login(client, await served.link())
        real = next(c.value for c in jar if c.key == SESSION_COOKIE)
    payload = {"p": B.platform, "w": B.workspace_id, "u": "Ux", "c": "x", "ro": False}
    forged = URLSafeTimedSerializer("another-key", salt="respbot-dashboard-session").dumps(payload)
    for value in (forged, real[:-3] + "AAA", "garbage"):
        async with aiohttp.ClientSession(cookies={SESSION_COOKIE: value}) as client:
            status, html = await page(client, served.base + "/dashboard/")
            assert status == 401 and "Other company" not in html


async def test_a_cookie_from_workspace_a_never_reads_workspace_b(
    served: Served, client: aiohttp.ClientSession
) -> None:
    await login(client, await served.link())
    other = served.seeded.teams["Other company"]
    status, html = await page(client, f"{served.base}/dashboard/teams/{other}")
    assert status == 404 and "Other company" not in html
    for path in ("/", "/onboarding", "/flags", "/audit", "/onboarding.csv"):
        status, html = await page(client, served.base + "/dashboard" + path)
        assert status == 200
        for secret in ("Other company", "Other Person", "secret-b", "Uother0", B.workspace_id):
            assert secret not in html, (path, secret)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as b_client:
        await login(b_client, await served.link(UserRef(B.platform, B.workspace_id, "Ub")))
        status, html = await page(b_client, f"{served.base}/dashboard/teams/{other}")
        assert status == 200 and "Other company" in html


async def test_forms_need_the_session_csrf_token(served: Served, client: aiohttp.ClientSession) -> None:
    await login(client, await served.link())
    _, html = await page(client, served.base + "/dashboard/flags")
    token = csrf_of(html)
    url = served.base + "/dashboard/flags/clear"
    for data in (
        {"scenario_id": "ec2-private-key-in-git"},
        {"scenario_id": "ec2-private-key-in-git", "csrf": "wrong"},
    ):
        async with client.post(url, data=data) as response:
            assert response.status == 403
    assert {f.scenario_id for f in await served.repo.open_flags(A)} == {
        "ec2-private-key-in-git",
        "ec2-ssh-open-world",
    }
    async with client.post(
        url, data={"scenario_id": "ec2-private-key-in-git", "csrf": token}, allow_redirects=False
    ) as response:
        assert response.status == 303
    assert {f.scenario_id for f in await served.repo.open_flags(A)} == {"ec2-ssh-open-world"}
    assert (await served.repo.audit_log(A, 1))[0][1:] == (
        "Uadmin",
        "flags-clear",
        "ec2-private-key-in-git (dashboard)",
    )
    async with client.post(url, data={"scenario_id": "rds-automated-backups", "csrf": token}) as response:
        assert response.status == 404  # B's flag: not visible, not clearable from A
    assert len(await served.repo.open_flags(B)) == 1


async def test_a_form_from_another_site_is_refused(served: Served, client: aiohttp.ClientSession) -> None:
    await login(client, await served.link())
    token = csrf_of((await page(client, served.base + "/dashboard/flags"))[1])
    headers = {"Origin": "https://evil.example"}
    data = {"scenario_id": "ec2-private-key-in-git", "csrf": token}
    async with client.post(served.base + "/dashboard/flags/clear", data=data, headers=headers) as response:
        assert response.status == 403
    assert len(await served.repo.open_flags(A)) == 2


async def test_read_only_dashboard_shows_no_forms_and_changes_nothing(
    served: Served, client: aiohttp.ClientSession
) -> None:
    served.dashboard.access.read_only = True
    await login(client, await served.link())
    _, html = await page(client, served.base + "/dashboard/flags")
    assert "read-only" in html and "/flags/clear" not in html
    token = csrf_of(html)  # the sign-out form still has one
    async with client.post(
        served.base + "/dashboard/flags/clear", data={"scenario_id": "ec2-private-key-in-git", "csrf": token}
    ) as r:
        assert r.status == 403
    assert len(await served.repo.open_flags(A)) == 2


async def test_sign_out_drops_the_cookie(served: Served, client: aiohttp.ClientSession) -> None:
    await login(client, await served.link())
    token = csrf_of((await page(client, served.base + "/dashboard/"))[1])
    async with client.post(served.base + "/dashboard/logout", data={"csrf": token}) as response:
        assert response.status == 200
    assert (await page(client, served.base + "/dashboard/"))[0] == 401


async def test_pages_are_not_cached_and_have_a_strict_policy(
    served: Served, client: aiohttp.ClientSession
) -> None:
    await login(client, await served.link())
    async with client.get(served.base + "/dashboard/") as response:
        policy = response.headers["Content-Security-Policy"]
        html = await response.text()
    assert (
        response.headers["Cache-Control"] == "no-store"
        and response.headers["Referrer-Policy"] == "same-origin"
    )
    assert "default-src 'none'" in policy and "script-src 'nonce-" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in html  # the only script is the nonce'd time-zone line
    assert html.count("<script") == 1


async def test_the_cookie_is_secure_behind_an_https_address(
    served: Served, client: aiohttp.ClientSession
) -> None:
    link = await served.link()
    served.dashboard.access.base_url = "https://bot.example"  # TLS ends at a proxy in front of the bot
    response = await login(client, link)
    assert response.status == 303 and "Secure" in response.headers["Set-Cookie"]
