"""Who reviews a break-glass use (security/policy.may_review_break_glass), decided alone."""

from __future__ import annotations

from uuid import UUID, uuid4

from security.identity import Principal
from security.policy import CaseAccess, Viewer, may_review_break_glass

AREA, OTHER_AREA = uuid4(), uuid4()


def viewer(subject: str, *roles: str, area: UUID | None = AREA) -> Viewer:
    return Viewer(Principal(subject, "person", None, area, frozenset(roles)), f"ref-{subject}")


def case(area: UUID = AREA, excluded: frozenset[str] = frozenset()) -> CaseAccess:
    return CaseAccess(uuid4(), area, excluded=excluded)


def test_a_dpo_of_the_cases_area_reviews_a_use_by_someone_else() -> None:
    assert may_review_break_glass(viewer("dpo-1", "dpo"), "housing-rep", case())


def test_no_one_reviews_their_own_use_whatever_roles_they_hold() -> None:
    assert not may_review_break_glass(viewer("ann", "dpo", "representative"), "ann", case())


def test_a_dpo_excluded_from_the_case_or_of_another_area_does_not_review() -> None:
    assert not may_review_break_glass(viewer("dpo-1", "dpo"), "housing-rep",
                                      case(excluded=frozenset({"ref-dpo-1"})))
    assert not may_review_break_glass(viewer("dpo-1", "dpo"), "housing-rep", case(OTHER_AREA))


def test_only_data_protection_officers_review() -> None:
    for roles in (("coordinator",), ("administrator",), ("representative",), ()):
        assert not may_review_break_glass(viewer("x", *roles), "housing-rep", case())
    assert not may_review_break_glass(viewer("dpo-1", "dpo", area=None), "housing-rep", None)


def test_a_use_on_an_erased_case_is_still_reviewed() -> None:
    assert may_review_break_glass(viewer("dpo-1", "dpo"), "housing-rep", None)
