"""What each dependency adds to a Lambda cold start: import times, each in a fresh process.

Each line imports one module alone in a new interpreter (so shared dependencies such as
botocore are counted in each line that needs them), then ``app`` imports everything the
Lambda loads. Median of ``--runs`` runs, after one warm-up run that fills the bytecode
cache as a deployed package has it.

Usage: .venv/bin/python benchmarks/cold_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = (
    ("chalice", "Chalice framework"),
    ("botocore.session", "botocore (AWS SDK core, in the Lambda runtime)"),
    ("pynamodb.models", "PynamoDB (includes botocore)"),
    ("aws_lambda_powertools.logging", "Powertools Logger"),
    ("chalicelib.domain.ranking", "our pure rules (ranking)"),
    ("app", "app.py: everything the Lambda imports"),
)
PROBE = "import time, importlib; t = time.perf_counter(); importlib.import_module({!r}); print(time.perf_counter() - t)"


def import_seconds(module: str) -> float:
    env = {**os.environ, "AWS_DEFAULT_REGION": "ap-southeast-1"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(module)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(result.stderr[-2000:])
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    print(f"median import time over {runs} fresh processes")
    for module, label in MODULES:
        import_seconds(module)
        median = statistics.median(import_seconds(module) for _ in range(runs))
        print(f"  {module:<32} {median * 1000:7.1f} ms  {label}")


if __name__ == "__main__":
    main()
