"""What each Excel export shows, as ``files.Sheet`` objects built from plain data: Vietnamese
headers, column widths and values, nothing of HTTP or DynamoDB (so each is tested on its own)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from chalicelib.domain import identity
from chalicelib.domain.ranking import COUNT_CRITERIA, RankedEntry
from chalicelib.files import Sheet, vietnam_time

CRITERION_NAMES = {
    "participations": "Lượt dự thi",
    "participants": "Số người dự thi",
    "average_best_score": "Điểm bình quân",
    "prizes_won": "Giải cá nhân đạt được",
}
GENDER_NAMES = {"male": "Nam", "female": "Nữ"}


def national_id_shown(national_id: str | None, full: bool) -> str:
    """The CCCD in full for the committee (role admin), masked for everyone else."""
    if not national_id:
        return ""
    return national_id if full else identity.mask_national_id(national_id)


def ranking_sheet(
    entries: Iterable[RankedEntry],
    people: Mapping[str, object],
    unit_names: Mapping[str, str],
    prize_names: Mapping[str, str],
    *,
    full_national_id: bool,
) -> Sheet:
    """A round's individual ranking, each person's best attempt in order; ``people`` maps a
    participant id to its registration (full name, workplace, phone, CCCD)."""

    def rows():
        for entry in entries:
            person = people.get(entry.participant_id)
            note = (
                "Không được xét giải" if entry.excluded else ("Làm bài quá nhanh" if entry.too_fast else "")
            )
            yield [
                entry.rank,
                prize_names.get(entry.prize, entry.prize) if entry.prize else "",
                entry.amount or None,
                getattr(person, "full_name", ""),
                unit_names.get(entry.unit_id, entry.unit_id),
                getattr(person, "workplace", ""),
                getattr(person, "phone", ""),
                national_id_shown(getattr(person, "national_id", None), full_national_id),
                entry.correct,
                entry.total,
                entry.prediction,
                entry.prediction_error,
                round(entry.duration_ms / 1000, 1),
                vietnam_time(entry.submitted_at),
                note,
            ]

    return Sheet(
        "Xếp hạng cá nhân",
        [
            "Hạng",
            "Giải",
            "Tiền thưởng (đồng)",
            "Họ và tên",
            "Phường, xã",
            "Nơi công tác",
            "Điện thoại",
            "Số CCCD",
            "Số câu đúng",
            "Số câu",
            "Dự đoán",
            "Sai số dự đoán",
            "Thời gian làm bài (giây)",
            "Nộp bài lúc",
            "Ghi chú",
        ],
        rows(),
        [7, 18, 12, 28, 22, 30, 13, 15, 8, 7, 10, 10, 12, 17, 22],
    )


def collective_sheet(
    entries: Sequence[Mapping],
    criteria: Sequence[str],
    populations: Mapping[str, int] | None,
    unit_names: Mapping[str, str],
    prize_names: Mapping[str, str],
) -> Sheet:
    """The collective ranking as stored with the round's ranking, one column per criterion in
    the contest's order (a rate per 1,000 inhabitants for counts when populations are set)."""
    criterion_headers = [
        CRITERION_NAMES.get(c, c) + (" /1.000 dân" if populations and c in COUNT_CRITERIA else "")
        for c in criteria
    ]

    def value(entry: Mapping, criterion: str) -> float:
        raw = {
            "participations": entry["attempts"],
            "participants": entry["participants"],
            "average_best_score": entry["average_score"],
            "prizes_won": entry["prizes_won"],
        }[criterion]
        if populations and criterion in COUNT_CRITERIA and populations.get(entry["unit_id"]):
            return round(raw * 1000 / populations[entry["unit_id"]], 2)
        return raw

    rows = [
        [
            entry["rank"],
            unit_names.get(entry["unit_id"], entry["unit_id"]),
            prize_names.get(entry["prize"], entry["prize"]) if entry.get("prize") else "",
            entry.get("amount") or None,
            *(value(entry, c) for c in criteria),
            entry["attempts"],
            entry["participants"],
            entry["average_score"],
            entry["prizes_won"],
        ]
        for entry in entries
    ]
    return Sheet(
        "Xếp hạng tập thể",
        [
            "Hạng",
            "Phường, xã",
            "Giải",
            "Tiền thưởng (đồng)",
            *(f"Tiêu chí {i}: {h}" for i, h in enumerate(criterion_headers, start=1)),
            "Lượt dự thi",
            "Số người dự thi",
            "Điểm bình quân",
            "Giải cá nhân",
        ],
        rows,
        [7, 24, 18, 12, *([16] * len(criteria)), 11, 11, 11, 10],
    )


