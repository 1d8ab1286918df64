"""FakeSlack's Web API: `/api/<method>` dispatched to `_m_<method>` handlers, plus upload and response_url."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from tests.fakes.slack_faults import SlackFaults
from tests.fakes.slack_model import (
    MAX_BLOCKS,
    MAX_HOME_BLOCKS,
    Call,
    Channel,
    Ephemeral,
    Message,
    Response,
    SlackApiFailure,
    Upload,
    Workspace,
    _as_json,
    _truthy,
    validate_blocks,
)


class SlackWebApi(SlackFaults):
    """The Web API methods the bot calls, over the in-memory workspaces."""

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        return params

    def _token(self, request: web.Request, params: Mapping[str, Any]) -> str:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return header.removeprefix("Bearer ")
        return str(params.get("token", ""))

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            params["_basic_auth"] = auth.removeprefix("Basic ")
        token = self._token(request, params)
        team_id = self.tokens.get(token)
        status = 200
        delay = self._take_delay(method)
        try:
            if delay is not None and not delay[1]:
                await asyncio.sleep(delay[0])  # the fake is slow to answer (simulated latency)
            limits = self._rate_limits.get(method)
            if limits:
                retry_after = limits.pop(0)
                status = 429
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(retry_after)},
                )
            enforced = self._enforce_post_rate(method, params, team_id)
            if enforced is not None:
                status = 429
                return enforced
            failures = self._failures.get(method)
            failure = failures.pop(0) if failures else None
            if failure is not None and failure[0] == 0:
                failure = None
            if failure is not None and not failure[1]:
                status = failure[0]
                return self._failure(method, status)
            body = await self._dispatch(method, params, token, team_id)
            if failure is not None:
                status = failure[0]
                return self._failure(method, status)
            if delay is not None and delay[1]:
                await asyncio.sleep(delay[0])  # stored, but the answer arrives late (or never)
            return web.json_response({"ok": True, **body})
        except SlackApiFailure as exc:
            status = exc.status
            return web.json_response({"ok": False, "error": exc.error}, status=exc.status)
        finally:
            self.calls.append(Call(method, team_id, params, status))
            await self._touch()

    async def _dispatch(
        self, method: str, p: dict[str, Any], token: str, team_id: str | None
    ) -> dict[str, Any]:
        if method == "apps.connections.open":
            if token != self.app_token:
                raise SlackApiFailure("invalid_auth")
            return {"url": f"ws://127.0.0.1:{self.port}/socket?ticket={uuid.uuid4().hex}"}
        if method == "oauth.v2.access":
            if self._client_credentials(p) != (self.client_id, self.client_secret):
                raise SlackApiFailure("invalid_client_id")
            return self._oauth_access(p)
        ws = self._ws(team_id)
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            raise SlackApiFailure("unknown_method")
        result: dict[str, Any] = handler(ws, p)
        return result

    def _client_credentials(self, p: dict[str, Any]) -> tuple[str, str]:
        basic = str(p.get("_basic_auth", ""))
        if basic:
            user, _, password = base64.b64decode(basic).decode().partition(":")
            return user, password
        return str(p.get("client_id", "")), str(p.get("client_secret", ""))

    def _oauth_access(self, p: dict[str, Any]) -> dict[str, Any]:
        code = str(p.get("code", ""))
        if code not in self._codes:
            raise SlackApiFailure("invalid_code")
        team_id, installer = self._codes.pop(code)
        ws = self.workspaces[team_id]
        ws.installed = True
        return {
            "app_id": "A0FAKEAPP",
            "authed_user": {"id": installer},
            "scope": "chat:write,commands,reactions:read,reactions:write",
            "token_type": "bot",
            "access_token": ws.token,
            "bot_user_id": ws.bot_user_id,
            "team": {"id": ws.team_id, "name": ws.name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _m_auth_test(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{ws.name}.slack.com/",
            "team": ws.name,
            "user": "respbot",
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "is_enterprise_install": False,
        }

    def _blocks(self, p: dict[str, Any], limit: int = MAX_BLOCKS) -> list[dict[str, Any]]:
        blocks = _as_json(p.get("blocks")) or []
        problem = validate_blocks(blocks, limit)
        if problem is not None:
            raise SlackApiFailure(f"invalid_blocks: {problem}")
        return list(blocks)

    def _require_member(self, ws: Workspace, channel: Channel) -> None:
        if channel.im_user is None and ws.bot_user_id not in channel.members:
            raise SlackApiFailure("not_in_channel")

    def _m_chat_postMessage(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        self._require_member(ws, channel)
        blocks = self._blocks(p)
        if not p.get("text") and not blocks:
            raise SlackApiFailure("no_text")
        thread_ts = p.get("thread_ts") or None
        if thread_ts and ws.message(channel.id, str(thread_ts)) is None:
            raise SlackApiFailure("thread_not_found")
        message = Message(
            ts=self._next_ts(),
            channel=channel.id,
            user=ws.bot_user_id,
            text=str(p.get("text", "")),
            blocks=blocks,
            metadata=_as_json(p.get("metadata")) or None,
            thread_ts=str(thread_ts) if thread_ts else None,
            reply_broadcast=_truthy(p.get("reply_broadcast", False)),
        )
        ws.messages.setdefault(channel.id, []).append(message)
        return {"channel": channel.id, "ts": message.ts, "message": message.as_api(True)}

    def _m_chat_postEphemeral(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        user = str(p.get("user", ""))
        if user not in ws.users:
            raise SlackApiFailure("user_not_found")
        ws.ephemerals.append(Ephemeral(channel.id, user, str(p.get("text", "")), self._blocks(p)))
        return {"message_ts": self._next_ts()}

    def _m_chat_update(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        message = ws.message(channel.id, str(p.get("ts", "")))
        if message is None:
            raise SlackApiFailure("message_not_found")
        message.text = str(p.get("text", message.text))
        message.blocks = self._blocks(p) if "blocks" in p else message.blocks
        return {"channel": channel.id, "ts": message.ts}

    def _m_reactions_add(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        message = ws.message(channel.id, str(p.get("timestamp", "")))
        if message is None:
            raise SlackApiFailure("message_not_found")
        users = message.reactions.setdefault(str(p.get("name", "")), [])
        if ws.bot_user_id in users:
            raise SlackApiFailure("already_reacted")
        users.append(ws.bot_user_id)
        return {}

    def _m_reactions_get(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        message = ws.message(channel.id, str(p.get("timestamp", "")))
        if message is None:
            raise SlackApiFailure("message_not_found")
        return {"type": "message", "channel": channel.id, "message": message.as_api(False)}

    def _m_conversations_open(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        user = str(p.get("users", ""))
        if user not in ws.users:
            raise SlackApiFailure("user_not_found")
        channel = ws.dm_of(user)
        if channel is None:
            channel = Channel(f"D{user}", "", is_private=True, members={user, ws.bot_user_id}, im_user=user)
            ws.channels[channel.id] = channel
            ws.messages.setdefault(channel.id, [])
        return {"channel": {"id": channel.id}}

    def _m_conversations_history(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        self._require_member(ws, channel)
        limit = int(p.get("limit", 100))
        with_metadata = _truthy(p.get("include_all_metadata", False))
        newest_first = list(reversed(ws.posts(channel.id)))[:limit]
        return {"messages": [m.as_api(with_metadata) for m in newest_first], "has_more": False}

    def _m_conversations_replies(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        self._require_member(ws, channel)
        parent = ws.message(channel.id, str(p.get("ts", "")))
        if parent is None:
            raise SlackApiFailure("thread_not_found")
        with_metadata = _truthy(p.get("include_all_metadata", False))
        thread = [parent, *ws.replies(channel.id, parent.ts)][: int(p.get("limit", 100))]
        return {"messages": [m.as_api(with_metadata) for m in thread], "has_more": False}

    def _m_conversations_info(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        return {
            "channel": {
                "id": channel.id,
                "name": channel.name,
                "is_private": channel.is_private,
                "is_im": channel.im_user is not None,
                "is_member": ws.bot_user_id in channel.members,
            }
        }

    def _m_conversations_join(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        if channel.is_private:
            raise SlackApiFailure("method_not_supported_for_channel_type")
        channel.members.add(ws.bot_user_id)
        return {"channel": {"id": channel.id}}

    def _m_users_info(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        user = ws.users.get(str(p.get("user", "")))
        if user is None:
            raise SlackApiFailure("user_not_found")
        return {"user": user}

    def _m_views_publish(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        view = _as_json(p.get("view")) or {}
        problem = validate_blocks(view.get("blocks") or [], MAX_HOME_BLOCKS)
        if problem is not None or view.get("type") != "home":
            raise SlackApiFailure(f"invalid_arguments: {problem or 'not a home view'}")
        ws.views.setdefault(str(p.get("user_id", "")), []).append(view)
        return {"view": {"id": f"V{next(self._ids)}", **view}}

    def _m_views_open(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        """A modal opened with a trigger id (kept per trigger; a trigger opens one view)."""
        trigger = str(p.get("trigger_id") or "")
        view = _as_json(p.get("view")) or {}
        if not trigger or trigger in self.modals or view.get("type") != "modal":
            raise SlackApiFailure(
                "invalid_trigger_id" if trigger in self.modals or not trigger else "invalid_arguments"
            )
        problem = validate_blocks(view.get("blocks") or [], MAX_HOME_BLOCKS)
        if problem is not None:
            raise SlackApiFailure(f"invalid_arguments: {problem}")
        self.modals[trigger] = view
        return {"view": {"id": f"V{next(self._ids)}", **view}}

    def _m_files_getUploadURLExternal(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ids):08d}"
        self.uploads[file_id] = Upload(file_id, str(p.get("filename", "")))
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        files = _as_json(p.get("files")) or []
        channel_id = p.get("channel_id") or None
        if channel_id is not None:
            self._channel(ws, str(channel_id))
        out = []
        for item in files:
            upload = self.uploads.get(str(item.get("id")))
            if upload is None:
                raise SlackApiFailure("file_not_found")
            upload.title = str(item.get("title") or upload.filename)
            upload.channel = str(channel_id) if channel_id else None
            upload.initial_comment = str(p.get("initial_comment") or "")
            upload.thread_ts = str(p["thread_ts"]) if p.get("thread_ts") else None
            if channel_id and upload.thread_ts:  # Slack shares the file as a message in the thread
                shared = Message(
                    self._next_ts(),
                    str(channel_id),
                    ws.bot_user_id,
                    "",
                    [],
                    thread_ts=upload.thread_ts,
                    files=[{"id": upload.file_id, "name": upload.filename}],
                )
                ws.messages.setdefault(str(channel_id), []).append(shared)  # fmt: skip
            out.append({"id": upload.file_id, "title": upload.title, "name": upload.filename})
        return {"files": out}

    async def _upload(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="no such upload")
        upload.content = await request.read()
        await self._touch()
        return web.Response(text="OK - " + str(len(upload.content)))

    async def _respond(self, request: web.Request) -> web.Response:
        context = self._response_urls.get(request.match_info["rid"])
        if context is None:
            return web.Response(status=404, text="expired_url")
        rid = request.match_info["rid"]
        self.responses.append(Response(rid, *context, body=await request.json()))
        await self._touch()
        return web.Response(text="ok")

    async def _authorize_page(self, request: web.Request) -> web.Response:
        return web.Response(text="FakeSlack authorize page: approve with fake.oauth_code(team, user)")
