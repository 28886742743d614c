"""A referral being written: what the referral form's pages have been given so far, as typed,
kept in the person's server-side session (sealed with it) between its pages.

Each draft has its own id, which becomes the case's id when it is sent, so that a second click
or a refreshed post finds the case the first made (services/referrals.py `refer`).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal
from uuid import UUID

from web.monitoring import Monitoring
from web.platform import WebPlatform
from web.session import SignedIn

Step = Literal["people", "risk", "criteria"]
STEPS: tuple[Step, ...] = ("people", "risk", "criteria")
# The lists of people a referral names beside its victim, with the fewest each may have.
Kind = Literal["perpetrator", "child", "household"]
KINDS: dict[Kind, int] = {"perpetrator": 1, "child": 0, "household": 0}
MOST_OF_A_KIND = 10

_DRAFT, _SENT = "referral", "referral-sent"


@dataclass(frozen=True)
class Person:
    forenames: str = ""
    surname: str = ""
    dob: tuple[str, str, str] = ("", "", "")  # day, month, year as typed
    relationship: str = ""
    monitoring: Monitoring = field(default_factory=Monitoring)  # optional equality monitoring


@dataclass(frozen=True)
class Draft:
    draft_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    # Step 1: the people.
    victim: Person = Person()
    safe_contact: str = ""
    perpetrator: tuple[Person, ...] = (Person(),)
    child: tuple[Person, ...] = ()
    household: tuple[Person, ...] = ()
    # Step 2: the DASH answers (question: yes / no / not_known) and their sources.
    answers: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    # Step 3: what happened, the criteria claimed, consent and the rest.
    incident_summary: str = ""
    criteria: tuple[str, ...] = ()
    incidents: str = ""
    judgement_reason: str = ""
    consent: str = ""
    consent_reason: str = ""
    lawful_basis: str = ""
    victim_informed: str = ""
    idva_referral_made: str = ""
    manager_sign_off: bool = False
    # The steps whose answers were last saved without a problem.
    done: tuple[Step, ...] = ()

    @property
    def case_id(self) -> UUID:
        return UUID(self.draft_id)

    def people(self, kind: Kind) -> tuple[Person, ...]:
        found: tuple[Person, ...] = getattr(self, kind)
        return found

    def finished(self, step: Step, ok: bool) -> Draft:
        done = tuple(s for s in STEPS if (s == step and ok) or (s != step and s in self.done))
        return replace(self, done=done)

    @property
    def complete(self) -> bool:
        return set(self.done) == set(STEPS)


def _person(data: Any) -> Person:
    return Person(str(data["forenames"]), str(data["surname"]),
                  tuple(str(part) for part in data["dob"]),  # type: ignore[arg-type]
                  str(data["relationship"]), Monitoring.kept(data.get("monitoring")))


def _draft(data: dict[str, Any]) -> Draft:
    """A draft as `save` kept it (JSON: its tuples as lists)."""
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                              for k, v in data.items()}
    fields["victim"] = _person(data["victim"])
    for kind in KINDS:
        fields[kind] = tuple(_person(p) for p in data[kind])
    return Draft(**fields)


def find(person: SignedIn) -> Draft | None:
    """The person's draft, if they have one (one kept in another shape than this one's, by an
    earlier version of the form, is not: it is started again)."""
    kept = person.session.data.drafts.get(_DRAFT)
    try:
        return _draft(dict(kept)) if isinstance(kept, dict) else None
    except (KeyError, TypeError, ValueError):
        return None


def load(person: SignedIn) -> Draft:
    """The person's draft, or a new one."""
    return find(person) or Draft()


def save(platform: WebPlatform, person: SignedIn, draft: Draft) -> None:
    data = person.session.data
    platform.web_sessions.save(person.session, replace(
        data, drafts={**data.drafts, _DRAFT: asdict(draft)}))


def sent(platform: WebPlatform, person: SignedIn, case_id: UUID) -> None:
    """The draft was sent as `case_id`: it goes, and the confirmation remembers the case."""
    data = person.session.data
    drafts = {k: v for k, v in data.drafts.items() if k != _DRAFT}
    platform.web_sessions.save(person.session, replace(
        data, drafts={**drafts, _SENT: str(case_id)}))


def last_sent(person: SignedIn) -> UUID | None:
    kept = person.session.data.drafts.get(_SENT)
    return UUID(kept) if isinstance(kept, str) else None
