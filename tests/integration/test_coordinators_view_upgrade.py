"""A database projected before cases had labels and research kept the day it was requested
works after the upgrade: on start, each case gets its sealed label from its sealed document,
and the research rows their request day from the case's events, without a rebuild."""

from __future__ import annotations

from datetime import UTC, date, datetime

from api.bootstrap import build_platform
from api.settings import Settings
from security.kek import KeyMaterial
from storage.migrations import VERSION_TABLE
from tests.factories import referral

NOW = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)


def test_an_earlier_read_model_gets_its_labels_and_research_dates_on_start(
        settings: Settings, key_material: KeyMaterial) -> None:
    first = build_platform(settings, material=key_material, now=lambda: NOW)
    app = first.marac
    area = app.create_area("wexshire", "Wexshire MARAC")
    police = app.register_agency(area, "police", "Police", "police", core=True)
    idva = app.register_agency(area, "idva", "Idva", "idva", core=True)
    case_id = app.refer(referral(area, police))
    app.accept(case_id, "coordinator-1")
    meeting_id = app.schedule_meeting(area, "standard", date(2026, 1, 29), by="coordinator-1")
    app.list_on_agenda(meeting_id, case_id, invite={idva}, by="coordinator-1")
    app.request_research(meeting_id, case_id, agencies={idva}, due_on=date(2026, 1, 26),
                         by="coordinator-1")
    first.runner.catch_up()
    # The read model as an earlier version left it: no labels, no request days, no version.
    with first.database.transaction() as cur:
        cur.execute("DELETE FROM case_labels")
        cur.execute(f"DROP TABLE {VERSION_TABLE}")
    first.database.execute_script(["ALTER TABLE research_requests DROP COLUMN requested_on"])
    first.close()

    second = build_platform(settings, material=key_material, now=lambda: NOW)
    try:
        assert second.cases.labels([case_id]) == {case_id: "P.Q. 1987"}
        (row,) = second.cases.standing_research(area)
        assert (row.case_id, row.agency_id, row.requested_on) == (case_id, idva, NOW.date())
    finally:
        second.close()
