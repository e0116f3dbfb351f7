"""Per-record cost of each step of `kinerja evaluate` on national records, in microseconds.

Each step runs alone over the same records, best of --repeat (the machines here are noisy;
compare figures from one run of this script, not across runs):

  read      CSV text → Source items (engine/records/read.py)
  coerce    raw record → typed values (engine/records/coerce.py Coercer)
  evaluate  typed values → Result: nodes, rules, actions, the result object
  write     Result → a JSONL line (engine/report/results.py JsonlWriter)
  write-csv Result → a CSV row (CsvWriter; not in the total)
  actions   the actions of the rules that fired, built again from each result's values (Rule.action,
            part of evaluate)
  tally     Result → the population checks' tallies (engine/evaluation/population.py), as the CLI adds them
  total     all of the above, as `evaluate` runs them
  run       what each worker of `evaluate --jobs N` runs per record: `evaluate_job` (JSONL rows, the
            population tallies) over `read_range` of the file's byte ranges (as the CLI cuts them),
            the generator layers, the result and the statuses counted included

    python benchmarks/bench_steps.py [--records 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_evaluate import generate  # noqa: E402

from kinerja.cli.common import load_policy  # noqa: E402
from kinerja.evaluation.blocks import BLOCK_BYTES  # noqa: E402
from kinerja.evaluation.evaluator import Evaluator  # noqa: E402
from kinerja.evaluation.parallel import EvaluateJob, PolicyRef, Tallies, evaluate_job  # noqa: E402
from kinerja.records.headers import names_only  # noqa: E402
from kinerja.records.ranges import RangeRead, read_range, split_file  # noqa: E402
from kinerja.records.read import read_records  # noqa: E402
from kinerja.report.results import CsvWriter, JsonlWriter  # noqa: E402

NATIONAL = HERE.parent / "policies" / "nasional" / "permenpanrb-6-2022.yaml"


class Sink:
    def write(self, s: str) -> int:
        return len(s)


def timed(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    policy = load_policy(str(NATIONAL))
    evaluator = Evaluator(policy, keep_env=True)  # as the CLI runs the national policy (population checks)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "pegawai.csv"
        generate(src, args.records)
        sources = list(read_records(str(src)))
        coerced = [evaluator.coercer.coerce(s.data, policy.params, s.cells) for s in sources]
        results = [evaluator.evaluate_coerced(s, dict(v), p) for s, (v, p) in zip(sources, coerced)]
        writer = JsonlWriter(Sink(), evaluator.outputs, evaluator.info)

        def total():
            w = JsonlWriter(Sink(), evaluator.outputs, evaluator.info)
            for r in evaluator.run(read_records(str(src))):
                w.write(r)

        job = EvaluateJob(PolicyRef.of(str(NATIONAL), policy), JsonlWriter, keep_env=True,
                          tallies=Tallies(population=True), encoding="utf-8")

        def run():  # as a worker: each range read, evaluated, tallied and rendered (`read_and_work`)
            split = split_file(str(src), "csv", BLOCK_BYTES, [], names_only(policy.fields))
            assert split is not None
            for index, r in enumerate(split.ranges()):
                evaluate_job(job, read_range(r, RangeRead()), index, policy)

        def each(fn, items):
            def run():
                for item in items:
                    fn(*item)
            return run

        each_result = [(r,) for r in results]
        rules = {rule.id: rule for rule in policy.rules}
        fired = [(rules[a["id"]], r.env) for r in results if r.env is not None for a in r.actions]
        steps = {
            "read": lambda: sum(1 for _ in read_records(str(src))),
            "coerce": each(lambda s: evaluator.coercer.coerce(s.data, policy.params, s.cells), [(s,) for s in sources]),
            "evaluate": each(lambda s, v, p: evaluator.evaluate_coerced(s, dict(v), p),
                             [(s, v, p) for s, (v, p) in zip(sources, coerced)]),
            "write": each(writer.write, each_result),
            "write-csv": each(CsvWriter(Sink(), evaluator.outputs, evaluator.info).write, each_result),
            "actions": each(lambda rule, env: rule.action(env), fired),
            "tally": lambda: each(Tallies(population=True).start(policy)[0].add, each_result)(),  # fresh tallies
            "total": total,
            "run": run,
        }
        gc.freeze()  # the prepared records stay alive: keep them out of every collection
        n = args.records
        print(f"{n:,} national records, CPU µs per record (best of {args.repeat}):")
        for name, fn in steps.items():
            print(f"  {name:9s} {timed(fn, args.repeat) / n * 1e6:6.2f}")


if __name__ == "__main__":
    main()
