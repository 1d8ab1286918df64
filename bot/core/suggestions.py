"""Questions from the team: a member suggests one (checked by the content schema, field by field), an admin
approves, edits or rejects it, and an approved one joins that workspace's rotation only — credited to its
author in the reveal. Untrusted text is neutralised before it is stored, so it can never ping anyone."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError

from bot.core.events import Tenant, UserRef
from bot.core.messages import Button, Card, FormField, TextReply
from bot.core.model import Suggestion
from bot.core.ports import PlatformAdapter, Repository
from content.schema import EXPLANATION_MAX, PROMPT_MAX, Party, Scenario, ServiceModel

log = logging.getLogger(__name__)

PREFIX = "team-q-"
TOPIC = "from-the-team"
SERVICE = "From the team"
MAX_PER_DAY = 3
MAX_PENDING = 5
REVIEW_PAGE = 5
_BROADCAST = re.compile(r"@(here|channel|everyone)\b", re.IGNORECASE)
_FIELDS = {"prompt": "prompt", "explanation": "explanation", "references": "link", "answer": "answer"}


def neutralise(text: str) -> str:
    """No platform's mention syntax survives: `<!channel>`, `<@U1>`, `<@&1>`, `@here`, `@everyone`."""
    text = text.replace("<!", "<\u200b!").replace("<@", "<\u200b@").replace("<#", "<\u200b#")
    return _BROADCAST.sub(lambda m: "@\u200b" + m.group(1), text).strip()


def scenario_of(s: Suggestion) -> Scenario:
    return Scenario(
        id=f"{PREFIX}{s.id}",
        service=SERVICE,
        model=ServiceModel.ALL,
        topic=TOPIC,
        difficulty=2,
        prompt=s.prompt,
        answer=s.answer,
        explanation=s.explanation,
        references=[s.link],
        reviewed=s.created_at.date(),
    )


@dataclass(frozen=True, slots=True)
class Draft:
    prompt: str
    answer: Party
    explanation: str
    link: str


def check(draft: Draft, now: datetime) -> dict[str, str]:
    """Field → what is wrong with it, by the same schema as the shipped questions; empty when valid."""
    try:
        scenario_of(Suggestion(0, UserRef("", "", ""), *_fields(draft), "pending", now))
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = _FIELDS.get(str(error["loc"][0]) if error["loc"] else "", "prompt")
            errors.setdefault(field, str(error["msg"]).removeprefix("Value error, "))
        return errors
    return {}


def _fields(draft: Draft) -> tuple[str, Party, str, str]:
    return draft.prompt, draft.answer, draft.explanation, draft.link


def parse_draft(answer: str, link: str, text: str) -> Draft:
    """The command form: `ANSWER LINK PROMPT… | EXPLANATION…`."""
    prompt, _, explanation = text.partition("|")
    return Draft(neutralise(prompt), Party(answer), neutralise(explanation), link.strip().strip("<>"))


async def team_scenarios(repo: Repository, tenant: Tenant) -> dict[str, Scenario]:
    """A workspace's approved suggestions as scenarios (never another workspace's)."""
    return {f"{PREFIX}{s.id}": scenario_of(s) for s in await repo.suggestions(tenant, "approved", 500)}


async def find_scenario(
    repo: Repository, shipped: Mapping[str, Scenario], tenant: Tenant, scenario_id: str
) -> Scenario | None:
    """A shipped scenario, or one of this tenant's approved suggestions."""
    found = shipped.get(scenario_id)
    if found is not None or not scenario_id.startswith(PREFIX):
        return found
    number = scenario_id.removeprefix(PREFIX)
    s = await repo.get_suggestion(tenant, int(number)) if number.isdigit() else None
    return scenario_of(s) if s is not None and s.state == "approved" else None


async def credit(repo: Repository, tenant: Tenant, scenario_id: str) -> str:
    number = scenario_id.removeprefix(PREFIX)
    if not scenario_id.startswith(PREFIX) or not number.isdigit():
        return ""
    s = await repo.get_suggestion(tenant, int(number))
    return f"Question suggested by {s.author.name}" if s is not None else ""


#: The suggestion form, as every platform's modal shows it (the answer is typed: aws, customer or shared).
SUGGEST_FORM = "suggest"
FORM_TITLE = "Suggest a question"
SUGGEST_FIELDS: tuple[FormField, ...] = (
    FormField("prompt", "The scenario", "Our team … Who is responsible for …?", True, 20, PROMPT_MAX),
    FormField("answer", "Who is responsible: aws, customer or shared", "customer", False, 3, 8),
    FormField("explanation", "Why (one short paragraph)", "Because …", True, 40, EXPLANATION_MAX),
    FormField("link", "AWS documentation link", "https://docs.aws.amazon.com/…", False, 12, 300),
)


def draft_from_form(fields: Mapping[str, str]) -> Draft | dict[str, str]:
    """The form's fields as a Draft, or the field errors a draft cannot even be made with."""
    answer = fields.get("answer", "").strip().lower()
    if answer not in ("aws", "customer", "shared"):
        return {"answer": "type aws, customer or shared"}
    return parse_draft(
        answer, fields.get("link", ""), f"{fields.get('prompt', '')}|{fields.get('explanation', '')}"
    )


