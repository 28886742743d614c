"""The partnership's set-up, called as services on a real platform: administrators create and
change areas and agencies, each change an event and a record naming what changed; the
partnership's file applies idempotently, in one go or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.bootstrap import Platform
from domain.agency import Agency
from domain.area import Area
from domain.exceptions import AlreadyExists, InvalidSettings
from services import partnership
from services.actor import Actor
from services.area_settings import configure
from services.errors import Forbidden
from services.partnership import AgencyChange, AreaChange, apply_partnership
from services.partnership_file import PartnershipFileError, read_partnership_file
from services.system import SystemJob, operator
from tests.services.actors import person, trail

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partnership.yaml"


def events(platform: Platform) -> int:
    return platform.marac.recorder.max_notification_id() or 0


def test_an_administrator_sets_up_areas_and_agencies_and_only_a_change_is_an_event(
    platform: Platform,
) -> None:
    def chief() -> Actor:  # each call a request of its own, with its one record
        return person(platform, "admin-1", None, None, "administrator")

    north = partnership.create_area(platform, chief(), "wex-north", "North Wexshire MARAC",
                                    model="marac", settings={"referral_threshold": 15})
    assert (north.code, north.model) == ("wex-north", "marac")
    assert platform.marac.get_area(north.id).settings.referral_threshold == 15
    police = partnership.register_agency(
        platform, chief(), north.id, "police", "Wexshire Police", agency_type="police",
        core=True, spoc_email="marac@police.example.org")
    assert (police.area_code, police.spoc_email) == ("wex-north", "marac@police.example.org")
    before = events(platform)
    partnership.change_agency(platform, chief(), police.id,
                              AgencyChange(name="Wexshire Constabulary"))
    partnership.change_agency(platform, chief(), police.id,
                              AgencyChange(spoc_email="spoc@police.example.org"))
    # The same again: allowed, and nothing recorded in the store.
    partnership.change_agency(platform, chief(), police.id,
                              AgencyChange(name="Wexshire Constabulary"))
    renamed = partnership.change_area(platform, chief(), north.id,
                                      AreaChange(name="North MARAC", model="marrac"))
    assert (renamed.name, renamed.model) == ("North MARAC", "marrac")
    assert events(platform) == before + 4  # renamed, contact changed; renamed, settings
    agency = platform.marac.get_agency(police.id)
    assert (agency.name, agency.spoc_email) == ("Wexshire Constabulary",
                                                "spoc@police.example.org")
    partnership.change_agency(platform, chief(), police.id, AgencyChange(clear_spoc=True))
    assert platform.marac.get_agency(police.id).spoc_email is None
    def reader() -> Actor:
        return person(platform, "rep-1", north.id, police.id, "representative")

    assert [a.code for a in partnership.list_areas(platform, reader())] == ["wex-north"]
    assert [(a.code, a.name) for a in partnership.list_agencies(platform, reader())] == [
        ("police", "Wexshire Constabulary")]
    assert [(r["action"], r["outcome"], r["item_ids"]) for r in trail(platform)] == [
        ("create_area", "allowed", ("area:wex-north",)),
        ("register_agency", "allowed", ("agency:wex-north/police",)),
        ("change_agency", "allowed", ("name",)),
        ("change_agency", "allowed", ("spoc_email",)),
        ("change_agency", "allowed", ()),
        ("change_area", "allowed", ("name", "model")),
        ("change_agency", "allowed", ("spoc_email",)),
        ("read_partnership", "allowed", ("areas",)),
        ("read_partnership", "allowed", ("agencies",))]
    # No address, and no name, in the trail.
    assert "example.org" not in str(trail(platform))


def test_only_administrators_set_up_and_an_areas_own_only_its_own(platform: Platform) -> None:
    def chief() -> Actor:
        return person(platform, "admin-1", None, None, "administrator")

    def north_admin() -> Actor:
        return person(platform, "admin-n", north.id, None, "administrator")

    north = partnership.create_area(platform, chief(), "north", "North", model="marac",
                                    settings={})
    south = partnership.create_area(platform, chief(), "south", "South", model="marrac",
                                    settings={})
    coordinator = person(platform, "coord-1", north.id, None, "coordinator")
    with pytest.raises(Forbidden):
        partnership.create_area(platform, north_admin(), "west", "West", model="marac",
                                settings={})
    with pytest.raises(Forbidden):
        partnership.change_area(platform, north_admin(), south.id, AreaChange(name="Mine"))
    with pytest.raises(Forbidden):
        partnership.register_agency(platform, coordinator, north.id, "idva", "IDVA",
                                    agency_type="idva", core=True, spoc_email=None)
    idva = partnership.register_agency(platform, north_admin(), north.id, "idva", "IDVA",
                                       agency_type="idva", core=True, spoc_email=None)
    with pytest.raises(AlreadyExists):
        partnership.register_agency(platform, north_admin(), north.id, "IDVA", "Again",
                                    agency_type="idva", core=True, spoc_email=None)
    with pytest.raises(InvalidSettings):
        partnership.change_agency(platform, north_admin(), idva.id,
                                  AgencyChange(spoc_email="not an address"))
    # The settings follow the same rule: a partnership-wide administrator changes any area's.
    configure(platform, chief(), south.id, {"retention_months": 36})
    with pytest.raises(Forbidden):
        configure(platform, north_admin(), south.id, {"retention_months": 36})
    assert [(r["actor"], r["action"], r["outcome"]) for r in trail(platform)][2:] == [
        ("admin-n", "create_area", "denied"),
        ("admin-n", "change_area", "denied"),
        ("coord-1", "register_agency", "denied"),
        ("admin-n", "register_agency", "allowed"),
        ("admin-n", "register_agency", "refused"),
        ("admin-n", "change_agency", "refused"),
        ("admin-1", "configure", "allowed"),
        ("admin-n", "configure", "denied")]


def test_the_partnership_file_applies_then_reapplies_with_no_event_and_a_change_is_one(
    platform: Platform,
) -> None:
    job = SystemJob.named(platform.audit, platform.now, operator("tester"))
    text = EXAMPLE.read_text()
    first = apply_partnership(platform, job, read_partnership_file(text))
    assert "area:wex-north created" in first.changes
    assert "agency:wex-south/idva registered" in first.changes
    areas = {a.code: a for a in partnership.all_areas(platform)}
    assert {c: a.model for c, a in areas.items()} == {"wex-north": "marac",
                                                     "wex-south": "marrac"}
    assert len({a.code for a in partnership.all_agencies(platform)}) == 9
    assert platform.marac.get_area(areas["wex-south"].id).settings.escalation_count == 5
    after_first = events(platform)

    again = apply_partnership(platform, job, read_partnership_file(text))
    assert again.changes == ()
    assert events(platform) == after_first

    changed = text.replace("spoc_email: mash@wexshire.example.org, areas: [wex-north, wex-south]",
                           "spoc_email: mash@wexshire.example.org, areas: [wex-north]")
    changed = changed.replace("idva.referrals@", "marac.referrals@")
    assert changed.count("marac.referrals@") == 1
    third = apply_partnership(platform, job, read_partnership_file(changed))
    # One agency's contact changed in each of its two areas: one event each; the agency
    # dropped from an area in the file stays registered (nothing is removed by omission).
    assert third.changes == ("agency:wex-north/idva contact_changed",
                             "agency:wex-south/idva contact_changed")
    assert events(platform) == after_first + 2
    idva = platform.marac.get_agency(Agency.create_id(Area.create_id("wex-north"), "idva"))
    assert idva.spoc_email == "marac.referrals@wexshire-ida.example.org"
    assert [(r["actor"], r["action"], len(r["item_ids"])) for r in trail(platform)] == [
        ("cli:tester", "apply_partnership", len(first.changes)),
        ("cli:tester", "apply_partnership", 0),
        ("cli:tester", "apply_partnership", 2)]


@pytest.mark.parametrize(("change", "code", "line", "field"), [
    (("referral_threshold: 14", "referral_threshold: 40"), "invalid_settings", 19,
     "areas.0.settings"),
    (("referral_threshold: 14", "referral_threshold: high"), "invalid_partnership_file", 19,
     "areas.0.settings.referral_threshold"),
    (("type: housing", "type: hostel"), "invalid_partnership_file", 44, "agencies.4.type"),
    (("probation, hpx]", "probation]"), "not_a_signatory", 52, "agencies.8.code"),
    (("areas: [wex-north]}", "areas: [wex-west]}"), "unknown_area", 43,
     "agencies.3.areas.0"),
    (("code: wex-south", "code: wex-north"), "duplicate_code", 27, "areas.1.code"),
    (("mash@wexshire.example.org", "mash at wexshire"), "invalid_settings", 47,
     "agencies.5.spoc_email"),
    (("  - code: wex-north\n", "  - code: wex-north\n    code: wex-n\n"), "duplicate_key", 16,
     "areas.0.code"),
    (("name: North Wexshire MARAC", "name: North: Wexshire"), "invalid_yaml", 16, None),
])
def test_a_file_that_does_not_hold_is_refused_at_its_line_and_nothing_is_applied(
    platform: Platform, change: tuple[str, str], code: str, line: int, field: str | None,
) -> None:
    text = EXAMPLE.read_text()
    assert change[0] in text
    before = events(platform)
    with pytest.raises(PartnershipFileError) as refused:
        read_partnership_file(text.replace(*change, 1))
    assert (refused.value.code, refused.value.line, refused.value.field) == (code, line, field)
    assert events(platform) == before
