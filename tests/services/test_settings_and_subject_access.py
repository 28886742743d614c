"""Area settings and subject access, called as services: who may is asked of the policy in one
call that records a refusal; what was done is one record naming what changed or was found."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from api.bootstrap import Platform
from domain.subjects import Subject
from services.area_settings import configure, read_settings
from services.errors import Forbidden
from services.subject_access import handle_request
from tests.factories import area_with_agency
from tests.services.actors import person, trail


def test_administrators_change_an_areas_settings_and_coordinators_read_them(
    platform: Platform,
) -> None:
    area_id, agency_id = area_with_agency(platform.marac)
    with pytest.raises(Forbidden):
        configure(platform, person(platform, "coord-1", area_id, agency_id, "coordinator"),
                  area_id, {"retention_months": 36})
    admin = person(platform, "admin-1", area_id, None, "administrator")
    changed = configure(platform, admin, area_id,
                        {"retention_months": 36, "referral_threshold": 15})
    assert (changed.retention_months, changed.referral_threshold) == (36, 15)
    shown = read_settings(platform, person(platform, "coord-2", area_id, agency_id,
                                           "coordinator"), area_id)
    assert shown == changed
    with pytest.raises(Forbidden):
        read_settings(platform, person(platform, "rep-1", area_id, agency_id,
                                       "representative"), area_id)
    assert [(r["actor"], r["action"], r["outcome"], r["item_ids"], r["area_id"])
            for r in trail(platform)] == [
        ("coord-1", "configure", "denied", (), str(area_id)),
        ("admin-1", "configure", "allowed", ("referral_threshold", "retention_months"),
         str(area_id)),
        ("coord-2", "read_settings", "allowed", (), str(area_id)),
        ("rep-1", "read_settings", "denied", (), str(area_id))]


def test_a_subject_access_request_is_the_dpos_and_recorded_with_its_id(
    platform: Platform,
) -> None:
    area_id, agency_id = area_with_agency(platform.marac)
    probe = Subject(uuid4(), "victim", "Ann", "Lee", date_of_birth=date(1990, 5, 1))
    with pytest.raises(Forbidden):
        handle_request(platform, person(platform, "coord-1", area_id, agency_id,
                                        "coordinator"), probe, redact_staff=True)
    package = handle_request(platform, person(platform, "dpo-1", area_id, None, "dpo"), probe,
                             redact_staff=True)
    assert (package.status, package.cases, package.cases_withheld_for_exclusion) == (
        "draft_for_dpo_review", (), 0)
    assert [(r["actor"], r["action"], r["outcome"], r["purpose"], r["item_ids"])
            for r in trail(platform)] == [
        ("coord-1", "subject_access", "denied", "subject_access", ()),
        ("dpo-1", "subject_access", "allowed", "subject_access", (str(package.request_id),))]
