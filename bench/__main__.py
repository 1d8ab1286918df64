"""`python -m bench [--quick] [--json] [--only NAME…]`: run the benchmarks; full runs write docs/benchmarks.md.

Every figure is compared with a baseline measured in the same run, because these machines are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path

from bench.common import Result, machine_facts

BENCHMARKS = [
    "answers",
    "leaderboard",
    "ack",
    "reply",
    "oauth_ack",
    "fanout",
    "memory",
    "lookup",
    "dashboard",
    "recap",
]
DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def _runner(name: str) -> Callable[[bool], Awaitable[Result]]:
    module = import_module(f"bench.{name}")
    run: Callable[[bool], Awaitable[Result]] = module.run
    return run


def write_doc(results: list[Result], quick: bool) -> None:
    facts = machine_facts()
    lines = [
        "# Benchmarks",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{'python -m bench --quick' if quick else 'make bench'}`"
        f" on {facts['cpus']} CPUs, {facts['memory']}, Python {facts['python']} ({facts['platform']}).",
        "Every figure is compared with a baseline measured in the same run; see each module in `bench/` for what",
        "exactly is measured. Benchmarks are not tests: `make test` never asserts a timing.",
        "",
        "| name | value | baseline | ratio | target | met | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| `{r.name}` | {r.value:g} {r.unit} | {r.baseline:g} | {r.ratio:g} | {r.target} | "
            f"{'yes' if r.ok else '**no**'} | {r.note} |"
        )
    DOC.parent.mkdir(exist_ok=True)
    existing = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    marker = "<!-- notes below are kept between runs -->"
    notes = existing[existing.index(marker) :] if marker in existing else marker + "\n"
    DOC.write_text("\n".join(lines) + "\n\n" + notes, encoding="utf-8")


async def main_async(names: list[str], quick: bool) -> list[Result]:
    results = []
    for name in names:
        print(f"running {name}…", file=sys.stderr)
        try:
            results.append(await _runner(name)(quick))
        except Exception as exc:  # a broken benchmark is reported, not hidden
            results.append(Result(name, 0, "", 0, 0, "", False, f"failed: {type(exc).__name__}: {exc}"))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes, same shape (under a minute)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS, help="run only these")
    parser.add_argument("--no-doc", action="store_true", help="don't write docs/benchmarks.md")
    args = parser.parse_args(argv)
    names = args.only or BENCHMARKS
    results = asyncio.run(main_async(names, args.quick))
    if args.json:
        print(json.dumps({r.name: r.as_json() for r in results}, ensure_ascii=False))
    else:
        for r in results:
            print(f"{r.name:<12} {r.value:>12g} {r.unit:<28} baseline {r.baseline:g}  ratio {r.ratio:g}  "
                  f"{'OK' if r.ok else 'MISSED'}  {r.target}")  # fmt: skip
    if not args.quick and not args.no_doc and set(names) == set(BENCHMARKS):
        write_doc(results, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
