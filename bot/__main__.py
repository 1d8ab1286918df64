"""The `respbot` command line: run, demo, learn, lookup, content validate/stale, db upgrade/copy, dashboard,
teams manifest."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import traceback
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from content.loader import SHIPPED, ContentBundle, ContentError, load_bundle, load_scenario_file
from storage.urls import parse_database_url, redact_url

if TYPE_CHECKING:
    from bot.adapters.console import ConsoleAdapter
    from bot.config import Settings
    from bot.demo import AnswerSource

from content.freshness import EXPIRY_HORIZON
from content.schema import Party, Scenario


def _settings(**overrides: object) -> Settings:
    """Every command's settings, built one way (bot.config.load_settings); a bad one ends the command."""
    from bot.config import load_settings

    return load_settings(**overrides)


def _bundle(settings: Settings, extra: Sequence[Path] = ()) -> ContentBundle:
    """The shipped content plus CONTENT_DIR's packs (and any given here): what `run` would load."""
    return load_bundle(extra_scenario_dirs=[*settings.content_dir, *extra])


def _demo_timezone(settings: Settings) -> str:
    """DEFAULT_TIMEZONE when it is set; otherwise the demo's own zone (so a seed repeats a run exactly)."""
    from bot.demo import TEAM_TZ

    return settings.default_timezone if "default_timezone" in settings.model_fields_set else TEAM_TZ


def _console(
    settings: Settings, script: str | None
) -> tuple[ContentBundle, ConsoleAdapter, AnswerSource] | None:
    """The content, a terminal adapter, and where answers come from: a script file, stdin (`-`), or a prompt."""
    from bot.adapters.console import ConsoleAdapter
    from bot.demo import line_reader, prompt_reader

    content = _bundle(settings)
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
    settings = _settings()
    parse_database_url(settings.database_url)  # a bad URL is refused before anything starts
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
        # The demo on the bot's own settings: DATABASE_URL when set (else a temporary file), CONTENT_DIR,
        # DEFAULT_TIMEZONE and SEED.
        db = settings.database_url if "database_url" in settings.model_fields_set else None
        seed = settings.seed if args.seed is None else args.seed
        return _demo(settings, 5, seed, None, None, db)
    from bot.app import run_bot
    from bot.config import platform_problem
    from bot.logging_setup import register_secrets, secret_values

    problem = platform_problem(settings)
    if problem is not None:
        print(f"respbot: could not start: {problem}", file=sys.stderr)
        return 1
    register_secrets(secret_values(settings))
    return asyncio.run(run_bot(settings))


def cmd_demo(args: argparse.Namespace) -> int:
    settings = _settings()
    if args.db is not None:
        parse_database_url(args.db)
    seed = settings.seed if args.seed is None else args.seed
    images = Path(args.images) if args.images else None
    return _demo(settings, args.days, seed, args.script, args.start, args.db, images)


def _demo(
    settings: Settings,
    days: int,
    seed: int,
    script: str | None,
    start: date | None,
    db: str | None,
    images: Path | None = None,
) -> int:
    from bot.demo import DEFAULT_START, run_demo

    console = _console(settings, script)
    if console is None:
        return 1
    content, adapter, read = console
    adapter.images = images
    zone = _demo_timezone(settings)
    return asyncio.run(run_demo(content, adapter, read, days, seed, start or DEFAULT_START, db, zone))


def default_learn_db() -> str:
    """`respbot learn` keeps progress in the user's data folder (XDG_DATA_HOME on Linux, Application
    Support on macOS, AppData on Windows), so running it again continues where it stopped."""
    from platformdirs import user_data_path

    return f"sqlite:///{user_data_path('respbot', appauthor=False) / 'learn.db'}"


def cmd_learn(args: argparse.Namespace) -> int:
    from bot.demo import run_course

    settings = _settings()
    db = args.db or default_learn_db()
    parse_database_url(db)
    console = _console(settings, args.script)
    if console is None:
        return 1
    return asyncio.run(run_course(*console, db, _demo_timezone(settings)))


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
    settings = _settings()
    try:
        bundle = _bundle(settings)  # the shipped content and CONTENT_DIR, exactly as `run` loads them
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
        "content_dir_scenarios": sum(1 for f in bundle.sources.values() if not _shipped(f)),
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

    bundle = _bundle(_settings())  # CONTENT_DIR's packs too, as `run` loads them
    today: date = args.today or date.today()
    before: date = args.before or default_cutoff(today)
    found = stale_items(bundle.dated_items(), before, today)
    for item in found:
        print(f"{item.label}: {item.reason}")
    print(f"{len(found)} item(s) need a review (reviewed before {before.isoformat()} or expiring by "
          f"{(today + EXPIRY_HORIZON).isoformat()})")  # fmt: skip
    return 0


