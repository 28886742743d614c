"""What a use case on a case does first and last: find the case as the caller may see it (one
missing, erased or invisible answers alike), ask the policy, and write with the request's
audit record made at the moment the write is saved."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from uuid import UUID

import structlog

from audit.actions import AuditAction
from domain.application import before_save
from domain.exceptions import DomainError
from security.policy import CaseAccess, Viewer, Visibility, case_visibility, may_coordinate
from services.actor import Actor
from services.errors import NotFound
from services.platform import Platform
from services.read_your_writes import caught_up

log = structlog.get_logger("services.case_access")


# The one description of what use cases need of the platform (services/platform.py).
Stores = Platform


def case_not_found(case_id: UUID) -> NotFound:
    return NotFound(f"case {case_id} not found")


def visible(stores: Stores, actor: Actor, case_id: UUID, action: AuditAction,
            purpose: str | None = None) -> tuple[CaseAccess, Visibility]:
    """The case's access facts and the caller's view of it; a case they may not see is
    recorded (`not_found` or `denied`) and answered as missing."""
    access = stores.cases.access([case_id]).get(case_id)
    visibility = case_visibility(actor.viewer, access, stores.now()) if access else None
    if access is None or visibility is None:
        actor.audit.record(action, "not_found" if access is None else "denied",
                           case_id=case_id, purpose=purpose,
                           area_id=access.area_id if access else None)
        raise case_not_found(case_id)
    return access, visibility


def coordinated(stores: Stores, actor: Actor, case_id: UUID, action: AuditAction,
                purpose: str | None = None) -> CaseAccess:
    """A case the caller may see and coordinate."""
    access, _ = visible(stores, actor, case_id, action, purpose)
    actor.require(may_coordinate(actor.viewer, access, stores.now()), action,
                  "Only the area's coordinators and chairs may do this", case_id=case_id,
                  purpose=purpose, area_id=access.area_id)
    return access


def offered(stores: Stores, actor: Actor, case_id: UUID, action: AuditAction,
            may: Callable[[Viewer, CaseAccess, datetime], bool]) -> tuple[CaseAccess, str | None]:
    """A case's form for doing `action`, for those the policy's `may` allows it: the case's
    access facts and its label, read with the caller's purpose. Anyone else, like a case they
    may not see or one that does not exist, finds nothing (recorded as denied, naming
    `action`): the form is not theirs to have."""
    access, _ = visible(stores, actor, case_id, "read", actor.purpose)
    if not may(actor.viewer, access, stores.now()):
        actor.audit.record("read", "denied", case_id=case_id, purpose=actor.purpose,
                           area_id=access.area_id, items=(action,))
        raise case_not_found(case_id)
    actor.audit.record_before_response("read", "allowed", case_id=case_id,
                                       purpose=actor.purpose, area_id=access.area_id,
                                       items=("label",))
    return access, stores.cases.labels([case_id]).get(case_id)


def visible_cases(stores: Stores, actor: Actor, case_ids: Sequence[UUID]) -> list[UUID]:
    """Those of the cases the caller may see, in the read model's order."""
    now = stores.now()
    return [c for c, a in stores.cases.access(case_ids).items()
            if case_visibility(actor.viewer, a, now) is not None]


@contextmanager
def writing(stores: Stores, actor: Actor, action: AuditAction, case_id: UUID | None,
            area_id: UUID | None = None, *, items: tuple[str, ...] = ()) -> Iterator[None]:
    """The outcome as it is: the command runs in memory first; its "allowed" record is
    written just before its events are saved (domain.application.before_save), so a write
    whose record cannot be made is not saved, and a command the domain refuses is recorded as
    refused, with the rule's code. A block that saves nothing (an idempotent retry finding
    its case) did what it was allowed to do. `items`: what the allowed record names (no
    personal data).

    Once the write has committed, the answer is its success: the read models' catch-up
    (read-your-writes) failing then must not turn it into an error that a client would retry
    into a duplicate; the worker, or the next request's catch-up, projects it."""
    audit = actor.audit
    recorded = False

    def allowed() -> None:
        nonlocal recorded
        if not recorded:
            recorded = True  # before the write, so a failed record is not recorded twice
            audit.record(action, "allowed", case_id=case_id, area_id=area_id, items=items)

    saving = False  # between a save's hook and its commit

    def before() -> None:
        nonlocal saving
        saving = True
        allowed()

    def after() -> None:
        nonlocal saving
        saving = False

    try:
        with before_save(before, after):
            yield
    except DomainError as exc:
        if not recorded:
            audit.record(action, "refused", case_id=case_id, area_id=area_id,
                         items=(f"code:{exc.code}",))
        raise
    except Exception:
        if not recorded:
            audit.record(action, "failed", case_id=case_id, area_id=area_id)
        elif saving:
            try:
                audit.record_failed_save(action, case_id=case_id, area_id=area_id)
            except Exception as exc:  # the request fails anyway, with the save's own error
                log.error("failed_save_unrecorded", error_type=type(exc).__name__)
        raise
    allowed()
    try:
        caught_up(stores.runner)  # a pass shared with the other writers of the moment
    except Exception as exc:  # the write stands; see above
        log.warning("catch_up_deferred", error_type=type(exc).__name__)
