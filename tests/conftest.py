"""Test-wide environment: fake AWS credentials and no real endpoint, set before any
chalicelib module reads its settings. Stack fixtures live in tests/integration and
tests/e2e."""

import os

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
    }
)
