"""The worker's jobs run as system actors through the services: each step a request of its
own, recorded through the one sink, with the actor names the trail has always had."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from api.bootstrap import Platform
from services.escalation import escalate_overdue
from services.retention import run_retention
from services.system import ESCALATION, RETENTION, SystemJob
from tests.conftest import Today
from tests.factories import area_with_agency, referral
from tests.services.actors import trail


def test_each_overdue_action_is_escalated_once_as_a_step_of_its_own(
    platform: Platform, today: Today,
) -> None:
    app = platform.marac
    area_id, agency_id = area_with_agency(app)
    case_id = app.refer(referral(area_id, agency_id))
    app.accept(case_id, by="coord-1")
    due = app.today() + timedelta(days=2)
    first, second = (app.agree_action(case_id, owner_agency=agency_id, description=what,
                                      for_whom="victim", due_on=due, by="coord-1")
                     for what in ("Fit a door alarm", "Share the custody record"))
    platform.runner.catch_up()
    job = SystemJob.named(platform.audit, platform.now, ESCALATION)

    today.day = due
    assert escalate_overdue(platform, job, today.day) == []  # due today: still in time
    today.day = due + timedelta(days=1)
    escalated = escalate_overdue(platform, job, today.day)
    assert sorted(escalated, key=str) == sorted([first, second], key=str)
    assert escalate_overdue(platform, job, today.day) == []  # once

    records = [r for r in trail(platform) if r["action"] == "escalate"]
    assert [(r["actor"], r["actor_kind"], r["roles"], r["outcome"], r["case_id"],
             r["area_id"]) for r in records] == [
        (ESCALATION, "system", "", "allowed", str(case_id), str(area_id))] * 2
    assert {r["item_ids"] for r in records} == {(str(first),), (str(second),)}
    assert len({r["request_id"] for r in records}) == 2  # each step its own request


def test_an_action_another_worker_escalated_first_is_not_recorded_as_escalated_again(
    platform: Platform, today: Today,
) -> None:
    """Two workers (scale-out) both notice the day change: the other one escalates the action
    after this one has read the read model and before it writes. This pass escalates nothing
    and says so truthfully: no second "allowed" record, and no failed pass."""
    app = platform.marac
    area_id, agency_id = area_with_agency(app)
    case_id = app.refer(referral(area_id, agency_id))
    app.accept(case_id, by="coord-1")
    due = app.today() + timedelta(days=2)
    action = app.agree_action(case_id, owner_agency=agency_id, description="Fit a door alarm",
                              for_whom="victim", due_on=due, by="coord-1")
    platform.runner.catch_up()
    today.day = due + timedelta(days=1)
    app.escalate_action(case_id, action, by=ESCALATION)  # the other worker, not yet projected

    job = SystemJob.named(platform.audit, platform.now, ESCALATION)
    assert escalate_overdue(platform, job, today.day) == []
    assert [(r["outcome"], r["item_ids"]) for r in trail(platform)
            if r["action"] == "escalate"] == [("refused", ("code:action_already_recorded",))]
    assert escalate_overdue(platform, job, today.day) == []  # the read model has it now


# Erasure reaches every store (keys, read models, feeds, reports): proved on the real ones.
@pytest.mark.real_stores
def test_a_retention_pass_records_each_erasure_before_the_keys_go(platform: Platform) -> None:
    app = platform.marac
    area_id, agency_id = area_with_agency(app)
    case_id = app.refer(referral(area_id, agency_id))
    app.accept(case_id, by="coord-1")
    app.close_case(case_id, by="coord-1", reason="no_further_action", inform=())
    platform.runner.catch_up()
    job = SystemJob.named(platform.audit, platform.now, RETENTION)
    months = app.get_area(area_id).settings.retention_months

    assert run_retention(platform, job, app.today()) == []
    later = date(app.today().year + months // 12 + 1, 12, 31)
    assert run_retention(platform, job, later, dry_run=True) == [case_id]
    assert [r for r in trail(platform) if r["action"] == "erase"] == []  # a dry run records
    assert run_retention(platform, job, later) == [case_id]

    (record,) = [r for r in trail(platform) if r["action"] == "erase"]
    assert (record["actor"], record["actor_kind"], record["outcome"], record["case_id"],
            record["area_id"]) == (RETENTION, "system", "allowed", str(case_id), str(area_id))