def _shipped(source: object) -> bool:
    return Path(str(source)).resolve().is_relative_to(SHIPPED.resolve())


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from storage import open_repository
    from storage.migrate import upgrade

    url = _settings(database_url=args.url).database_url

    async def go() -> list[str]:
        repo = await open_repository(url, migrate=False)
        try:
            return await upgrade(repo.db)  # type: ignore[attr-defined]
        finally:
            await repo.close()

    applied = asyncio.run(go())
    print(f"{redact_url(url)}: " + (f"applied {', '.join(applied)}" if applied else "already up to date"))
    return 0


def cmd_db_copy(args: argparse.Namespace) -> int:
    from storage.copy import CopyError, copy_database

    try:
        report = asyncio.run(copy_database(args.source, args.target))
    except CopyError as exc:
        print(f"respbot: copy refused: {exc}", file=sys.stderr)
        return 1
    print(f"copied {redact_url(args.source)} → {redact_url(args.target)}")
    for line in report.lines():
        print(line)
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    from bot.dashboard.cli import DashboardError, serve

    try:
        asyncio.run(serve(args.db, args.workspace, args.port))
    except DashboardError as exc:
        print(f"respbot: dashboard: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # anything unforeseen: one line, not a traceback
        from bot.logging_setup import scrub

        print(f"respbot: dashboard failed: {scrub(f'{type(exc).__name__}: {exc}')}", file=sys.stderr)
        return 1
    return 0


def cmd_discord_invite_url(args: argparse.Namespace) -> int:
    from bot.adapters.discord.invite import invite_url

    settings = _settings()
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
    run.add_argument("--seed", type=int, help="seed for the console demo (default: SEED)")
    run.add_argument(
        "--require-platform",
        action="store_true",
        help="fail instead of starting the demo when no token is set",
    )
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="a simulated team channel in the terminal, on a fake clock")
    demo.add_argument("--days", type=int, default=3, help="working days to play (default 3)")
    demo.add_argument("--seed", type=int, help="repeat a run exactly (default: SEED, 0)")
    demo.add_argument("--script", help="answers, one per line (a, c, s or blank); - for stdin")
    demo.add_argument("--start", type=date.fromisoformat, help="first day, YYYY-MM-DD (default 2026-06-01)")
    demo.add_argument("--db", help="keep the demo's data in this DATABASE_URL (default: a temporary file)")
    demo.add_argument("--images", help="save the weekly recap charts (PNG) in this folder")
    demo.set_defaults(func=cmd_demo)

    learn = sub.add_parser("learn", help="take the onboarding course in the terminal")
    learn.add_argument("--script", help="answers, one per line (option numbers); - for stdin")
    learn.add_argument(
        "--db", help="keep progress in this DATABASE_URL (default: learn.db in your user data folder)"
    )
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

    _add_tools(sub)
    return parser


def _add_tools(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The operator's tool groups: content, db, dashboard, discord, teams."""
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

    dash = sub.add_parser("dashboard", help="the training dashboard over a database, read-only on 127.0.0.1")
    dash.add_argument("--db", required=True, help="DATABASE_URL to read (e.g. sqlite:///tmp/d.db)")
    dash.add_argument("--workspace", help="workspace id (or platform:id) when the database holds several")
    dash.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765; 0 picks one)")
    dash.set_defaults(func=cmd_dashboard)

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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "days", 1) is not None and getattr(args, "days", 1) < 1:
        parser.error("--days must be at least 1")
    if any("\x00" in v for v in vars(args).values() if isinstance(v, str)):
        parser.error("an argument contains a NUL character")
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `respbot lookup --eval … | head`: the reader left; no traceback for that
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # every path ends in one line and an exit code, never a traceback
        print(f"respbot: {explain(exc)}", file=sys.stderr)
        return 1


def explain(exc: Exception) -> str:
    """One line for an error that ended a command: the known kinds say what to do; anything else is named
    with its secrets scrubbed (LOG_LEVEL=DEBUG adds the traceback, for a bug report)."""
    from bot.config import SettingsError
    from bot.logging_setup import scrub
    from storage import DatabaseOpenError, DatabaseUrlError
    from storage.migrate import DatabaseTooNewError

    if isinstance(exc, SettingsError | DatabaseUrlError | DatabaseOpenError | DatabaseTooNewError):
        return scrub(str(exc))
    if isinstance(exc, ContentError):
        return f"content error: {exc}"
    if os.environ.get("LOG_LEVEL", "").upper() == "DEBUG":
        traceback.print_exception(exc, file=sys.stderr)
    return f"unexpected error: {scrub(f'{type(exc).__name__}: {exc}')} (LOG_LEVEL=DEBUG shows the traceback)"


if __name__ == "__main__":
    sys.exit(main())
