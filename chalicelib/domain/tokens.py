"""Signed bearer tokens for participants: stateless, so checking one costs no read."""

from __future__ import annotations

import base64
import hashlib
import hmac


def participant_id_for(secret: str, national_id: str) -> str:
    """A stable id derived from the CCCD: one registration per CCCD is then one
    conditional write on this key, with no index to keep unique."""
    digest = hmac.new(secret.encode(), f"pid:{national_id}".encode(), hashlib.sha256).hexdigest()
    return "p" + digest[:23]


def generation_id(registration_id: str, generation: int) -> str:
    """The participant id of one generation of a registration: a released registration's
    attempts keep the old id, the real person's get a new one (``p…r1``)."""
    return registration_id if generation == 0 else f"{registration_id}r{generation}"


def split_generation(participant_id: str) -> tuple[str, int]:
    """(registration id, generation) of a participant id; the id's hex part has no ``r``."""
    registration_id, _, generation = participant_id.partition("r")
    return registration_id, int(generation) if generation.isdigit() else 0


def keyed_hash(secret: str, purpose: str, value: str, length: int = 20) -> str:
    """A keyed hash for a value we must compare but never keep (a client's address, a
    phone number in a counter's key): not reversible without the secret."""
    return hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:length]


def _sign(secret: str, payload: str) -> str:
    mac = hmac.new(secret.encode(), f"tok:{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode().rstrip("=")


def issue_token(secret: str, participant_id: str, expires_at_ms: int) -> str:
    payload = f"{participant_id}.{expires_at_ms}"
    return f"{payload}.{_sign(secret, payload)}"


def verify_token(secret: str, token: str, now_ms: int) -> str | None:
    """The participant id, or None when the token is malformed, forged or expired."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    participant_id, expires, signature = parts
    if not hmac.compare_digest(_sign(secret, f"{participant_id}.{expires}").encode(), signature.encode()):
        return None
    if int(expires) < now_ms:
        return None
    return participant_id
