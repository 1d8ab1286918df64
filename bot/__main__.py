"""The `respbot` command line: run, demo, learn, lookup, content validate/stale, db upgrade."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

if TYPE_CHECKING:
    from bot.adapters.console import ConsoleAdapter
    from bot.demo import AnswerSource

from content.freshness import EXPIRY_HORIZON
from content.loader import ContentBundle, ContentError, load_bundle, load_scenario_file
from content.schema import Party, Scenario


def _settings() -> object:
    from bot.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).upper()
        raise SystemExit(
            f"respbot: setting {field}: {first['msg']} (check your environment or .env)"
        ) from None


def _bundle(extra: Sequence[Path] = ()) -> ContentBundle:
    try:
        return load_bundle(extra_scenario_dirs=extra)
    except ContentError as exc:
        raise SystemExit(f"respbot: content error: {exc}") from None


def _console(script: str | None) -> tuple[ContentBundle, ConsoleAdapter, AnswerSource] | None:
    """The content, a terminal adapter, and where answers come from: a script file, stdin (`-`), or a prompt."""
    from bot.adapters.console import ConsoleAdapter
    from bot.demo import line_reader, prompt_reader

    content = _bundle()
    adapter = ConsoleAdapter()
    if script == "-":
        return content, adapter, line_reader(sys.stdin, adapter)
    if script:
        try:
            handle = open(script, encoding="utf-8")
        except OSError as exc:
            print(f"respbot: cannot read the script {script}: {exc.strerror}", file=sys.stderr)
            return None
        return content, adapter, line_reader(handle, adapter)
    return content, adapter, prompt_reader(sys.stdin, adapter)


def cmd_run(args: argparse.Namespace) -> int:
    from bot.config import Settings

    settings = _settings()
    assert isinstance(settings, Settings)
    if not settings.any_platform:
        if args.require_platform:
            print(
                "respbot: no platform configured: set SLACK_BOT_TOKEN (or SLACK_CLIENT_ID for OAuth), "
                "DISCORD_TOKEN and/or TEAMS_APP_ID — see README 'Add to Slack' / 'Add to Discord' / 'Add to Teams'",
                file=sys.stderr,
            )
            return 2
        print(
            "No SLACK_BOT_TOKEN / SLACK_CLIENT_ID, DISCORD_TOKEN or TEAMS_APP_ID set: starting the console demo."
        )
        print("(See README: 'Add to Slack' / 'Add to Discord' / 'Add to Teams' to run on a real platform.)\n")
        args.days, args.script, args.db, args.start = 5, None, None, None
        return cmd_demo(args)
    from bot.app import run_bot
    from bot.logging_setup import register_secrets, scrub, secret_values

    register_secrets(secret_values(settings))
    try:
        return asyncio.run(run_bot(settings))
    except ContentError as exc:
        print(f"respbot: content error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # start-up failures (bad token, unreachable database): a line, not a traceback
        print(f"respbot: could not start: {scrub(f'{type(exc).__name__}: {exc}')}", file=sys.stderr)
        print("(see the log lines above; LOG_LEVEL=DEBUG shows more)", file=sys.stderr)
        return 1


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import DEFAULT_START, run_demo

    console = _console(args.script)
    if console is None:
        return 1
    content, adapter, read = console
    adapter.images = Path(args.images) if getattr(args, "images", None) else None
    return asyncio.run(
        run_demo(content, adapter, read, args.days, args.seed, args.start or DEFAULT_START, args.db)
    )


def cmd_learn(args: argparse.Namespace) -> int:
    from bot.demo import run_course

    console = _console(args.script)
    if console is None:
        return 1
    return asyncio.run(run_course(*console, args.db))


def cmd_lookup(args: argparse.Namespace) -> int:
    from bot.lookup_cli import run_eval, run_question

    try:
        content = load_bundle()
    except ContentError as exc:
        print(f"respbot: content error: {exc}", file=sys.stderr)
        return 1
    if args.eval:
        return run_eval(content, Path(args.eval), verbose=args.verbose)
    if not args.question:
        print(
            "respbot: lookup needs a question, e.g. respbot lookup who patches the database on rds",
            file=sys.stderr,
        )
        return 2
    return run_question(content, " ".join(args.question), as_json=args.json)


def cmd_content_validate(args: argparse.Namespace) -> int:
    try:
        bundle = load_bundle()
        extra_ids: dict[str, str] = {}
        for raw in args.paths:
            path = Path(raw)
            files = sorted(path.glob("*.y*ml")) if path.is_dir() else [path]
            if not path.exists():
                raise ContentError(path, "(file)", "(file)", "does not exist")
            for file in files:
                for s in load_scenario_file(file).scenarios:
                    clash = bundle.sources.get(s.id) or extra_ids.get(s.id)
                    if clash:
                        raise ContentError(
                            file, f"scenario {s.id!r}", "id", f"collides with the same id in {clash}"
                        )
                    extra_ids[s.id] = str(file)
    except ContentError as exc:
        print(f"INVALID {exc}", file=sys.stderr)
        return 1
    scenarios = list(bundle.scenarios.values())
    answers = Counter(s.answer.value for s in scenarios)
    models = Counter(s.model.value for s in scenarios)
    report = {
        "scenarios": len(scenarios),
        "services": len({s.service for s in scenarios}),
        "models": dict(sorted(models.items())),
        "answers": dict(sorted(answers.items())),
        "topics": len(bundle.topics),
        "matrix_entries": len(bundle.matrix.entries),
        "matrix_services": len(bundle.matrix.services),
        "lessons": len(bundle.lessons),
        "extra_pack_scenarios": len(extra_ids),
    }
    print("OK " + " ".join(f"{k}={v}" for k, v in report.items()))
    for line in _key_shares(scenarios):
        print(line)
    return 0


def _key_shares(scenarios: Sequence[Scenario]) -> list[str]:
    """Per difficulty level, the share of each key: the bank must not let the level predict the answer."""
    lines = []
    for level in sorted({s.difficulty for s in scenarios}):
        keys = Counter(s.answer.value for s in scenarios if s.difficulty == level)
        total = sum(keys.values())
        shares = " ".join(f"{party.value} {round(100 * keys[party.value] / total)}%" for party in Party)
        lines.append(f"difficulty {level}: {shares} (n={total})")
    return lines


def cmd_content_stale(args: argparse.Namespace) -> int:
    """Items whose review is older than --before (default a year ago) or that expire within 90 days."""
    from content.freshness import default_cutoff, stale_items

    bundle = _bundle()
    today: date = args.today or date.today()
    before: date = args.before or default_cutoff(today)
    found = stale_items(bundle.dated_items(), before, today)
    for item in found:
        print(f"{item.label}: {item.reason}")
    print(f"{len(found)} item(s) need a review (reviewed before {before.isoformat()} or expiring by "
          f"{(today + EXPIRY_HORIZON).isoformat()})")  # fmt: skip
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from storage import redact_url
    from storage.migrate import DatabaseTooNewError, upgrade

    settings = _settings()
    assert isinstance(settings, Settings)
    url = args.url or settings.database_url

    async def go() -> list[str]:
        from storage import open_repository

        repo = await open_repository(url, migrate=False)
        try:
            return await upgrade(repo.db)  # type: ignore[attr-defined]
        finally:
            await repo.close()

    try:
        applied = asyncio.run(go())
    except DatabaseTooNewError as exc:
        print(f"respbot: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # unreachable, wrong credentials, no such database…: a line, not a traceback
        from bot.logging_setup import register_secrets, scrub, secret_values

        register_secrets(secret_values(settings.model_copy(update={"database_url": url})))
        print(
            f"respbot: cannot open {redact_url(url)}: {scrub(f'{type(exc).__name__}: {exc}')}",
            file=sys.stderr,
        )
        return 1
    print(f"{redact_url(url)}: " + (f"applied {', '.join(applied)}" if applied else "already up to date"))
    return 0


def cmd_db_copy(args: argparse.Namespace) -> int:
    from storage import redact_url
    from storage.copy import CopyError, copy_database
    from storage.migrate import DatabaseTooNewError

    try:
        report = asyncio.run(copy_database(args.source, args.target))
    except (CopyError, DatabaseTooNewError, ValueError) as exc:
        print(f"respbot: copy refused: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"respbot: cannot reach a database: {type(exc).__name__}", file=sys.stderr)
        return 1
    print(f"copied {redact_url(args.source)} → {redact_url(args.target)}")
    for line in report.lines():
        print(line)
    return 0


def cmd_discord_invite_url(args: argparse.Namespace) -> int:
    from bot.adapters.discord.invite import invite_url
    from bot.config import Settings

    settings = _settings()
    assert isinstance(settings, Settings)
    app_id = args.application_id or settings.discord_application_id
    if not app_id:
        print(
            "respbot: set DISCORD_APPLICATION_ID (Discord developer portal → your app → General Information) "
            "or pass --application-id",
            file=sys.stderr,
        )
        return 1
    if not app_id.isdigit():
        print(f"respbot: {app_id!r} is not a Discord application id (a number)", file=sys.stderr)
        return 1
    print(invite_url(app_id))
    return 0


def cmd_teams_manifest(args: argparse.Namespace) -> int:
    """The Teams app package (manifest.json + icons, zipped) for TEAMS_APP_ID, ready to upload."""
    from bot.adapters.teams.manifest import ManifestError, write
    from bot.config import Settings

    settings = _settings()
    assert isinstance(settings, Settings)
    app_id = args.app_id or settings.teams_app_id
    if not app_id:
        print(
            "respbot: set TEAMS_APP_ID (Azure portal → your Azure Bot → Configuration → Microsoft App ID) "
            "or pass --app-id",
            file=sys.stderr,
        )
        return 1
    out = Path(args.out) if args.out else None
    if out is not None and not out.is_dir() and not out.parent.is_dir():
        print(f"respbot: the folder {out.parent} does not exist", file=sys.stderr)
        return 1
    try:
        target = write(app_id, out, args.domain or "")
    except ManifestError as exc:
        print(f"respbot: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"respbot: cannot write the package: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"wrote {target} — upload it in Teams: Apps → Manage your apps → Upload an app")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="respbot", description="Who's Responsible? — the AWS Shared Responsibility study bot"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (the console demo when no platform token is set)")
    run.add_argument("--seed", type=int, default=0, help="seed for the console demo")
    run.add_argument(
        "--require-platform",
        action="store_true",
        help="fail instead of starting the demo when no token is set",
    )
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="a simulated team channel in the terminal, on a fake clock")
    demo.add_argument("--days", type=int, default=3, help="working days to play (default 3)")
    demo.add_argument("--seed", type=int, default=0, help="repeat a run exactly")
    demo.add_argument("--script", help="answers, one per line (a, c, s or blank); - for stdin")
    demo.add_argument("--start", type=date.fromisoformat, help="first day, YYYY-MM-DD (default 2026-06-01)")
    demo.add_argument("--db", help="keep the demo's data in this DATABASE_URL (default: a temporary file)")
    demo.add_argument("--images", help="save the weekly recap charts (PNG) in this folder")
    demo.set_defaults(func=cmd_demo)

    learn = sub.add_parser("learn", help="take the onboarding course in the terminal")
    learn.add_argument("--script", help="answers, one per line (option numbers); - for stdin")
    learn.add_argument("--db", help="keep progress in this DATABASE_URL (default: a temporary file)")
    learn.set_defaults(func=cmd_learn)

    lookup = sub.add_parser("lookup", help="who is responsible? ask in plain words (exit 1 when not sure)")
    lookup.add_argument(
        "question", nargs="*", help='e.g. who patches the database on rds  (or: ec2 "patch the guest os")'
    )
    lookup.add_argument("--json", action="store_true", help="print JSON")
    lookup.add_argument(
        "--eval", metavar="FILE", help="score a file of questions (tests/content/lookup_questions.tsv)"
    )
    lookup.add_argument("--verbose", action="store_true", help="with --eval: list every miss")
    lookup.set_defaults(func=cmd_lookup)

    content = sub.add_parser("content", help="content tools")
    content_sub = content.add_subparsers(dest="content_command", required=True)
    validate = content_sub.add_parser("validate", help="validate the shipped content and any scenario packs")
    validate.add_argument("paths", nargs="*", help="scenario pack files or folders to check as well")
    validate.set_defaults(func=cmd_content_validate)
    stale = content_sub.add_parser("stale", help="list scenarios due for a review or about to expire")
    stale.add_argument(
        "--before", type=date.fromisoformat, help="reviewed before YYYY-MM-DD (default: a year ago)"
    )
    stale.add_argument("--today", type=date.fromisoformat, help=argparse.SUPPRESS)  # fixed day for tests
    stale.set_defaults(func=cmd_content_stale)

    db = sub.add_parser("db", help="database tools")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="apply pending migrations")
    up.add_argument("--url", help="DATABASE_URL to upgrade (default: the setting)")
    up.set_defaults(func=cmd_db_upgrade)
    copy = db_sub.add_parser("copy", help="copy every table to an empty database (e.g. SQLite → PostgreSQL)")
    copy.add_argument("--from", dest="source", required=True, help="source DATABASE_URL")
    copy.add_argument("--to", dest="target", required=True, help="target DATABASE_URL (must be empty)")
    copy.set_defaults(func=cmd_db_copy)

    discord = sub.add_parser("discord", help="Discord tools")
    discord_sub = discord.add_subparsers(dest="discord_command", required=True)
    invite = discord_sub.add_parser("invite-url", help="the OAuth2 URL that adds the bot to a server")
    invite.add_argument("--application-id", help="default: DISCORD_APPLICATION_ID")
    invite.set_defaults(func=cmd_discord_invite_url)

    teams = sub.add_parser("teams", help="Microsoft Teams tools")
    teams_sub = teams.add_subparsers(dest="teams_command", required=True)
    package = teams_sub.add_parser("manifest", help="write the Teams app package (zip) to upload")
    package.add_argument("--out", help="file or folder to write (default: the current folder)")
    package.add_argument("--app-id", help="default: TEAMS_APP_ID")
    package.add_argument("--domain", help="the bot's public host name (e.g. bot.example.com), if any")
    package.set_defaults(func=cmd_teams_manifest)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "days", 1) is not None and getattr(args, "days", 1) < 1:
        parser.error("--days must be at least 1")
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `respbot lookup --eval … | head`: the reader left; no traceback for that
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
