"""Phone ownership, where the contest pays for it (``rules.phone_verification``): a 6-digit
code sent by SMS, valid 10 minutes, 5 tries, at most 3 sends per phone an hour.

The code is stored only as a keyed hash. The sender is an interface: AWS End User
Messaging SMS in production (which never logs the text), a file locally.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Protocol

from chalicelib.clock import Clock
from chalicelib.data.repository import Repository
from chalicelib.domain import timing, tokens
from chalicelib.errors import ContestError
from chalicelib.settings import Settings

CODE_DIGITS = 6
# Without diacritics: GSM-7 fits 160 characters in one SMS, Unicode only 70.
MESSAGE = "Ma xac minh dang ky cuoc thi CCHC Song Cong: {code}. Ma co hieu luc {minutes} phut."


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Deliver ``text`` to ``phone`` (E.164 or 0… national form)."""
        ...


class FileSmsSender:
    """The local stack's SMS: one line a message in a file (``make run`` says where)."""

    def __init__(self, path: str) -> None:
        self._path = Path(path)

    def send(self, phone: str, text: str) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._path.open("a", encoding="utf-8") as log:
            log.write(f"{phone}\t{text}\n")


class AwsSmsSender:
    """AWS End User Messaging SMS (``pinpoint-sms-voice-v2``); the client is built on the
    first code sent, so no cold start pays for it."""

    def __init__(self, region: str, origination_identity: str | None) -> None:
        self._region = region
        self._origination = origination_identity
        self._client = None

    def send(self, phone: str, text: str) -> None:
        if self._client is None:
            import boto3

            self._client = boto3.client("pinpoint-sms-voice-v2", region_name=self._region)
        request = {
            "DestinationPhoneNumber": _e164(phone),
            "MessageBody": text,
            "MessageType": "TRANSACTIONAL",
        }
        if self._origination:
            request["OriginationIdentity"] = self._origination
        self._client.send_text_message(**request)


def _e164(phone: str) -> str:
    return "+84" + phone[1:] if phone.startswith("0") else phone


def sender_for(settings: Settings) -> SmsSender:
    if settings.sms_log_path:
        return FileSmsSender(settings.sms_log_path)
    return AwsSmsSender(settings.region, settings.sms_origination_identity)


class PhoneCodes:
    def __init__(
        self, *, repository: Repository, clock: Clock, settings: Settings, sender: SmsSender
    ) -> None:
        self._repository = repository
        self._clock = clock
        self._secret = settings.token_secret
        self._limits = settings.limits
        self._sender = sender

    def _key(self, phone: str) -> str:
        return "CODE#" + tokens.keyed_hash(self._secret, "phone-code", phone)

    def _hash(self, phone: str, code: str) -> str:
        return tokens.keyed_hash(self._secret, "phone-code-value", f"{phone}:{code}", 32)

    def send(self, phone: str) -> dict:
        """Send a new code (the previous one stops working); 429 after 3 sends an hour."""
        now = self._clock.now_ms()
        hour = now // 3_600_000
        sends = self._repository.hit(
            "CODESENT#" + tokens.keyed_hash(self._secret, "phone-code", phone) + f"#{hour}",
            (hour + 2) * 3600,
        )
        if sends > self._limits.phone_code_sends_per_hour:
            raise ContestError("TOO_MANY_ATTEMPTS", 429, field="phone")
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        valid_until = now + self._limits.phone_code_ttl_seconds * 1000
        self._repository.start_code(
            self._key(phone), self._hash(phone, code), valid_until, valid_until // 1000 + 60
        )
        minutes = self._limits.phone_code_ttl_seconds // 60
        self._sender.send(phone, MESSAGE.format(code=code, minutes=minutes))
        return {"sent": True, "expires_at": timing.to_iso(valid_until)}

    def check(self, phone: str, code: object) -> str:
        """Verify a code without using it up; returns its hash for :meth:`spend`. A wrong
        code spends a try; an expired one, or one with no try left, is refused."""
        if not isinstance(code, str) or len(code) != CODE_DIGITS or not code.isdigit():
            raise ContestError("PHONE_CODE_REQUIRED", 400, field="phone_code")
        stored = self._repository.get_code(self._key(phone))
        if stored is None:
            raise ContestError("PHONE_CODE_INVALID", 400, field="phone_code")
        code_hash, tries, valid_until = stored
        if self._clock.now_ms() > valid_until or tries >= self._limits.phone_code_tries:
            raise ContestError("PHONE_CODE_INVALID", 400, field="phone_code")
        if not hmac.compare_digest(code_hash, self._hash(phone, code)):
            self._repository.use_code_try(self._key(phone), code_hash, self._limits.phone_code_tries)
            raise ContestError("PHONE_CODE_INVALID", 400, field="phone_code")
        return code_hash

    def spend(self, phone: str, code_hash: str) -> None:
        """A code registers one person: a second use is refused."""
        if not self._repository.spend_code(self._key(phone), code_hash):
            raise ContestError("PHONE_CODE_INVALID", 400, field="phone_code")
