"""Valid registrations for tests (CCCD digits agree with birth year and gender)."""

from __future__ import annotations

import itertools

_serial = itertools.count(100000)


def registration(**overrides) -> dict:
    """A valid registration of a man born in 1985 in Thái Nguyên (province 019)."""
    body = {
        "national_id": f"019085{next(_serial):06d}",
        "full_name": "Nguyễn Văn An",
        "date_of_birth": "1985-05-10",
        "gender": "male",
        "phone": "0912345678",
        "unit_id": "bach-quang",
        "workplace": "UBND phường Bách Quang",
        "consent": True,
    }
    body.update(overrides)
    return body
