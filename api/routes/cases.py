"""/api/v1/cases and /api/v1/search."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response, status

from api import case_inputs, schemas
from api.auth import CurrentActor, CurrentPlatform, RequiredPurpose
from api.errors import AUTHENTICATED, CONFLICT, NEEDS_PURPOSE, NOT_FOUND
from api.idempotency import idempotent_case_id
from services import (
    access_grants,
    action_lists,
    case_actions,
    case_closure,
    case_lists,
    case_reviews,
    case_timeline,
    case_view,
    exclusions,
    referral_corrections,
    referrals,
    repeats,
    restrictions,
    safeguarding,
    sharing,
)
from services.break_glass import open_break_glass

router = APIRouter(prefix="/api/v1", tags=["cases"], responses=AUTHENTICATED)


CURSOR = ("The `next_cursor` of the previous page: the next page, stable while cases are "
          "added (an unknown cursor: 422 `invalid_cursor`)")


# The caller's own agency or area, named by the token, may be unknown: a 404 too.
@router.post("/cases", status_code=status.HTTP_201_CREATED, response_model=schemas.Created,
             responses=NOT_FOUND)
def submit_referral(
    body: schemas.ReferralCreate, platform: CurrentPlatform, actor: CurrentActor,
    case_id: Annotated[UUID | None, Depends(idempotent_case_id)],
) -> schemas.Created:
    return schemas.Created(id=referrals.refer(platform, actor, case_inputs.new_referral(body),
                                              case_id))


@router.get("/cases", response_model=schemas.CasesPage)
def list_cases(
    *,
    platform: CurrentPlatform,
    actor: CurrentActor,
    status_: Annotated[str | None, Query(alias="status", max_length=40)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=200, description=CURSOR)] = None,
    restricted: Annotated[bool | None, Query(
        description="Only restricted cases (true), or only the others (false)")] = None,
    mine: Annotated[bool, Query(
        description="Only the cases the caller's agency is involved in")] = False,
    order: Annotated[Literal["newest", "oldest"], Query(
        description="By referral date: newest first (the default) or oldest first; a "
                    "cursor continues the order it was given in")] = "newest",
) -> schemas.CasesPage:
    """The cases the caller may see, newest referral first, with their exact total."""
    found = case_lists.list_cases(platform, actor, status=status_, page=page,
                                  page_size=page_size, cursor=cursor, restricted=restricted,
                                  mine=mine, oldest_first=order == "oldest")
    return schemas.CasesPage.model_validate(asdict(found))


@router.get("/cases/{case_id}", response_model=schemas.CaseView,
            responses={**NOT_FOUND, **NEEDS_PURPOSE})
def view_case(case_id: UUID, purpose: RequiredPurpose, platform: CurrentPlatform,
              actor: CurrentActor) -> schemas.CaseView:
    found = case_view.view(platform, replace(actor, purpose=purpose.value), case_id)
    return schemas.CaseView.model_validate(asdict(found))


@router.get("/cases/{case_id}/timeline", response_model=schemas.CaseTimeline,
            responses={**NOT_FOUND, **NEEDS_PURPOSE})
def view_timeline(case_id: UUID, purpose: RequiredPurpose, platform: CurrentPlatform,
                  actor: CurrentActor) -> schemas.CaseTimeline:
    """What happened on the case, when, and by or for which agency, oldest first: as the
    caller may see it, with what they may not see absent (an item outside their audience,
    another agency's part, the coordinators' management of the case). Read for a purpose and
    audited as the case view is."""
    found = case_timeline.timeline(platform, replace(actor, purpose=purpose.value), case_id)
    return schemas.CaseTimeline.model_validate(found)


@router.post("/cases/{case_id}/decision", status_code=204,
             responses={**NOT_FOUND, **CONFLICT})
def record_decision(case_id: UUID, body: schemas.DecisionCreate, platform: CurrentPlatform,
                    actor: CurrentActor) -> Response:
    referrals.decide(platform, actor, case_id, case_inputs.decision(body))
    return Response(status_code=204)


@router.get("/cases/{case_id}/possible-repeats",
            response_model=list[schemas.PossibleRepeatOut],
            responses={**NOT_FOUND, **NEEDS_PURPOSE})
def list_possible_repeats(
    case_id: UUID, purpose: RequiredPurpose, platform: CurrentPlatform, actor: CurrentActor
) -> list[schemas.PossibleRepeatOut]:
    found = repeats.possible_repeats(platform, replace(actor, purpose=purpose.value), case_id)
    return [schemas.PossibleRepeatOut.model_validate({**asdict(f), "rank": n})
            for n, f in enumerate(found, start=1)]


@router.post("/cases/{case_id}/actions", status_code=201, response_model=schemas.Created,
             responses={**NOT_FOUND, **CONFLICT})
def agree_action(case_id: UUID, body: schemas.ActionCreate, platform: CurrentPlatform,
                 actor: CurrentActor) -> schemas.Created:
    return schemas.Created(id=case_actions.agree_action(platform, actor, case_id,
                                                        case_inputs.new_action(body)))


@router.post("/cases/{case_id}/actions/{action_id}/updates", status_code=204,
             responses={**NOT_FOUND, **CONFLICT})
def update_action(case_id: UUID, action_id: UUID, body: schemas.ActionUpdateCreate,
                  platform: CurrentPlatform, actor: CurrentActor) -> Response:
    case_actions.update_action(platform, actor, case_id, action_id, note=body.note,
                               outcome=body.outcome)
    return Response(status_code=204)


@router.get("/actions", response_model=list[schemas.ActionRow])
def list_actions(
    platform: CurrentPlatform, actor: CurrentActor,
    scope: Annotated[Literal["mine", "overdue"], Query()] = "mine",
) -> list[schemas.ActionRow]:
    """My agency's open actions, or (coordinators) the area's overdue actions by agency."""
    return [schemas.ActionRow.model_validate(asdict(a))
            for a in action_lists.actions(platform, actor, scope)]


@router.post("/cases/{case_id}/closure", status_code=204, responses=NOT_FOUND)
def close_case(case_id: UUID, body: schemas.ClosureCreate, platform: CurrentPlatform,
               actor: CurrentActor) -> Response:
    """Closes the case (coordinators). Each action still open is completed, carried to a
    named agency, or closed with the case, as `open_actions` says: one left out answers 422
    `open_actions_unaccounted`. A closed case's actions are not escalated."""
    case_closure.close(platform, actor, case_id, reason=body.reason,
                       disposals=case_inputs.disposals(body))
    return Response(status_code=204)


