"""Solve an ALTCHA v1 challenge as the page's widget does, for tests and benchmarks that
register people over HTTP (the tests' challenges are cheap: LIMIT_CHALLENGE_MAX_NUMBER)."""

from __future__ import annotations

import base64
import hashlib
import json


def solve(challenge: dict) -> str:
    """The widget's payload (base64 JSON) for a challenge from ``GET /challenge``."""
    salt, target = challenge["salt"], challenge["challenge"]
    for number in range(int(challenge["maxNumber"]) + 1):
        if hashlib.sha256(f"{salt}{number}".encode()).hexdigest() == target:
            solution = {
                "algorithm": challenge["algorithm"],
                "challenge": target,
                "number": number,
                "salt": salt,
                "signature": challenge["signature"],
            }
            return base64.b64encode(json.dumps(solution).encode()).decode()
    raise ValueError("challenge has no solution below maxNumber")
