"""Run every benchmark (``benchmarks/bench_*.py``), then list every target it missed.

Each benchmark prints its own table and marks a missed target in it (``MISSED``, ``NOT met``, or
``NO`` in an ``ok`` column) and/or exits non-zero. This runner runs them all, one after the
other (a miss or a crash never stops the rest), shows their output as it comes, and ends with one
summary: every missed target (benchmark and line) and every benchmark that crashed. Exit code 0 if
none, 1 otherwise. ``make bench`` runs it.

    python benchmarks/run_all.py                 # all of them
    python benchmarks/run_all.py --only frc kde  # bench_frc.py and bench_kde.py
    python benchmarks/run_all.py --dry-run       # list what would run
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: A line of a benchmark's output that reports a missed target.
MISS = re.compile(r"\bMISSED\b|\bNOT met\b|^\S.*\s{2,}NO(\s{2,}|\s*$)")


def misses_in(lines: list[str]) -> list[str]:
    """The lines of a benchmark's output that report a missed target.

    Examples
    --------
    >>> misses_in(["frc_curve 4096  1.2 s  < 2 s  ok", "frc_loss  31 ms  <= 1.5x  MISSED",
    ...            "target: ratio >= 0.9 -> NOT met", "read CSV   0.9   <= 2x pandas  NO   note", "NOTE: fine"])
    ['frc_loss  31 ms  <= 1.5x  MISSED', 'target: ratio >= 0.9 -> NOT met', 'read CSV   0.9   <= 2x pandas  NO   note']
    """
    return [line.rstrip() for line in lines if MISS.search(line)]


def run_one(script: Path) -> tuple[int, list[str], float]:
    """Run one benchmark in its own interpreter, echoing its output; (exit code, output lines, seconds)."""
    start = time.perf_counter()
    lines: list[str] = []
    with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, bufsize=1) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            lines.append(line)
    return proc.returncode, lines, time.perf_counter() - start


def select(folder: Path, only: list[str] | None) -> list[Path]:
    """``bench_*.py`` in ``folder``, sorted; with ``only``, those whose topic (``bench_<topic>.py``) is named."""
    scripts = sorted(folder.glob("bench_*.py"))
    if only:
        unknown = sorted(set(only) - {s.stem[len("bench_"):] for s in scripts})
        if unknown:
            raise SystemExit(f"run_all: no benchmark {unknown} in {folder}; "
                             f"have {[s.stem[len('bench_'):] for s in scripts]}")
        scripts = [s for s in scripts if s.stem[len("bench_"):] in only]
    return scripts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="TOPIC", help="run only bench_<TOPIC>.py (several allowed)")
    parser.add_argument("--dir", type=Path, default=HERE, help=argparse.SUPPRESS)  # for the runner's own test
    parser.add_argument("--dry-run", action="store_true", help="list the benchmarks that would run, run none")
    args = parser.parse_args(argv)
    scripts = select(args.dir, args.only)
    if args.dry_run:
        print("\n".join(str(s.relative_to(args.dir.parent)) if s.is_relative_to(args.dir.parent) else str(s)
                        for s in scripts))
        return 0
    missed: list[tuple[str, str]] = []
    crashed: list[tuple[str, int]] = []
    for script in scripts:
        print(f"=== {script.name}", flush=True)
        code, lines, seconds = run_one(script)
        found = misses_in(lines)
        missed += [(script.name, line) for line in found]
        if code != 0 and not found:
            crashed.append((script.name, code))
        print(f"=== {script.name}: exit {code}, {len(found)} missed, {seconds:.0f} s\n", flush=True)
    print(f"=== summary: {len(scripts)} benchmarks, {len(missed)} missed targets, {len(crashed)} crashed")
    for name, line in missed:
        print(f"MISSED  {name}: {line.strip()}")
    for name, code in crashed:
        print(f"FAILED  {name}: exit code {code} (see its output above)")
    return 1 if missed or crashed else 0


if __name__ == "__main__":
    sys.exit(main())