@router.post("/cases/{case_id}/subjects/{subject_id}/corrections", status_code=204,
             responses=NOT_FOUND)
def correct_subject(case_id: UUID, subject_id: UUID, body: schemas.SubjectCorrectionCreate,
                    platform: CurrentPlatform, actor: CurrentActor) -> Response:
    """Corrects a person named in the referral, with a reason (the referring agency's staff
    or the area's coordinators). The history is kept; the case, its lists and the search
    follow the corrected identifiers. Refused: `invalid_correction`, `invalid_referral`,
    `unknown_subject`, `referral_withdrawn`, `case_closed`."""
    referral_corrections.correct_subject(
        platform, actor, case_id, case_inputs.subject_correction(subject_id, body.changes),
        reason=body.reason)
    return Response(status_code=204)


@router.post("/cases/{case_id}/risk-assessment/corrections", status_code=204,
             responses=NOT_FOUND)
def correct_risk_assessment(case_id: UUID, body: schemas.RiskAssessmentCorrectionCreate,
                            platform: CurrentPlatform, actor: CurrentActor) -> Response:
    """Replaces the risk assessment with a corrected one, with a reason (as subjects are
    corrected): the DASH score and the criteria a decided case meets are recomputed."""
    referral_corrections.correct_risk_assessment(
        platform, actor, case_id, case_inputs.assessment(body.risk_assessment),
        reason=body.reason)
    return Response(status_code=204)


@router.post("/cases/{case_id}/criteria/corrections", status_code=204, responses=NOT_FOUND)
def correct_criteria(case_id: UUID, body: schemas.CriteriaCorrectionCreate,
                     platform: CurrentPlatform, actor: CurrentActor) -> Response:
    """Corrects the criteria the referral claimed, with a reason (as subjects are corrected);
    the criteria a decided case meets are recomputed. The 'honour'-based abuse flag is not
    corrected (`invalid_correction`)."""
    referral_corrections.correct_criteria(platform, actor, case_id,
                                          case_inputs.criteria(body.criteria),
                                          reason=body.reason)
    return Response(status_code=204)