def units_sheet(
    counters: Mapping[str, object], contest_people: Mapping[str, int], unit_names: Mapping[str, str]
) -> Sheet:
    """Per-unit statistics of a round (the stream handler's counters)."""
    rows = []
    for unit_id, name in unit_names.items():
        c = counters.get(unit_id)
        attempts = getattr(c, "attempts", 0)
        people = getattr(c, "participants", 0)
        best_sum = getattr(c, "best_sum", 0)
        rows.append(
            [
                name,
                attempts,
                people,
                round(best_sum / people, 2) if people else None,
                contest_people.get(unit_id, 0),
            ]
        )
    return Sheet(
        "Thống kê theo đơn vị",
        [
            "Phường, xã",
            "Lượt dự thi",
            "Số người dự thi",
            "Điểm cao nhất bình quân",
            "Số người dự thi cả cuộc thi",
        ],
        rows,
        [24, 12, 14, 14, 16],
    )


def participants_sheet(records: Iterable[object], unit_name: str, *, full_national_id: bool) -> Sheet:
    """Everyone registered in one unit, in order of registration."""
    rows = (
        [
            index,
            r.full_name,
            r.date_of_birth,
            GENDER_NAMES.get(r.gender, r.gender),
            national_id_shown(r.national_id, full_national_id),
            r.phone,
            r.workplace,
            unit_name,
            vietnam_time(r.created_at),
        ]
        for index, r in enumerate(records, start=1)
    )
    return Sheet(
        "Người dự thi",
        [
            "STT",
            "Họ và tên",
            "Ngày sinh",
            "Giới tính",
            "Số CCCD",
            "Điện thoại",
            "Nơi công tác",
            "Phường, xã",
            "Đăng ký lúc",
        ],
        rows,
        [6, 28, 12, 9, 15, 13, 30, 22, 17],
    )


def participation_sheets(report: Mapping, unit_name: str, period: str) -> list[Sheet]:
    """The participation report: one row per organization (and the unmatched registrations),
    then the people not yet taken part."""
    names = {o["roster_id"]: o["name"] for o in report["organizations"]}
    organizations = [
        [o["name"], o["on_roster"], o["registered"], o["took_part"], o["share"]]
        for o in report["organizations"]
    ]
    organizations.append(
        ["Đăng ký nhưng không có trong danh sách nào", None, report["unmatched_participants"], None, None]
    )
    missing = [
        [
            names.get(p["roster_id"], p["roster_id"]),
            p["full_name"],
            p["department"],
            p["national_id_masked"],
            p["phone"],
            "Đã đăng ký, chưa làm bài" if p.get("registered") else "Chưa đăng ký",
        ]
        for p in report["not_taken_part"]
    ]
    title = f"{unit_name} – {period}"
    return [
        Sheet(
            "Tỷ lệ tham gia",
            [
                f"Cơ quan, đơn vị ({title})",
                "Số người trong danh sách",
                "Đã đăng ký",
                "Đã dự thi",
                "Tỷ lệ dự thi (%)",
            ],
            organizations,
            [44, 14, 12, 12, 14],
        ),
        Sheet(
            "Chưa dự thi",
            ["Cơ quan, đơn vị", "Họ và tên", "Phòng, bộ phận", "Số CCCD", "Điện thoại", "Tình trạng"],
            missing,
            [34, 28, 22, 15, 13, 24],
        ),
    ]


def audit_sheet(events: Iterable[Mapping]) -> Sheet:
    """The audit log, newest first, details as JSON text."""
    rows = (
        [
            vietnam_time(e["at"]),
            e["actor"],
            e.get("role") or "",
            e["action"],
            e.get("target") or "",
            json.dumps(e.get("details") or {}, ensure_ascii=False, sort_keys=True),
        ]
        for e in events
    )
    return Sheet(
        "Nhật ký",
        ["Thời điểm", "Người thực hiện", "Vai trò", "Thao tác", "Đối tượng", "Chi tiết"],
        rows,
        [17, 18, 14, 24, 24, 60],
    )
