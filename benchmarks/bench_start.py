"""Start-up: `python -c pass`, `kinerja --version` and `kinerja evaluate` of the 200-record national
sample, each in a fresh process, CPU time (user + system, the noise of a shared machine falls on
wall time) and wall time, best of --repeat, interleaved. With --against REV the same commands run
on that git revision too (its files laid out as the package installs them, in a temporary
folder, first on sys.path), interleaved with this checkout's.

    python benchmarks/bench_start.py [--repeat 15] [--against HEAD~3]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
SAMPLE = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.sample.csv"
RUN = "import sys; sys.argv[0] = 'kinerja'; from kinerja.cli.main import main; main()"


def lay_out(rev: str, into: Path) -> Path:
    """The revision's engine/, cli/, schemas/ and policies/ as the package `kinerja` (links, as
    .ci/typecheck makes them)."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "engine", "cli", "schemas", "policies"],
                          capture_output=True, check=True).stdout
    src = into / "src"
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(src, filter="data")
    pkg = into / "tree" / "kinerja"
    pkg.mkdir(parents=True)
    for entry in (src / "engine").iterdir():
        (pkg / entry.name).symlink_to(entry)
    for name in ("cli", "schemas", "policies"):
        (pkg / name).symlink_to(src / name)
    return into / "tree"


def timed(cmd: list[str], env: dict) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--against", help="a git revision to compare with (e.g. main)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "s.jsonl")
        trees = {"this checkout": None}
        if args.against:
            trees[args.against] = lay_out(args.against, Path(tmp))
        cmds: dict[str, tuple[list[str], dict]] = {"python -c pass": ([sys.executable, "-c", "pass"], dict(os.environ))}
        for label, tree in trees.items():
            env = dict(os.environ)
            if tree is not None:
                env["PYTHONPATH"] = str(tree)
            for name, argv in (("--version", ["--version"]),
                               ("evaluate 200", ["evaluate", str(NATIONAL), str(SAMPLE), "-o", out, "--jobs", "1"])):
                cmds[f"{name} ({label})"] = ([sys.executable, "-c", RUN.replace("main()", f"main({argv!r})")], env)
        best: dict[str, tuple[float, float]] = {}
        for _ in range(args.repeat):
            for name, (cmd, env) in cmds.items():
                cpu, wall = timed(cmd, env)
                old = best.get(name, (1e9, 1e9))
                best[name] = (min(old[0], cpu), min(old[1], wall))
    base_cpu, base_wall = best["python -c pass"]
    print(f"start-up, best of {args.repeat} (CPU = user + system of the process):")
    for name, (cpu, wall) in best.items():
        print(f"  {name:36s} CPU {cpu * 1000:5.0f} ms ({cpu / base_cpu:4.1f}x)  wall {wall * 1000:5.0f} ms "
              f"({wall / base_wall:4.1f}x python -c pass)")


if __name__ == "__main__":
    main()
