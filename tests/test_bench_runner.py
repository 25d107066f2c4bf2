"""``make bench``'s runner: runs every benchmark, lists every miss and crash at the end, exits 1 if any."""

import subprocess
import sys
from pathlib import Path

RUNNER = Path(__file__).resolve().parents[1] / "benchmarks" / "run_all.py"

BENCHES = {
    "bench_a.py": "print('a  1.0 s  < 2 s  ok')",
    "bench_b.py": "print('b  3.0 s  < 2 s  MISSED')\nprint('target: ratio >= 0.9 -> NOT met')",
    "bench_c.py": "raise SystemExit(3)",
    "bench_d.py": "import sys\nprint('d   9.000  <= 2x pandas    NO   slow')\nsys.exit(1)",
}


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(RUNNER), "--dir", str(folder), *args], capture_output=True, text=True)


def test_every_benchmark_runs_and_every_miss_is_listed_at_the_end(tmp_path):
    for name, code in BENCHES.items():
        (tmp_path / name).write_text(code + "\n")
    out = _run(tmp_path)
    assert out.returncode == 1
    summary = out.stdout[out.stdout.index("=== summary"):].splitlines()
    assert summary[0] == "=== summary: 4 benchmarks, 3 missed targets, 1 crashed"
    assert summary[1:] == ["MISSED  bench_b.py: b  3.0 s  < 2 s  MISSED",
                           "MISSED  bench_b.py: target: ratio >= 0.9 -> NOT met",
                           "MISSED  bench_d.py: d   9.000  <= 2x pandas    NO   slow",
                           "FAILED  bench_c.py: exit code 3 (see its output above)"]
    assert out.stdout.index("a  1.0 s") < out.stdout.index("=== summary")  # each benchmark's table is shown


def test_all_met_exits_zero_and_only_and_dry_run_select(tmp_path):
    (tmp_path / "bench_a.py").write_text(BENCHES["bench_a.py"] + "\n")
    (tmp_path / "bench_b.py").write_text(BENCHES["bench_b.py"] + "\n")
    assert _run(tmp_path, "--only", "a").returncode == 0
    listed = _run(tmp_path, "--dry-run")
    assert listed.returncode == 0 and [Path(p).name for p in listed.stdout.split()] == ["bench_a.py", "bench_b.py"]
    bad = _run(tmp_path, "--only", "zzz")
    assert bad.returncode != 0 and "no benchmark ['zzz']" in bad.stderr
