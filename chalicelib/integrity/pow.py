"""Registration proof of work (ALTCHA), a thin wrapper over the ``altcha`` library.

A script that registers thousands of people must first spend CPU on each one; a person's
phone solves one challenge in about a second while the form is being filled in. The
server keeps no state per challenge: the challenge is HMAC-signed, and the expiry travels
in its salt (covered by the signature), so any Lambda container can verify it.

This uses ALTCHA's v1 challenge format (SHA-256 of salt + a number below ``max_number``):
its cost is bounded by ``max_number``, which the caller scales per client, and the v1
verifier lets us check the expiry against the injected clock instead of the wall clock.
The widget (altcha 3.x) solves v1 challenges and sends the v1 payload back.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
from typing import Any

from altcha import ChallengeOptionsV1, create_challenge_v1, verify_solution_v1

ALGORITHM = "SHA-256"
# A genuine payload is about 400 characters; anything much longer is not worth decoding.
MAX_PAYLOAD_CHARS = 2048
# Salt, challenge and signature are what create_challenge_v1 makes: hex, and the salt's
# query string holding only the expiry (a Unix timestamp) and the splicing delimiter "&".
_HEX64 = re.compile(r"[0-9a-f]{64}")
_SALT = re.compile(r"[0-9a-f]{8,64}\?expires=(?P<expires>[0-9]{1,12})&")


def issue_challenge(*, hmac_key: str, max_number: int, now_s: int, ttl_s: int) -> dict[str, Any]:
    """The JSON object the widget fetches from its challenge URL.

    Shape: ``{"algorithm": "SHA-256", "challenge": <hex>, "maxNumber": <int>,
    "salt": "<hex>?expires=<unix s>&", "signature": <hex>}``. The expiry is ``now_s + ttl_s``
    by the injected clock, so an old solution stops working without any stored state.
    """
    if not hmac_key:
        raise ValueError("hmac_key must not be empty: an unsigned challenge proves nothing")
    if max_number < 1 or ttl_s < 1:
        raise ValueError("max_number and ttl_s must be positive")
    expires = datetime.datetime.fromtimestamp(now_s + ttl_s, tz=datetime.UTC)
    options = ChallengeOptionsV1(
        algorithm=ALGORITHM, max_number=max_number, hmac_key=hmac_key, expires=expires
    )
    return create_challenge_v1(options).to_dict()


_FIELDS = ("algorithm", "challenge", "number", "salt", "signature")


def _decode(payload: object) -> tuple[dict[str, Any], int] | None:
    """The widget's base64 JSON reduced to the v1 fields, each of the expected type and
    form, with the expiry (Unix seconds) its salt carries; None for anything else.

    Checked before the library sees it, so that no input can make it raise or do much work.
    """
    if not isinstance(payload, str) or not payload or len(payload) > MAX_PAYLOAD_CHARS:
        return None
    try:
        data = json.loads(base64.b64decode(payload, validate=True))
    except (ValueError, RecursionError):  # binascii.Error and UnicodeDecodeError included
        return None
    if not isinstance(data, dict):
        return None
    fields = {key: data.get(key) for key in _FIELDS}
    number = fields["number"]
    if fields["algorithm"] != ALGORITHM or type(number) is not int or not 0 <= number < 2**53:
        return None
    if not all(isinstance(fields[key], str) for key in ("challenge", "salt", "signature")):
        return None
    if not (_HEX64.fullmatch(fields["challenge"]) and _HEX64.fullmatch(fields["signature"])):
        return None
    salt = _SALT.fullmatch(fields["salt"])
    if salt is None:
        return None
    return fields, int(salt["expires"])


def verify_solution(payload: object, *, hmac_key: str, now_s: int) -> str | None:
    """The challenge's signature (64 hex characters) when ``payload`` is a correct solution
    of an unexpired challenge this server signed, else None. Never raises.

    The signature names one challenge (salt and number), so the caller can store it once
    to refuse a replay of the same solution until the challenge expires. The expiry is
    checked here against ``now_s`` (the app's clock) and the library is told not to read
    the wall clock. A challenge is valid up to and including its expiry second.
    """
    decoded = _decode(payload)
    if decoded is None or not hmac_key:
        return None
    fields, expires_s = decoded
    if expires_s < now_s:
        return None
    try:
        verified, _error = verify_solution_v1(fields, hmac_key, check_expires=False)
    except (ValueError, TypeError, AttributeError):  # defensive: the input was checked above
        return None
    return fields["signature"] if verified is True else None
