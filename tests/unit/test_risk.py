import pytest

from domain.exceptions import InvalidReferral
from domain.risk import DASH_RIC_QUESTIONS, RiskAssessment, dash_score
from tests.factories import assessment


def test_the_dash_ric_has_24_distinct_questions() -> None:
    assert len(DASH_RIC_QUESTIONS) == len(set(DASH_RIC_QUESTIONS)) == 24


def test_score_counts_only_yes_answers() -> None:
    assert dash_score(assessment(yes=9, not_known=10)) == 9


def test_unanswered_questions_are_recorded_as_not_known() -> None:
    ra = RiskAssessment.build("dash-ric", "2009", {"injury": "yes"})
    assert [a.value for a in ra.answers].count("not_known") == 23
    assert dash_score(ra) == 1


def test_an_answer_keeps_its_source_when_not_the_victim() -> None:
    ra = RiskAssessment.build("dash-ric", "2009", {"criminal_history": ("yes", "police records")})
    answer = next(a for a in ra.answers if a.question == "criminal_history")
    assert answer.source == "police records"


@pytest.mark.parametrize(
    ("tool", "answers"),
    [("dash-ric", {"not_a_question": "yes"}), ("unknown-tool", {}),
     ("dash-ric", {"injury": "maybe"})],
)
def test_bad_assessments_are_refused(tool: str, answers: dict[str, str]) -> None:
    with pytest.raises(InvalidReferral):
        RiskAssessment.build(tool, "2009", answers)  # type: ignore[arg-type]
