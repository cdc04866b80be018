"""``python -m benchmarks run [--quick] [--only B1,B3]``: run the scenarios and write the report;
``python -m benchmarks smoke``: CI's short check of ratios (:mod:`benchmarks.smoke`)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from benchmarks import report, smoke
from benchmarks.context import Context
from benchmarks.loadclient import raise_fd_limit
from benchmarks.machine import describe_machine, pin_self, split_cores
from benchmarks.profiles import FULL, QUICK
from benchmarks.results import Section

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "benchmarks.md"
PLOTS = ROOT / "docs" / "benchmarks"
SCENARIOS = {
    "B1": "benchmarks.scenarios.b1_idle",
    "B2": "benchmarks.scenarios.b2_pipeline",
    "B3": "benchmarks.scenarios.b3_fanout",
    "B4": "benchmarks.scenarios.b4_stall",
    "B5": "benchmarks.scenarios.b5_storm",
    "D1": "benchmarks.scenarios.d1_desktop",
    "D2": "benchmarks.scenarios.d2_sound",
}


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run scenarios and regenerate docs/benchmarks.md")
    run.add_argument("--quick", action="store_true", help="small sizes: a few minutes in all")
    run.add_argument("--only", help="comma-separated scenarios, e.g. B1,B3 (default: all)")
    run.add_argument(
        "--database",
        help="B2/B5: SQLAlchemy URL of an empty database to use instead of a fresh SQLite file",
    )
    run.add_argument(
        "--instances", type=int, default=1, help="B2: server instances (needs a shared database)"
    )
    run.add_argument("--no-write", action="store_true", help="print results, leave docs/ alone")
    check = commands.add_parser(
        "smoke", help="CI: a short check that OrderBell's ratios to its peers stay above floors"
    )
    check.add_argument(
        "--handicap-us",
        type=int,
        default=0,
        help="add this much CPU work to each event OrderBell delivers, to see the smoke fail",
    )
    return parser


def chosen(only: str | None) -> list[str]:
    """Scenario keys to run, in order."""
    if not only:
        return list(SCENARIOS)
    keys = [key.strip().upper() for key in only.split(",") if key.strip()]
    unknown = [key for key in keys if key not in SCENARIOS]
    if unknown:
        raise SystemExit(
            f"unknown scenario(s): {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}"
        )
    return keys


async def run_all(ctx: Context, keys: Sequence[str]) -> dict[str, Section]:
    """Run the scenarios one after another; a failing one is reported, not fatal."""
    sections: dict[str, Section] = {}
    for key in keys:
        module = importlib.import_module(SCENARIOS[key])
        began = time.monotonic()
        ctx.say(f"== {key} ({ctx.profile.name})")
        try:
            section = await module.run(ctx)
            sections[section.key] = section
        except Exception as exc:  # a broken scenario must not lose the others' results
            ctx.say(f"{key} failed: {exc!r}")
            traceback.print_exc()
            sections[key] = Section(
                key, module.TITLE, ctx.profile.name, f"**The run failed:** `{exc!r}`"
            )
        ctx.say(f"== {key} done in {time.monotonic() - began:.0f} s")
    return sections


def say(line: str) -> None:
    """A progress line, stamped with the time of day."""
    print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = build_parser().parse_args(argv)
    if args.command == "smoke":
        return run_smoke(args.handicap_us)
    keys = chosen(args.only)
    if args.instances > 1 and not args.database:
        raise SystemExit("--instances needs --database (instances must share one database)")
    raise_fd_limit()
    cores = split_cores()
    pin_self(cores)

    results_file = PLOTS / "results.json"
    stored = report.load_sections(results_file)
    with tempfile.TemporaryDirectory(prefix="orderbell-bench-") as tmp:
        ctx = Context(
            profile=QUICK if args.quick else FULL,
            cores=cores,
            workdir=Path(tmp),
            # --no-write leaves docs/ alone: the plots go to the scratch folder then.
            plots_dir=Path(tmp) if args.no_write else PLOTS,
            database_url=args.database,
            instances=args.instances,
            say=say,
            earlier=dict(stored),
        )
        say(f"cores: {cores.describe()}")
        # Before the run: the scenarios write their plots into the tree as they go.
        machine = describe_machine()
        sections = asyncio.run(run_all(ctx, keys))
    stored.update(sections)
    block = report.render(stored, machine, cores.describe())
    if args.no_write:
        print(block)
        return 0
    report.save_sections(results_file, stored, machine, cores.describe())
    report.write_report(DOCUMENT, block)
    say(f"wrote {DOCUMENT.relative_to(ROOT)} and {PLOTS.relative_to(ROOT)}/")
    return 0


def run_smoke(handicap_us: int) -> int:
    """``smoke``: 0 when every ratio holds its floor, 1 when one does not."""
    if handicap_us < 0:
        raise SystemExit(f"--handicap-us must not be negative, got {handicap_us}")
    raise_fd_limit()
    cores = split_cores()
    pin_self(cores)

    with tempfile.TemporaryDirectory(prefix="orderbell-smoke-") as tmp:
        ctx = Context(profile=QUICK, cores=cores, workdir=Path(tmp), plots_dir=Path(tmp), say=say)
        say(f"cores: {cores.describe()}")
        return 0 if asyncio.run(smoke.run(ctx, handicap_us)) else 1


if __name__ == "__main__":
    sys.exit(main())
