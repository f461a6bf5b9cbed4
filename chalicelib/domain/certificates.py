"""Prize certificates as pure rules: who gets one from a published results snapshot, and the
verification code printed on it.

The code is a keyed hash of (round, kind, winner, the snapshot's sha256): it needs no table,
it is the same every time the certificate is printed, it changes if the results it states
could change, and nobody without the secret can make one up. 12 Crockford base32 characters
(60 bits), printed as ``XXXX-XXXX-XXXX``; a code typed with ``O`` for ``0`` or ``I``/``L``
for ``1``, in lower case or without dashes, is still found.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U
CODE_LENGTH = 12
_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.]+")
INDIVIDUAL = "individual"
COLLECTIVE = "collective"
_ADMINISTRATIVE_PREFIX = re.compile(
    r"^(?:ủy ban nhân dân|uỷ ban nhân dân|ubnd)\s+(?:thành phố|thị xã|quận|huyện|phường|xã|thị trấn|tỉnh)\s+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Certificate:
    """What one certificate states. ``winner_id`` is the participant id (individual) or the
    unit id (collective): it enters the code, never the printed page."""

    code: str
    kind: str
    round_id: str
    round_name: str
    winner_id: str
    name: str
    unit_id: str
    unit_name: str
    prize: str
    prize_name: str
    rank: int
    sha256: str
    published_at: str


def certificate_code(secret: str, round_id: str, kind: str, winner_id: str, sha256: str) -> str:
    """The verification code, formatted ``XXXX-XXXX-XXXX``."""
    message = f"certificate:{round_id}:{kind}:{winner_id}:{sha256}".encode()
    number = int.from_bytes(hmac.new(secret.encode(), message, hashlib.sha256).digest()[:8], "big")
    number >>= 64 - 5 * CODE_LENGTH
    digits = "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(CODE_LENGTH)))
    return "-".join(digits[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(text: str) -> str | None:
    """The code as printed, from what someone typed or scanned; None when it cannot be one."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    compact = _SEPARATORS.sub("", text).upper().translate(_TYPOS)
    if len(compact) != CODE_LENGTH or any(c not in ALPHABET for c in compact):
        return None
    return "-".join(compact[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def place_of(organizer: str) -> str:
    """The place in the date line (``Sông Công, ngày …``) from the organizer's name
    (``Ủy ban nhân dân thành phố Sông Công``)."""
    return _ADMINISTRATIVE_PREFIX.sub("", organizer.strip()) or organizer.strip()


def certificates_of(
    results: dict,
    winner_ids: list[str],
    full_names: dict[str, str],
    contest: dict,
    *,
    round_name: str,
    secret: str,
) -> list[Certificate]:
    """The certificates a published snapshot gives: one per individual prize winner (in the
    snapshot's order, ``winner_ids[i]`` being the person of ``results["individual"][i]``),
    then, once the collective ranking is final (the last round), one per winning unit.

    ``full_names`` maps a winner id to the name registered (the snapshot's name is the
    fallback, for a registration since given back to its owner)."""
    units = {u["id"]: u["name"] for u in contest["units"]}
    prize_names = {
        kind: {p["prize"]: p["name"] for p in contest["prizes"][kind]} for kind in (INDIVIDUAL, COLLECTIVE)
    }
    round_id, sha256 = results["round_id"], results["sha256"]
    published_at = results.get("published_at") or ""
    found = []
    for entry, winner_id in zip(results["individual"], winner_ids, strict=True):
        if entry.get("prize") is None:
            continue
        found.append(
            Certificate(
                code=certificate_code(secret, round_id, INDIVIDUAL, winner_id, sha256),
                kind=INDIVIDUAL,
                round_id=round_id,
                round_name=round_name,
                winner_id=winner_id,
                name=full_names.get(winner_id) or entry.get("full_name") or "",
                unit_id=entry["unit_id"],
                unit_name=units.get(entry["unit_id"], entry["unit_id"]),
                prize=entry["prize"],
                prize_name=prize_names[INDIVIDUAL].get(entry["prize"], entry["prize"]),
                rank=int(entry["rank"]),
                sha256=sha256,
                published_at=published_at,
            )
        )
    if results.get("collective_final"):
        for unit in results["collective"]:
            if unit.get("prize") is None:
                continue
            name = units.get(unit["unit_id"], unit["unit_id"])
            found.append(
                Certificate(
                    code=certificate_code(secret, round_id, COLLECTIVE, unit["unit_id"], sha256),
                    kind=COLLECTIVE,
                    round_id=round_id,
                    round_name=round_name,
                    winner_id=unit["unit_id"],
                    name=name,
                    unit_id=unit["unit_id"],
                    unit_name=name,
                    prize=unit["prize"],
                    prize_name=prize_names[COLLECTIVE].get(unit["prize"], unit["prize"]),
                    rank=int(unit["rank"]),
                    sha256=sha256,
                    published_at=published_at,
                )
            )
    return found
