"""Every benchmark, one after the other, each printing our figure, the reference figure
measured in the same run and their ratio:

    python -m bench [--url postgresql+asyncpg://postgres@127.0.0.1:5432/test] [--quick]

Runs bench.upsert (issue 9's bulk upsert), bench.gaps (team, tenant and org-unit heat maps),
bench.cycles (cycle opening and the outbox drain), bench.plans (plan generation),
bench.heatmap (the 100k tenant heat map and the team heat map under load, served by a real
API process) and bench.graphql (GraphQL against REST) at their full sizes; `--quick` runs
each at a tenth of its size or less, a smoke check whose figures are not the targets'. Each
benchmark runs in its own process on its own scratch database, so one's memory and caches do
not colour the next.
Stops at the first benchmark that fails.
"""

import argparse
import os
import subprocess
import sys

from bench.gaps import DEFAULT_URL

SUITE = {
    # module: the arguments of a --quick run
    "upsert": ["--employees", "10000", "--runs", "2"],
    "gaps": ["--employees", "1000", "--runs", "50", "--no-explain"],
    "cycles": ["--employees", "5000", "--runs", "2"],
    "plans": ["--employees", "500", "--runs", "2"],
    "heatmap": ["--employees", "10000", "--runs", "3", "--seconds", "3"],
    "graphql": ["--employees", "2000", "--people", "200", "--runs", "2"],
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("TANDEM_BENCH_DATABASE_URL", DEFAULT_URL),
        help="admin URL; each benchmark creates its scratch database next to it",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke check")
    args = parser.parse_args()
    for name, quick in SUITE.items():
        command = [sys.executable, "-m", f"bench.{name}", "--url", args.url]
        print(f"\n===== python -m bench.{name}", flush=True)
        finished = subprocess.run(command + (quick if args.quick else []), check=False)  # noqa: S603
        if finished.returncode:
            print(f"bench.{name} failed with exit code {finished.returncode}", file=sys.stderr)
            return finished.returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
