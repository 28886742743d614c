"""The partnership's read model (projections/partnership.py) on the in-memory platform: a
listing shows each change as soon as it is made, the agency directory names agencies by id
without their contact, and after any history of changes, projected in any batches, the read
model is what the store records, and rebuilding it gives the same."""

from __future__ import annotations

from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from api.bootstrap import Platform, build_platform
from api.settings import Settings
from domain.agency import Agency
from domain.area import Area, AreaSettings
from security.issuer import LocalIssuer
from security.kek import KeyMaterial
from services import partnership
from services.actor import Actor
from services.partnership import (
    AgencyChange,
    AgencyEntry,
    AreaChange,
    agency_directory,
    agency_view,
    area_view,
    check_partnership,
)
from services.partnership_file import read_partnership_file
from services.system import SystemJob, operator
from storage.url import MEMORY_URL
from tests.services.actors import person

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partnership.yaml"
# One for every example of the property below (fixtures are made once per test, not per
# example).
MATERIAL = KeyMaterial.generate(demo=True)


def test_a_listing_shows_each_change_as_soon_as_it_is_made(platform: Platform) -> None:
    def chief() -> Actor:
        return person(platform, "admin-1", None, None, "administrator")

    def listed() -> tuple[list[partnership.PartnershipArea], list[partnership.PartnershipAgency]]:
        def reader() -> Actor:  # each listing a request of its own
            return person(platform, "rep-1", north.id, None, "representative")

        return (partnership.list_areas(platform, reader()),
                partnership.list_agencies(platform, reader()))

    north = partnership.create_area(platform, chief(), "north", "North MARAC", model="marac",
                                    settings={"digest_recipients": ["police", "coordinators"],
                                              "population_lgbt_pct": 2.5})
    assert listed() == ([north], [])
    assert north.settings.digest_recipients == ("police", "coordinators")
    police = partnership.register_agency(platform, chief(), north.id, "police", "Police",
                                         agency_type="police", core=True,
                                         spoc_email="spoc@police.example.org")
    assert listed()[1] == [police]
    renamed = partnership.change_agency(platform, chief(), police.id,
                                        AgencyChange(name="Constabulary", core=False))
    cleared = partnership.change_agency(platform, chief(), police.id,
                                        AgencyChange(clear_spoc=True))
    assert (renamed.name, renamed.core, cleared.spoc_email) == ("Constabulary", False, None)
    assert listed()[1] == [cleared]
    changed = partnership.change_area(platform, chief(), north.id,
                                      AreaChange(model="marrac",
                                                 settings={"retention_months": 36}))
    areas = listed()[0]
    assert areas == [changed]
    assert (areas[0].model, areas[0].settings.retention_months) == ("marrac", 36)
    assert areas[0].settings == platform.marac.get_area(north.id).settings


def test_the_agency_directory_names_every_agency_by_id_without_its_contact(
    platform: Platform,
) -> None:
    job = SystemJob.named(platform.audit, platform.now, operator("tester"))
    partnership.apply_partnership(platform, job, read_partnership_file(EXAMPLE.read_text()))
    directory = agency_directory(platform)
    north = Area.create_id("wex-north")
    police = Agency.create_id(north, "police")
    assert directory[police] == AgencyEntry(police, north, "wex-north", "police",
                                            "Wexshire Constabulary")
    # Each registration, in each area, by its own id.
    assert len(directory) == 16
    assert {e.code for e in directory.values() if e.area_code == "wex-south"} == {
        "police", "idva", "acute-trust", "housing", "csc", "asc", "probation"}
    assert "example.org" not in repr(directory)


def test_a_check_says_what_applying_would_change_and_changes_nothing(
    platform: Platform,
) -> None:
    job = SystemJob.named(platform.audit, platform.now, operator("tester"))
    text = EXAMPLE.read_text()
    before = platform.marac.recorder.max_notification_id()
    would = check_partnership(platform, job, read_partnership_file(text)).changes
    assert platform.marac.recorder.max_notification_id() == before
    assert partnership.all_areas(platform) == []
    assert partnership.apply_partnership(platform, job,
                                         read_partnership_file(text)).changes == would
    assert check_partnership(platform, job, read_partnership_file(text)).changes == ()
    # A changed setting is named (never its value), so the person checking sees which.
    changed = text.replace("retention_months: 72", "retention_months: 60").replace(
        "escalation_count: 5", "escalation_count: 4")
    assert check_partnership(platform, job, read_partnership_file(changed)).changes == (
        "area:wex-south settings_changed: escalation_count, retention_months",)


