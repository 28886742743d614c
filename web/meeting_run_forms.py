"""The forms of the running meeting as the pages read them: an attendee (who, for which
agency, having confirmed which version of the confidentiality statement) and a case's hearing
(risks to each person, disclosures, and SMART actions as rows), each with what a person must
correct before anything is asked of the use cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import cast
from uuid import UUID

from starlette.datastructures import FormData

from domain.meeting import Risk, RiskTo
from services.meeting_run import HearingRecord, NewAttendee
from web.action_fields import ActionRow, uuid_of
from web.sharing import MAX_TEXT, text_of

# As the API's schemas bound them (api/schemas.py `Staff`, api/routes/meetings.py `RiskIn`):
# a person's name, a risk's description.
MAX_NAME = 200
MAX_RISK = 2_000
# Rows of actions a hearing agrees at once: more than any hearing does; it bounds the form.
MAX_ACTIONS = 30

RISKS: dict[RiskTo, str] = {"victim": "Risks to the victim",
                            "children": "Risks to the children",
                            "perpetrator": "Risks to the perpetrator",
                            "staff": "Risks to staff"}


@dataclass(frozen=True)
class AttendanceForm:
    """An attendee as the chair records them; `version`: the statement's version the page
    showed (and so the one the attendee confirmed)."""

    person: str = ""
    agency: str = ""
    confirmed: bool = False
    version: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData, known_agencies: frozenset[UUID]) -> AttendanceForm:
        given = cls(text_of(form, "person"), text_of(form, "agency"),
                    text_of(form, "confirmed") == "yes", text_of(form, "statement_version"))
        errors: dict[str, str] = {}
        if not given.person:
            errors["person"] = "Enter the name of the person attending"
        elif len(given.person) > MAX_NAME:
            errors["person"] = f"The name must be {MAX_NAME} characters or fewer"
        if uuid_of(given.agency) not in known_agencies:
            errors["agency"] = "Select the agency they attend for"
        if not given.confirmed:
            errors["confirmed"] = ("Confirm that they have heard the confidentiality statement "
                                   "and will keep to it")
        if not given.version.isdigit():
            # Only a tampered page lacks it: the statement is shown again with its version.
            errors["confirmed"] = "Read the confidentiality statement again and confirm it"
        return cls(given.person, given.agency, given.confirmed, given.version, errors)

    def attendee(self) -> NewAttendee:
        agency = uuid_of(self.agency)
        if agency is None or self.errors:
            raise ValueError("an attendee is made of a form without errors")
        return NewAttendee(self.person, agency, self.confirmed, int(self.version))


@dataclass(frozen=True)
class HearingForm:
    risks: dict[str, str] = field(default_factory=dict)
    disclosures: str = ""
    actions: tuple[ActionRow, ...] = (ActionRow(),)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData) -> HearingForm:
        """The form as given, without checking it (a row added, or before `checked`)."""
        count = text_of(form, "rows")
        rows = min(int(count), MAX_ACTIONS) if count.isdigit() and int(count) > 0 else 1
        return cls({to: text_of(form, f"risk-{to}") for to in RISKS},
                   text_of(form, "disclosures"),
                   tuple(ActionRow.of(form, f"actions-{n}") for n in range(1, rows + 1)))

    def with_another_action(self) -> HearingForm:
        if len(self.actions) >= MAX_ACTIONS:
            return HearingForm(self.risks, self.disclosures, self.actions, {
                f"actions-{len(self.actions)}-owner":
                    f"A hearing records up to {MAX_ACTIONS} actions at once"})
        return HearingForm(self.risks, self.disclosures, (*self.actions, ActionRow()))

    def checked(self, known_agencies: frozenset[UUID], today: date) -> HearingForm:
        errors: dict[str, str] = {}
        for to, text in self.risks.items():
            if len(text) > MAX_RISK:
                errors[f"risk-{to}"] = f"{RISKS[cast(RiskTo, to)]} must be {MAX_RISK:,} " \
                                       "characters or fewer"
        if len(self.disclosures) > MAX_TEXT:
            errors["disclosures"] = f"The disclosures must be {MAX_TEXT:,} characters or fewer"
        for n, row in enumerate(self.actions, 1):
            if not row.blank:
                errors.update(row.errors(f"actions-{n}", known_agencies, today, n))
        return HearingForm(self.risks, self.disclosures, self.actions, errors)

    def record(self, meeting_id: UUID, today: date) -> HearingRecord:
        if self.errors:
            raise ValueError("a hearing is made of a form without errors")
        risks = tuple(Risk(cast(RiskTo, to), text) for to, text in self.risks.items() if text)
        actions = tuple(row.new_action(today, meeting_id) for row in self.actions
                        if not row.blank)
        return HearingRecord(risks, (self.disclosures,) if self.disclosures else (), actions)

