"""Pure rules of rosters and the participation report (issue 11)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.participation import (
    Registration,
    Roster,
    RosterPerson,
    check_roster,
    national_id_problem,
    participation_report,
    share_percent,
)
from chalicelib.domain.tokens import generation_id


def _key(national_id: str) -> str:
    return "p" + national_id


def test_rows_keep_the_files_line_numbers_across_empty_lines_and_values_are_cleaned():
    rows = [
        {
            "full_name": "  Nguyễn   Văn An ",
            "national_id": "019 085 100001",
            "phone": "+84 912 345 678",
            "department": "",
        },
        {},
        {"full_name": "Trần Thị Bình", "national_id": "01908510000X", "phone": "", "department": ""},
    ]
    result = check_roster(rows, _key)
    assert [(p.row, p.full_name, p.person_key, p.last4, p.phone) for p in result.people] == [
        (2, "Nguyễn Văn An", "p019085100001", "0001", "0912345678")
    ]
    assert result.view() == {
        "valid": False,
        "people": 1,
        "rows": [{"row": 4, "errors": [{"column": "national_id", "message": "CCCD cần đúng 12 chữ số"}]}],
    }


def test_an_empty_file_or_one_without_the_columns_is_not_valid():
    assert check_roster([], _key).view()["rows"] == [
        {"row": 1, "errors": [{"column": "full_name", "message": "tệp không có người nào"}]}
    ]
    assert not check_roster([{"name": "An"}], _key).valid


def test_invisible_characters_in_a_name_are_refused():
    rows = [{"full_name": "An\u202e", "national_id": "019085100001"}]
    assert check_roster(rows, _key).rows[0].errors == [
        {"column": "full_name", "message": "có ký tự không được phép"}
    ]


def test_national_id_problems():
    assert national_id_problem("019085100001") is None
    assert national_id_problem("999085100001") == "mã tỉnh (3 chữ số đầu) không tồn tại"
    assert national_id_problem("٠١٩٠٨٥١٠٠٠٠١") == "CCCD cần đúng 12 chữ số"  # Arabic-Indic digits


def test_share_is_a_percentage_with_one_decimal_and_zero_for_an_empty_roster():
    assert share_percent(1, 3) == 33.3 and share_percent(2, 3) == 66.7 and share_percent(0, 0) == 0.0


def test_a_released_cccd_counts_only_the_real_persons_attempts():
    person = RosterPerson("pA", "0001", "An", "", "", 2)
    roster = Roster("ubnd", "UBND", (person,))
    # The real person is generation 1: the attempt of generation 0 (someone else) does not count.
    report = participation_report([roster], {"pA": Registration(1, "u")}, {"pA"}, ["pA"])
    assert report["organizations"][0]["took_part"] == 0
    report = participation_report([roster], {"pA": Registration(1, "u")}, {generation_id("pA", 1)}, ["pA"])
    assert report["organizations"][0]["took_part"] == 1 and report["not_taken_part"] == []


people_keys = st.lists(st.sampled_from([f"p{i}" for i in range(12)]), unique=True, max_size=12)


@given(
    rosters=st.lists(people_keys, max_size=3),
    registered=st.sets(st.sampled_from([f"p{i}" for i in range(15)])),
    took=st.sets(st.sampled_from([f"p{i}" for i in range(15)])),
    registrants=st.sets(st.sampled_from([f"p{i}" for i in range(15)])),
)
def test_report_counts_are_consistent(rosters, registered, took, registrants):
    seen: set[str] = set()
    built = []
    for index, keys in enumerate(rosters):
        keys = [k for k in keys if k not in seen]  # one roster per person
        seen.update(keys)
        people = tuple(RosterPerson(k, "0000", k, "", "", row) for row, k in enumerate(keys, start=2))
        built.append(Roster(f"r{index}", f"R{index}", people))
    registrations = {k: Registration(0, "u") for k in registered}
    report = participation_report(built, registrations, took, registrants)
    for organization, roster in zip(report["organizations"], built, strict=True):
        assert 0 <= organization["took_part"] <= organization["registered"] <= organization["on_roster"]
        assert organization["on_roster"] == len(roster.people)
        assert 0 <= organization["share"] <= 100
        missing = [p for p in report["not_taken_part"] if p["roster_id"] == roster.roster_id]
        assert len(missing) == organization["on_roster"] - organization["took_part"]
    assert report["unmatched_participants"] == len(registrants - seen)
