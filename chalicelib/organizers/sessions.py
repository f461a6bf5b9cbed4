"""Organizer session tokens: short-lived JWTs (HS256, PyJWT) carrying the role, the unit
and the account's version; imported on first use."""

from __future__ import annotations

from typing import Any

ALGORITHM = "HS256"
ISSUER = "songcong-contest"
AUDIENCE = "organizer-console"


def issue(
    secret: str, *, username: str, role: str, unit_id: str | None, version: int, now_ms: int, ttl_s: int
) -> str:
    import jwt

    now_s = now_ms // 1000
    claims = {
        "sub": username,
        "role": role,
        "unit": unit_id,
        "ver": version,
        "iat": now_s,
        "exp": now_s + ttl_s,
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read(secret: str, token: str, now_ms: int) -> dict[str, Any] | None:
    """The claims of a valid, unexpired token (by the injected clock), or None."""
    import jwt

    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"verify_exp": False, "require": ["sub", "ver", "exp", "iat"]},
        )
    except jwt.PyJWTError:
        return None
    exp, version = claims.get("exp"), claims.get("ver")
    if not isinstance(exp, int) or not isinstance(version, int) or exp * 1000 <= now_ms:
        return None
    if not isinstance(claims.get("sub"), str):
        return None
    return claims
