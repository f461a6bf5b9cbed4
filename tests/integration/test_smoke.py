"""The local stack serves the seeded contest and guards the admin API."""

from __future__ import annotations

import datetime as dt

from tests.stack import LocalStack

VIETNAM = dt.timezone(dt.timedelta(hours=7))


def test_contest_is_served_from_dynamodb_local_with_its_eleven_units(local_stack: LocalStack) -> None:
    # WHEN
    status, body = local_stack.get("/contest")

    # THEN
    assert status == 200, body
    assert "Sông Công" in str(body)
    assert len(body["units"]) == 11


def test_admin_route_without_token_is_refused_with_401(local_stack: LocalStack) -> None:
    # WHEN
    status, body = local_stack.patch("/admin/rounds/r1", {"opens_at": "2021-12-15T10:00:00+07:00"})

    # THEN
    assert status == 401, body
    assert body["error"]["code"]


def test_schedule_handlers_run_on_tick_without_errors(local_stack: LocalStack) -> None:
    # GIVEN both rounds moved a day ahead, so that this tick has nothing due to close
    tomorrow = dt.datetime.now(VIETNAM).replace(microsecond=0) + dt.timedelta(days=1)
    for round_id in ("r1", "r2"):
        local_stack.admin(
            "PATCH",
            f"/admin/rounds/{round_id}",
            {
                "opens_at": tomorrow.isoformat(),
                "closes_at": (tomorrow + dt.timedelta(hours=2)).isoformat(),
                "publish_at": (tomorrow + dt.timedelta(hours=3)).isoformat(),
            },
        )

    # WHEN
    local_stack.tick()
    local_stack.sync_streams()

    # THEN
    status = local_stack.status()
    assert status["schedules"], "app.py declares @app.schedule handlers"
    assert status["ticks"] >= 1
    assert local_stack.handler_errors() == []
    _, contest = local_stack.get("/contest")
    assert {r["id"]: r["opens_at"] for r in contest["rounds"]} == {
        "r1": tomorrow.isoformat(),
        "r2": tomorrow.isoformat(),
    }
