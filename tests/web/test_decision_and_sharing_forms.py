"""The decision, sharing and release forms as the pages read them: what a person must correct
before anything is asked of the use cases, and the typed request each form becomes."""

from __future__ import annotations

from uuid import uuid4

from starlette.datastructures import FormData

from domain.access import Audience
from services.referrals import Decision
from web.decisions import DecisionForm
from web.research import ReleaseForm, ResearchForm
from web.sharing import MAX_TEXT, ShareForm


def form(*pairs: tuple[str, str]) -> FormData:
    return FormData(list(pairs))


def test_a_decision_needs_an_outcome_and_a_repeat_needs_its_case() -> None:
    assert set(DecisionForm.of(form()).errors) == {"outcome"}
    assert set(DecisionForm.of(form(("outcome", "merge"))).errors) == {"outcome"}
    for given in ("", "not-an-id"):
        linked = DecisionForm.of(form(("outcome", "link_repeat"), ("existing_case", given)))
        assert set(linked.errors) == {"existing-case"}
    declined = DecisionForm.of(form(("outcome", "decline"), ("reason", "x" * 2_001)))
    assert set(declined.errors) == {"reason"}


def test_a_decision_form_becomes_the_apis_decision_with_only_what_its_outcome_takes() -> None:
    earlier = uuid4()
    assert DecisionForm.of(form(("outcome", "link_repeat"), ("existing_case", str(earlier)),
                                ("reason", "ignored"))).decision() == Decision(
        "link_repeat", None, earlier)
    # A decline without a reason is the domain's to refuse (recorded as refused), not the form's.
    declined = DecisionForm.of(form(("outcome", "decline"), ("reason", "  ")))
    assert declined.errors == {}
    assert declined.decision() == Decision("decline", "", None)
    assert DecisionForm.of(form(("outcome", "accept"), ("existing_case", str(earlier)))
                           ).decision() == Decision("accept", None, None)


def test_sharing_needs_a_kind_some_text_and_an_audience_with_its_agencies() -> None:
    assert set(ShareForm.of(form()).errors) == {"kind", "text", "audience"}
    too_long = ShareForm.of(form(("kind", "note"), ("text", "x" * (MAX_TEXT + 1)),
                                 ("audience", "whole_case")))
    assert set(too_long.errors) == {"text"}
    for agencies in ((), ("not-an-id",)):
        named = ShareForm.of(form(("kind", "risk"), ("text", "Weapon at the address"),
                                  ("audience", "agencies"), *(("agencies", a) for a in agencies)))
        assert set(named.errors) == {"agencies"}
    # Research is recorded for a hearing on its own page: not a kind shared here.
    assert set(ShareForm.of(form(("kind", "research_note"), ("text", "x"),
                                 ("audience", "coordinators"))).errors) == {"kind"}


def test_a_sharing_form_names_agencies_only_for_a_named_agencies_audience() -> None:
    police, health = uuid4(), uuid4()
    named = ShareForm.of(form(("kind", "note"), ("text", "Seen at A&E"),
                              ("audience", "agencies"), ("agencies", str(police)),
                              ("agencies", str(health)), ("agencies", str(police))))
    assert named.audience_given() == Audience("agencies", (police, health))
    whole = ShareForm.of(form(("kind", "note"), ("text", "Seen at A&E"),
                              ("audience", "whole_case"), ("agencies", str(police))))
    assert whole.audience_given() == Audience("whole_case")


def test_research_needs_its_meeting_and_a_release_its_audience() -> None:
    assert set(ResearchForm.of(form()).errors) == {"meeting", "text"}
    assert set(ReleaseForm.of(form(("audience", "coordinators"))).errors) == {"audience"}
    assert set(ReleaseForm.of(form(("audience", "agencies"))).errors) == {"agencies"}
    police = uuid4()
    assert ReleaseForm.of(form(("audience", "agencies"), ("agencies", str(police)))
                          ).audience_given() == Audience("agencies", (police,))
