"""The notifications projector: the domain events that people are told of become notices in
the outbox, in the same transaction as its own tracking position (so a replay adds nothing).

An agency is told of a case only if it may see the case as that event left it (the policy's
decision, made for the agency as for its integration client): a restricted case is not
announced to an agency outside it. The coordinators' mailbox is told of overdue actions, which
the area's coordinators see. A mailbox set (an agency's single point of contact, the
coordinators' mailbox) makes what was kept for want of it due.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Notification

from domain.agency import Agency
from domain.application import Marac
from domain.area import COORDINATORS, Area
from domain.case import Case
from domain.exceptions import CaseErased, CaseNotFound
from notifications.notices import NOTICE_TOPICS, Notice, for_event
from notifications.outbox import NotificationOutbox
from projections.cases import CaseProjector
from security.identity import Principal
from security.policy import READ_SCOPE, Viewer, case_visibility
from storage.database import Cursor

# Where a recipient's mailbox is set (an agency's is set by its own event when registered).
CONTACT_TOPICS = frozenset({"domain.agency:Agency.ContactChanged",
                            "domain.area:Area.SettingsChanged"})


def agency_reader(agency_id: UUID, area_id: UUID) -> Viewer:
    """An agency, as the policy sees what its people may be told of: what its integration
    client may read."""
    principal = Principal(f"notify:{agency_id}", "integration", agency_id, area_id, frozenset(),
                          frozenset({READ_SCOPE}), f"notify:{agency_id}")
    return Viewer(principal, "")


class NotificationProjector:
    name = "notifications"

    def __init__(self, app: Marac, outbox: NotificationOutbox, cases: CaseProjector,
                 now: Callable[[], datetime]) -> None:
        self.app = app
        self.outbox = outbox
        self.cases = cases
        # The platform's clock: a digest gathers what was noticed on a day of the platform's.
        self.now = now

    def tables(self) -> tuple[str, ...]:
        # Not rebuilt: a rebuild would tell everyone everything again.
        return ()

    def project(self, cur: Cursor, notifications: Sequence[Notification]) -> None:
        for n in notifications:
            if n.topic in CONTACT_TOPICS:
                self._contact_changed(cur, n)
                continue
            if n.topic not in NOTICE_TOPICS:
                continue
            try:
                event = self.app.mapper.to_domain_event(n)
                aggregate: object = self.app.repository.get(UUID(str(n.originator_id)),
                                                             version=n.originator_version)
            except (CaseErased, CaseNotFound, AggregateNotFoundError):
                continue  # erased since: nobody is told of it
            at = self.now()
            for found in for_event(n.id, n.topic, event, aggregate):
                if self._may_be_told(found, aggregate, at):
                    self.outbox.append(cur, found, at)

    def _contact_changed(self, cur: Cursor, n: Notification) -> None:
        """An agency's single point of contact, or an area's coordinators' mailbox, set: the
        notices kept for want of it are due now."""
        changed: object = self.app.repository.get(UUID(str(n.originator_id)),
                                                   version=n.originator_version)
        if isinstance(changed, Agency) and changed.spoc_email is not None:
            self.outbox.contact_set(cur, changed.area_id, str(changed.id), self.now())
        elif isinstance(changed, Area) and changed.settings.coordinators_email is not None:
            self.outbox.contact_set(cur, changed.id, COORDINATORS, self.now())

    def _may_be_told(self, found: Notice, aggregate: object, at: datetime) -> bool:
        return may_be_told(self.cases, found, aggregate, at)


def may_be_told(cases: CaseProjector, found: Notice, aggregate: object, at: datetime) -> bool:
    """Whether the notice's recipient may hear of it: an agency, if it may see the case."""
    if found.recipient == COORDINATORS or not isinstance(aggregate, Case):
        return True  # the coordinators of the area; the attendees of a meeting
    viewer = agency_reader(UUID(found.recipient), aggregate.area_id)
    return case_visibility(viewer, cases.access_of(aggregate), at) is not None
