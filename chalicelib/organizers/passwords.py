"""Password hashes: argon2id through argon2-cffi, imported on first use (the participant
path never pays for it)."""

from __future__ import annotations

from functools import cache

MIN_LENGTH = 10
MAX_LENGTH = 200


@cache
def _hasher():
    from argon2 import PasswordHasher

    # The library's defaults (RFC 9106 low-memory profile: argon2id, t=3, m=64 MiB, p=4).
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's: rehash at login."""
    return _hasher().check_needs_rehash(stored_hash)


@cache
def _dummy_hash() -> str:
    return hash_password("not-a-password-of-anyone")


def spend_equal_time(password: str) -> None:
    """Verify against a throwaway hash: a login for an unknown name takes as long as one
    for a known name, so timing does not tell which names exist."""
    verify_password(_dummy_hash(), password)