# A history: areas created or changed, agencies registered or changed, catch-ups between.
AREA_CODES = ("north", "south")
AGENCY_CODES = ("police", "idva", "housing")
area_steps = st.tuples(st.just("area"), st.sampled_from(AREA_CODES),
                       st.sampled_from(("North", "South", "Renamed")),
                       st.integers(min_value=10, max_value=16),
                       st.sampled_from(("marac", "marrac")))
agency_steps = st.tuples(st.just("agency"), st.sampled_from(AREA_CODES),
                         st.sampled_from(AGENCY_CODES), st.sampled_from(("One", "Two")),
                         st.booleans(), st.sampled_from((None, "a@x.example.org",
                                                          "b@x.example.org")))
catch_ups = st.tuples(st.just("catch_up"))
histories = st.lists(st.one_of(area_steps, agency_steps, catch_ups), max_size=25)


def apply_step(platform: Platform, step: tuple[object, ...]) -> None:
    app = platform.marac
    if step[0] == "catch_up":
        platform.runner.catch_up()
    elif step[0] == "area":
        _, code, name, threshold, model = step
        chosen = AreaSettings(referral_threshold=threshold, model=model)  # type: ignore[arg-type]
        area_id = Area.create_id(str(code))
        if area_id in app.repository:
            app.change_area(area_id, name=str(name), settings=chosen)
        else:
            app.create_area(str(code), str(name), chosen)
    else:
        _, area_code, code, name, core, spoc = step
        area_id = Area.create_id(str(area_code))
        if area_id not in app.repository:
            return  # an agency is registered in an area that exists
        agency_id = Agency.create_id(area_id, str(code))
        if agency_id in app.repository:
            app.change_agency(agency_id, name=str(name), core=bool(core),
                              spoc_email=spoc,  # type: ignore[arg-type]
                              clear_spoc=spoc is None)
        else:
            app.register_agency(area_id, str(code), str(name), "other", core=bool(core),
                                spoc_email=spoc)  # type: ignore[arg-type]


def recorded(platform: Platform) -> tuple[list[object], list[object]]:
    """The partnership as the store records it, read from the aggregates themselves."""
    app = platform.marac
    areas = sorted((area_view(a) for a in app.areas()), key=lambda a: a.code)
    codes = {a.id: a.code for a in areas}
    agencies = sorted((agency_view(g, codes[g.area_id]) for g in app.agencies()),
                      key=lambda g: (g.area_code, g.code))
    return list(areas), list(agencies)


def projected(platform: Platform) -> tuple[list[object], list[object]]:
    return list(partnership.all_areas(platform)), list(partnership.all_agencies(platform))


@settings(max_examples=40)
@given(history=histories, batch=st.integers(min_value=1, max_value=4))
def test_after_any_history_the_read_model_is_the_recorded_partnership(
    tmp_path_factory: pytest.TempPathFactory, issuer: LocalIssuer,
    history: list[tuple[object, ...]], batch: int,
) -> None:
    platform = build_platform(Settings(data_dir=tmp_path_factory.mktemp("data"),
                                       database_url=MEMORY_URL, demo=True),
                              material=MATERIAL, issuer=issuer)
    try:
        platform.runner.batch = batch
        for step in history:
            apply_step(platform, step)
        platform.runner.catch_up()
        expected = recorded(platform)
        assert projected(platform) == expected
        directory = agency_directory(platform)
        assert sorted(directory.values(), key=lambda e: (e.area_code, e.code)) == [
            AgencyEntry(g.id, g.area_id, g.area_code, g.code, g.name)  # type: ignore[attr-defined]
            for g in expected[1]]
        platform.runner.rebuild()
        assert projected(platform) == expected
    finally:
        platform.close()

