"""The reports use case, called as the API and `marac report` call it: who may ask is decided by
standing alone, and every answer (a refusal too) is one audit record naming what was asked."""

from __future__ import annotations

import pytest

from api.bootstrap import Platform
from services.errors import Forbidden
from services.reports import ReportRequest, operator_report, read_report
from services.system import SystemJob, operator
from tests.factories import area_with_agency
from tests.services.actors import person, trail


def test_a_representative_is_refused_and_the_refusal_names_what_was_asked(
    platform: Platform,
) -> None:
    area_id, agency_id = area_with_agency(platform.marac)
    rep = person(platform, "rep-1", area_id, agency_id, "representative")
    with pytest.raises(Forbidden) as refused:
        read_report(platform, rep, ReportRequest("indicators", period="2025-Q4", form="csv"))
    assert refused.value.code == "forbidden"
    (record,) = trail(platform)
    assert (record["actor"], record["action"], record["outcome"], record["item_ids"],
            record["area_id"]) == ("rep-1", "report", "denied",
                                   ("indicators:2025-Q4:controlled:csv",), str(area_id))


def test_exact_figures_are_the_performance_officers(platform: Platform) -> None:
    area_id, agency_id = area_with_agency(platform.marac)
    asked = ReportRequest("indicators", period="2026-01", disclosure="exact")
    chair = person(platform, "chair-1", area_id, agency_id, "chair")
    with pytest.raises(Forbidden) as refused:
        read_report(platform, chair, asked)
    assert refused.value.code == "exact_figures_forbidden"
    officer = person(platform, "po-1", area_id, None, "performance_officer")
    report = read_report(platform, officer, asked)
    assert (report.kind, report.period.label, report.threshold) == ("indicators", "2026-01", None)
    assert [(r["actor"], r["outcome"], r["item_ids"]) for r in trail(platform)] == [
        ("chair-1", "denied", ("indicators:2026-01:exact:json",)),
        ("po-1", "allowed", ("indicators:2026-01:exact:json",))]


def test_an_operators_report_is_recorded_with_the_operator_as_a_system_actor(
    platform: Platform,
) -> None:
    area_id, _ = area_with_agency(platform.marac)
    job = SystemJob.named(platform.audit, platform.now, operator("ana"))
    report = operator_report(platform, job, ReportRequest(
        "indicators", area_id, "2026-01", disclosure="exact", form="csv"))
    assert report.to_csv().startswith("MARAC,Period,Indicator,Value\n")
    (record,) = trail(platform)
    assert (record["actor"], record["actor_kind"], record["roles"], record["action"],
            record["outcome"], record["item_ids"], record["area_id"]) == (
        "cli:ana", "system", "", "report", "allowed", ("indicators:2026-01:exact:csv",),
        str(area_id))
