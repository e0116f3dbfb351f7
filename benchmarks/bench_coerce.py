"""Per-record cost of coercion on national records, in microseconds: the coercion written out
per policy (`Coercer.coerce`, engine/records/coerce_code.py) against the generic path it must
equal (`Coercer.coerce_generic`: every field through `_field`, then the conditions).

Both run over the same records, interleaved, best of --repeat, CPU time; the script first checks
that both give the same values and problems for every record.

    python benchmarks/bench_coerce.py [--records 100000] [--repeat 5]
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
from kinerja.records.coerce import Coercer  # noqa: E402
from kinerja.records.read import read_records  # noqa: E402

NATIONAL = HERE.parent / "policies" / "nasional" / "permenpanrb-6-2022.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    policy = load_policy(str(NATIONAL))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "pegawai.csv"
        generate(src, args.records)
        records = [(s.data, s.cells, s.decimal_comma) for s in read_records(str(src))]
    coercer = Coercer(policy.fields)
    params = policy.params
    for raw, cells, comma in records:
        a, b = coercer.coerce(raw, params, cells, comma), coercer.coerce_generic(raw, params, cells, comma)
        assert repr(list(a[0].items())) == repr(list(b[0].items())), raw
        assert [p.as_dict() for p in a[1]] == [p.as_dict() for p in b[1]], raw

    def written() -> None:
        for raw, cells, comma in records:
            coercer.coerce(raw, params, cells, comma)

    def generic() -> None:
        for raw, cells, comma in records:
            coercer.coerce_generic(raw, params, cells, comma)

    gc.freeze()
    best = {"generic": float("inf"), "written": float("inf")}
    for _ in range(args.repeat):
        for name, fn in (("generic", generic), ("written", written)):
            t0 = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - t0)
    n = len(records)
    print(f"{n:,} national records, CPU µs per record (best of {args.repeat}, interleaved):")
    for name, seconds in best.items():
        print(f"  {name:8s} {seconds / n * 1e6:6.2f}")
    print(f"  written ÷ generic {best['written'] / best['generic']:.2f}")


if __name__ == "__main__":
    main()
