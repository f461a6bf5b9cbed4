"""Limits on fake accounts and guessing, shared by every Lambda through DynamoDB.

Per client (a keyed hash of the source address, never the address itself) and window:
sign-ins and registrations; per registration: wrong phones at sign-in (the lock lives on
the participant item, read anyway); per registration: a solved proof-of-work challenge
(ALTCHA) whose cost grows with the client's registrations in the window.
"""

from __future__ import annotations

from chalicelib.catalog import ContestSnapshot
from chalicelib.clock import Clock
from chalicelib.data.repository import Repository
from chalicelib.domain import integrity, tokens
from chalicelib.errors import ContestError
from chalicelib.integrity import pow
from chalicelib.settings import Settings

# What is kept for the committee's review (registration counters) outlives the contest by
# this much, then expires.
REVIEW_KEEP_SECONDS = 30 * 86400


class Guard:
    def __init__(self, *, repository: Repository, clock: Clock, settings: Settings) -> None:
        self._repository = repository
        self._clock = clock
        self._settings = settings
        self._limits = settings.limits
        self._challenge_key = tokens.keyed_hash(settings.token_secret, "altcha", "hmac-key", 64)

    def client_key(self, source_ip: str | None) -> str:
        return tokens.keyed_hash(self._settings.token_secret, "client", source_ip or "unknown")

    # --- per-client counters ------------------------------------------------------------

    def _window(self) -> int:
        return self._clock.now_ms() // 1000 // self._limits.window_seconds

    def registration_window_key(self, client: str) -> str:
        return f"RL#register#{client}#{self._window()}"

    def count_signin(self, client: str) -> None:
        """Count a sign-in try of this client; 429 beyond the window's limit."""
        if not self._settings.rate_limits:
            return
        window_end = (self._window() + 1) * self._limits.window_seconds
        count = self._repository.hit(f"RL#signin#{client}#{self._window()}", window_end + 60)
        if count > self._limits.client_signins:
            raise ContestError("TOO_MANY_ATTEMPTS", 429)

    def count_registration(self, client: str, snapshot: ContestSnapshot) -> None:
        """Count a registration try of this client; 429 beyond the window's limit. The
        counter is kept until after the contest: the committee's review reads it."""
        if not self._settings.rate_limits:
            return
        keep_until = snapshot.contest_ends_at // 1000 + REVIEW_KEEP_SECONDS
        count = self._repository.hit(self.registration_window_key(client), keep_until)
        if count > self._limits.client_registrations:
            raise ContestError("TOO_MANY_ATTEMPTS", 429)

    def remember_registration(
        self, member_id: str, client: str, phone: str, snapshot: ContestSnapshot
    ) -> None:
        """After a registration: which window it came from and one more account on its
        phone, for the review flags (kept for the contest's duration only)."""
        keep_until = snapshot.contest_ends_at // 1000 + REVIEW_KEEP_SECONDS
        self._repository.put_value(f"REGFROM#{member_id}", self.registration_window_key(client), keep_until)
        self._repository.hit(self.phone_key(phone), keep_until)

    def phone_key(self, phone: str) -> str:
        return "PHONE#" + tokens.keyed_hash(self._settings.token_secret, "phone", phone)

    # --- sign-in lock -------------------------------------------------------------------

    def refuse_if_locked(self, locked_until_ms: int | None) -> None:
        if self._settings.rate_limits and integrity.signin_locked(locked_until_ms, self._clock.now_ms()):
            raise ContestError("TOO_MANY_ATTEMPTS", 429)

    def record_wrong_phone(self, registration_id: str) -> bool:
        """Count a wrong phone; True when this one locked the registration."""
        if not self._settings.rate_limits:
            return False
        lock_until = self._clock.now_ms() + self._limits.signin_lock_seconds * 1000
        return self._repository.record_signin_failure(
            registration_id, self._limits.signin_failures, lock_until
        )

    # --- proof of work ------------------------------------------------------------------

    def issue_challenge(self, client: str) -> dict:
        """A challenge whose cost rises with this client's registrations in the window."""
        registrations = self._repository.count(self.registration_window_key(client))
        max_number = integrity.challenge_max_number(
            self._limits.challenge_max_number,
            registrations,
            self._limits.challenge_step_registrations,
            self._limits.challenge_max_factor,
        )
        return pow.issue_challenge(
            hmac_key=self._challenge_key,
            max_number=max_number,
            now_s=self._clock.now_ms() // 1000,
            ttl_s=self._limits.challenge_ttl_seconds,
        )

    def solved_challenge(self, payload: object) -> str | None:
        """The replay key of a valid solution (not yet spent), or None when the challenge is
        off; 400 ``CHALLENGE_REQUIRED`` when the solution is missing, wrong or expired."""
        if not self._settings.registration_challenge:
            return None
        solved = pow.verify_solution(
            payload, hmac_key=self._challenge_key, now_s=self._clock.now_ms() // 1000
        )
        if solved is None:
            raise ContestError("CHALLENGE_REQUIRED", 400, field="altcha")
        return "ALTCHA#" + solved

    def spend_challenge(self, replay_key: str | None) -> None:
        """A solution registers once: a replayed one is refused like a missing one."""
        if replay_key is None:
            return
        expires = self._clock.now_ms() // 1000 + self._limits.challenge_ttl_seconds + 60
        if not self._repository.claim_once(replay_key, expires):
            raise ContestError("CHALLENGE_REQUIRED", 400, field="altcha")