class Suggestions:
    def __init__(self, repo: Repository, adapters: Mapping[str, PlatformAdapter], prefix: str) -> None:
        self.repo = repo
        self.adapters = adapters
        self.prefix = prefix

    async def submit(self, user: UserRef, draft: Draft, now: datetime) -> tuple[Card, dict[str, str]]:
        """Store a valid draft as pending; the reply and any field errors (nothing stored then)."""
        errors = check(draft, now)
        if errors:
            lines = "\n".join(f"• {field}: {message}" for field, message in errors.items())
            return TextReply(f"⚠️ Your question needs a fix — nothing was saved:\n{lines}"), errors
        if await self.repo.suggestions_since(user, now - timedelta(days=1)) >= MAX_PER_DAY:
            return TextReply(
                f"You have suggested {MAX_PER_DAY} questions today — thanks! Try again tomorrow."
            ), {"prompt": "daily limit reached"}
        if await self.repo.pending_count(user) >= MAX_PENDING:
            return TextReply(
                f"You have {MAX_PENDING} questions waiting for review; please wait for those."
            ), {"prompt": "too many waiting for review"}
        number = await self.repo.add_suggestion(user, *_fields(draft), now)
        log.info("suggestion %s stored", number, extra={"tenant": user.workspace_id})
        return TextReply(f"🙏 Thanks — question #{number} is waiting for an admin's review."), {}

    async def submit_form(self, user: UserRef, fields: Mapping[str, str], now: datetime) -> TextReply:
        """A filled-in form: the reply, with field errors (the platform keeps the form open) when invalid."""
        draft = draft_from_form(fields)
        if isinstance(draft, dict):
            return TextReply("⚠️ Please fix the highlighted field.", field_errors=tuple(draft.items()))
        reply, errors = await self.submit(user, draft, now)
        text = reply.text if isinstance(reply, TextReply) else ""
        return TextReply(text, field_errors=tuple(errors.items()))

    async def review_list(self, tenant: Tenant) -> Card:
        pending = await self.repo.suggestions(tenant, "pending", REVIEW_PAGE)
        if not pending:
            return TextReply("No questions are waiting for review.")
        lines, buttons = [], []
        for s in pending:
            lines.append(
                f"*#{s.id}* by {s.author.name} — answer *{s.answer.value}*\n{s.prompt}\n_{s.explanation}_\n{s.link}"
            )
            buttons += [
                Button(f"Approve #{s.id}", "review-approve", str(s.id), "primary"),
                Button(f"Edit #{s.id}", "review-edit", str(s.id)),
                Button(f"Reject #{s.id}", "review-reject", str(s.id), "danger"),
            ]
        return TextReply("\n\n".join(lines), title="Questions from the team", buttons=tuple(buttons))

    async def approve(self, admin: UserRef, number: int, now: datetime) -> Card:
        s = await self.repo.get_suggestion(admin.tenant, number)
        if s is None or not await self.repo.decide_suggestion(
            admin.tenant, number, "approved", "", admin.user_id, now
        ):
            return TextReply(f"There is no question #{number} waiting for review in this workspace.")
        await self.repo.add_audit(admin, "review", f"approved #{number}", now)
        await self._tell(
            s.author, f"✅ Your question #{number} was approved and joins this workspace's rotation."
        )
        return TextReply(f"✅ Question #{number} approved: it joins this workspace's rotation.")

    async def reject(self, admin: UserRef, number: int, reason: str, now: datetime) -> Card:
        if len(reason.strip()) < 3:
            return TextReply(
                f"Say why, so the author can learn: `{self.prefix} review reject {number} REASON`"
            )
        s = await self.repo.get_suggestion(admin.tenant, number)
        why = neutralise(reason)[:300]
        if s is None or not await self.repo.decide_suggestion(
            admin.tenant, number, "rejected", why, admin.user_id, now
        ):
            return TextReply(f"There is no question #{number} waiting for review in this workspace.")
        await self.repo.add_audit(admin, "review", f"rejected #{number}", now)
        await self._tell(s.author, f"Your question #{number} was not accepted: {why}")
        return TextReply(f"Question #{number} rejected; the author has been told why.")

    async def edit(self, admin: UserRef, number: int, draft: Draft, now: datetime) -> Card:
        errors = check(draft, now)
        if errors:
            lines = "\n".join(f"• {field}: {message}" for field, message in errors.items())
            return TextReply(f"⚠️ The edit needs a fix — nothing was changed:\n{lines}")
        if not await self.repo.edit_suggestion(admin.tenant, number, *_fields(draft)):
            return TextReply(f"There is no question #{number} waiting for review in this workspace.")
        await self.repo.add_audit(admin, "review", f"edited #{number}", now)
        return TextReply(f"✏️ Question #{number} updated; approve it when it reads right.")

    async def _tell(self, author: UserRef, text: str) -> None:
        adapter = self.adapters.get(author.platform)
        if adapter is None:
            return
        try:
            await adapter.send_dm(author, TextReply(text))
        except Exception:
            log.warning("could not tell the author about their suggestion", exc_info=True)