@router.post("/cases/{case_id}/withdrawal", status_code=204, responses=NOT_FOUND)
def withdraw_referral(case_id: UUID, body: schemas.WithdrawalCreate,
                      platform: CurrentPlatform, actor: CurrentActor) -> Response:
    """Withdraws a referral entered in error, with a reason (coordinators). It leaves every
    list but the coordinators' (who see it as `withdrawn`) and every report; it is not
    decided, shared on or acted on afterwards (422 `referral_withdrawn`)."""
    referral_corrections.withdraw(platform, actor, case_id, reason=body.reason)
    return Response(status_code=204)


@router.post("/cases/{case_id}/onward-referrals", status_code=204, responses=NOT_FOUND)
def refer_onward(case_id: UUID, body: schemas.OnwardReferralCreate, platform: CurrentPlatform,
                 actor: CurrentActor) -> Response:
    """Records that the case was referred on to another safeguarding arrangement (MAPPA,
    MASH, child protection, adult safeguarding, early help) or to another MARAC
    (coordinators)."""
    safeguarding.refer_onward(platform, actor, case_id, body.to, on=body.on)
    return Response(status_code=204)


@router.post("/cases/{case_id}/social-care", status_code=204, responses=NOT_FOUND)
def record_social_care(case_id: UUID, body: schemas.SocialCareCreate,
                       platform: CurrentPlatform, actor: CurrentActor) -> Response:
    """Records whether the case is open to children's and to adult social care, as now
    found (coordinators)."""
    safeguarding.record_social_care(platform, actor, case_id, childrens=body.childrens,
                                    adult=body.adult)
    return Response(status_code=204)


@router.post("/cases/{case_id}/closure/acknowledgement", status_code=204,
             responses={**NOT_FOUND, **CONFLICT})
def acknowledge_closure(case_id: UUID, platform: CurrentPlatform,
                        actor: CurrentActor) -> Response:
    """Confirms, for the caller's agency, that it has been told the case is closed."""
    case_closure.acknowledge_closure(platform, actor, case_id)
    return Response(status_code=204)


@router.get("/case-reviews/anniversaries", response_model=list[schemas.CaseSummary],
            responses=NOT_FOUND)
def list_anniversaries(
    platform: CurrentPlatform, actor: CurrentActor,
    within_days: Annotated[int, Query(ge=0, le=366)] = 30,
) -> list[schemas.CaseSummary]:
    """Open cases reaching 12 months since their last referral (coordinators)."""
    return [schemas.CaseSummary.model_validate(asdict(c))
            for c in case_reviews.anniversaries(platform, actor, within_days)]


@router.post("/cases/{case_id}/grants", status_code=201, response_model=schemas.Created,
             responses={**NOT_FOUND, **CONFLICT})
def grant_access(case_id: UUID, body: schemas.GrantCreate, platform: CurrentPlatform,
                 actor: CurrentActor) -> schemas.Created:
    return schemas.Created(id=access_grants.grant(platform, actor, case_id,
                                                  case_inputs.grant(body)))


@router.post("/cases/{case_id}/grants/{grant_id}/revoke", status_code=204, responses=NOT_FOUND)
def revoke_access(
    case_id: UUID, grant_id: UUID, body: schemas.RevokeCreate, platform: CurrentPlatform,
    actor: CurrentActor,
) -> Response:
    access_grants.revoke(platform, actor, case_id, grant_id, body.reason)
    return Response(status_code=204)


@router.post("/cases/{case_id}/restriction", status_code=204, responses=NOT_FOUND)
def restrict_case(case_id: UUID, body: schemas.RestrictionCreate, platform: CurrentPlatform,
                  actor: CurrentActor) -> Response:
    restrictions.restrict(platform, actor, case_id, reason=body.reason, members=body.members,
                          member_agencies=body.member_agencies)
    return Response(status_code=204)


