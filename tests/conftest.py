"""Test-wide environment: fake AWS credentials and no real endpoint, set before any
chalicelib module reads its settings. Stack fixtures live in tests/integration and
tests/e2e."""

import os

from hypothesis import settings

for _name in ("DYNAMODB_ENDPOINT", "AWS_PROFILE"):
    os.environ.pop(_name, None)
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "AWS_REGION": "ap-southeast-1",
        "STAGE": "test",
        "TABLE_PREFIX": "songcong-test",
        # A proof of work a test solves in milliseconds; the limits themselves stay on.
        "LIMIT_CHALLENGE_MAX_NUMBER": "500",
    }
)

# `make test` is a gate: the same hypothesis examples on every run, so CI fails only when the
# code changes. `make fuzz` (HYPOTHESIS_PROFILE=explore) draws new ones to find new bugs.
settings.register_profile("gate", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gate"))