@router.post("/cases/{case_id}/restriction/review", status_code=204, responses=NOT_FOUND)
def review_restriction(case_id: UUID, body: schemas.RestrictionReviewCreate,
                       platform: CurrentPlatform, actor: CurrentActor) -> Response:
    """Keep or lift a restriction (coordinators and chairs who may see the case); due 90 days
    after it was set or last reviewed."""
    restrictions.review_restriction(platform, actor, case_id, decision=body.decision,
                                    reason=body.reason)
    return Response(status_code=204)


@router.get("/case-reviews/restrictions", response_model=list[schemas.RestrictionDue])
def list_restrictions_due(
    platform: CurrentPlatform, actor: CurrentActor,
    within_days: Annotated[int, Query(ge=0, le=366)] = 0,
) -> list[schemas.RestrictionDue]:
    """Restrictions due for review now, or within `within_days` (coordinators and chairs;
    only cases they may see)."""
    return [schemas.RestrictionDue.model_validate(asdict(d))
            for d in case_reviews.restrictions_due(platform, actor, within_days)]


@router.post("/cases/{case_id}/exclusions", status_code=204, responses=NOT_FOUND)
def exclude_person(case_id: UUID, body: schemas.ExclusionCreate, platform: CurrentPlatform,
                   actor: CurrentActor) -> Response:
    exclusions.exclude(platform, actor, case_id, body.person, reason=body.reason)
    return Response(status_code=204)


@router.delete("/cases/{case_id}/exclusions/{person}", status_code=204, responses=NOT_FOUND)
def readmit_person(
    case_id: UUID, person: Annotated[str, Path(min_length=1, max_length=200)],
    platform: CurrentPlatform, actor: CurrentActor,
) -> Response:
    exclusions.readmit(platform, actor, case_id, person)
    return Response(status_code=204)


@router.post("/cases/{case_id}/break-glass", status_code=201,
             response_model=schemas.BreakGlassOpened, responses={**NOT_FOUND, **CONFLICT})
def break_glass(
    case_id: UUID, body: schemas.BreakGlassCreate, platform: CurrentPlatform,
    actor: CurrentActor,
) -> schemas.BreakGlassOpened:
    return schemas.BreakGlassOpened(expires_at=open_break_glass(
        platform, actor, case_id, reason=body.reason, minutes=body.minutes))


@router.post("/cases/{case_id}/information", status_code=201, response_model=schemas.Created,
             responses=NOT_FOUND)
def share_information(
    case_id: UUID, body: schemas.InformationCreate, platform: CurrentPlatform,
    actor: CurrentActor,
) -> schemas.Created:
    return schemas.Created(id=sharing.share(
        platform, actor, case_id, kind=body.kind, text=body.text,
        audience=case_inputs.audience(body.audience), meeting_id=body.meeting_id))


@router.post("/cases/{case_id}/information/{item_id}/release", status_code=204,
             responses=NOT_FOUND)
def release_information(
    case_id: UUID, item_id: UUID, body: schemas.ReleaseCreate, platform: CurrentPlatform,
    actor: CurrentActor,
) -> Response:
    """Widen who sees an item (research released at the hearing); never narrowed."""
    sharing.release(platform, actor, case_id, item_id,
                    audience=case_inputs.audience(body.audience))
    return Response(status_code=204)


@router.get("/search", response_model=schemas.SearchResults, responses=NEEDS_PURPOSE)
def search_cases(
    *,
    purpose: RequiredPurpose,
    platform: CurrentPlatform,
    actor: CurrentActor,
    surname: Annotated[str, Query(max_length=200)] = "",
    forename: Annotated[str, Query(max_length=200)] = "",
    date_of_birth: schemas.IsoDate | None = None,
    reference: Annotated[str, Query(max_length=200)] = "",
    page_size: Annotated[int, Query(ge=1, le=100)] = 100,
    cursor: Annotated[str | None, Query(max_length=200, description=CURSOR)] = None,
) -> schemas.SearchResults:
    """Find cases by a person's identifiers, through the blind index: only cases the caller
    may see are returned, and nothing is stored or logged in plaintext."""
    found = case_lists.search(platform, replace(actor, purpose=purpose.value),
                              surname=surname, forename=forename, date_of_birth=date_of_birth,
                              reference=reference, page_size=page_size, cursor=cursor)
    return schemas.SearchResults.model_validate(asdict(found))
