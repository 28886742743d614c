"""Subject access end to end, as services: record, verify, assemble (each redaction noted and
why), review (withhold more, confirm), release as a PDF that names no one else; each step one
audit record that names the request, never the requester."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from pypdf import PdfReader

from api.settings import Settings
from domain.access import Audience
from domain.subject_access import (
    InvalidSubjectAccessRequest,
    SubjectAccessAlreadyReleased,
    SubjectAccessDraftChanged,
    SubjectAccessIdentityNotVerified,
    SubjectAccessNotConfirmed,
)
from domain.subjects import Subject
from services import subject_access_requests as sar
from services.actor import Actor
from services.errors import Forbidden, NotFound
from tests.factories import VICTIM_DOB, VICTIM_FORENAME, VICTIM_SURNAME, perpetrator, victim
from tests.services.conftest import NOW, Area

CHILD = ("Rowanxq", "Marchbankxq")
OFFICER = "officer-4471"   # the referrer (tests/factories.py)
AUTHOR = "idva-worker-Tamsinxq"


def probe() -> Subject:
    return Subject(uuid4(), "victim", VICTIM_FORENAME, VICTIM_SURNAME,
                   date_of_birth=VICTIM_DOB)


def a_case(area: Area) -> UUID:
    """A case about the victim, her ex-partner and his child, with a note naming them all."""
    child = Subject(uuid4(), "child", *CHILD, date_of_birth=date(2015, 6, 1))
    case_id = area.case(subjects=(victim(), perpetrator(), child))
    area.platform.marac.share(
        case_id, kind="disclosure", audience=Audience("whole_case"), author=AUTHOR,
        author_agency=area.idva, for_agency=False,
        text=f"Dorianxq Marchbankxq threatened {VICTIM_FORENAME} in front of Rowanxq; "
             "officer-4471 attended. The informant at number 4 asked not to be named.")
    area.platform.runner.catch_up()
    return case_id


def dpo(area: Area, who: str = "dpo-1") -> Actor:
    return area.actor(who, "dpo")


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def others_names() -> list[str]:
    return ["Dorianxq", "Marchbankxq", *CHILD, OFFICER, AUTHOR, "Tamsinxq", "informant"]


def test_a_request_is_recorded_with_its_due_date_then_extended_with_a_reason(
    area: Area,
) -> None:
    received = NOW.date() - timedelta(days=3)
    request_id = sar.record_request(area.platform, dpo(area), probe(), received_on=received)
    view = sar.view_request(area.platform, dpo(area), request_id)
    assert (view.summary.received_on, view.summary.due_on, view.summary.status) == (
        received, date(2026, 2, 9), "awaiting_identity")
    with pytest.raises(InvalidSubjectAccessRequest):  # more than three months from receipt
        sar.extend(area.platform, dpo(area), request_id, date(2026, 4, 10), "Complex: 9 cases")
    with pytest.raises(InvalidSubjectAccessRequest):  # no reason
        sar.extend(area.platform, dpo(area), request_id, date(2026, 3, 9), " ")
    sar.extend(area.platform, dpo(area), request_id, date(2026, 4, 9), "Complex: 9 cases")
    view = sar.view_request(area.platform, dpo(area), request_id)
    assert (view.summary.due_on, view.extension_reason) == (date(2026, 4, 9),
                                                            "Complex: 9 cases")
    with pytest.raises(InvalidSubjectAccessRequest):  # received tomorrow
        sar.record_request(area.platform, dpo(area), probe(),
                           received_on=NOW.date() + timedelta(days=1))


def test_the_list_is_the_dpos_overdue_first(area: Area) -> None:
    recent = sar.record_request(area.platform, dpo(area), probe(), received_on=NOW.date())
    late = sar.record_request(area.platform, dpo(area), probe(), received_on=date(2025, 11, 1))
    listed = sar.list_requests(area.platform, dpo(area))
    assert [(s.request_id, s.overdue) for s in listed] == [(late, True), (recent, False)]
    assert listed[0].subject_name == f"{VICTIM_FORENAME} {VICTIM_SURNAME}"
    with pytest.raises(Forbidden):
        sar.list_requests(area.platform, area.coordinator())
    elsewhere = uuid4()
    assert sar.list_requests(area.platform, area.actor("dpo-9", "dpo", area_id=elsewhere)) == ()
    with pytest.raises(NotFound):
        sar.view_request(area.platform, area.actor("dpo-9", "dpo", area_id=elsewhere), late)
    with pytest.raises(NotFound):
        sar.view_request(area.platform, dpo(area), uuid4())


def test_assembling_waits_for_the_identity_check_then_notes_every_redaction_and_why(
    area: Area,
) -> None:
    case_id = a_case(area)
    request_id = sar.record_request(area.platform, dpo(area), probe())
    with pytest.raises(SubjectAccessIdentityNotVerified):
        sar.assemble_draft(area.platform, dpo(area), request_id)
    sar.verify_identity(area.platform, dpo(area), request_id, "Passport seen in person")
    draft = sar.assemble_draft(area.platform, dpo(area), request_id)
    assert [c.case_id for c in draft.cases] == [case_id]
    text = draft.cases[0].information[0].text
    assert text.startswith(f"[redacted] [redacted] threatened {VICTIM_FORENAME} in front of "
                           "[redacted]; [staff] attended.")
    why = {(r.text, r.reason) for r in draft.redactions}
    assert {("dorianxq", "third_party"), ("marchbankxq", "third_party"),
            ("rowanxq", "third_party"), ("officer-4471", "staff")} <= why
    assert {r.detail for r in draft.redactions if r.text == "rowanxq"} == {"names the child"}


def test_the_dpo_withholds_more_confirms_and_releases_a_pdf_naming_no_one_else(
    area: Area,
) -> None:
    a_case(area)
    request_id = sar.record_request(area.platform, dpo(area), probe(),
                                    identity_verified_how="Passport seen")
    sar.assemble_draft(area.platform, dpo(area), request_id)
    with pytest.raises(SubjectAccessNotConfirmed):
        sar.release(area.platform, dpo(area), request_id)
    sar.add_redaction(area.platform, dpo(area), request_id, text="The informant at number 4",
                      reason="crime_prevention", note="Would identify a witness")
    view = sar.view_request(area.platform, dpo(area), request_id)
    assert view.draft is not None
    assert view.draft.version == 2
    assert "[withheld] asked not to be named" in view.draft.cases[0].information[0].text
    assert ("the informant at number 4", "crime_prevention") in {
        (r.text, r.reason) for r in view.draft.redactions if r.added}
    with pytest.raises(SubjectAccessDraftChanged):  # the version shown before the redaction
        sar.confirm(area.platform, dpo(area), request_id, 1)
    sar.confirm(area.platform, dpo(area), request_id, 2)
    released = sar.release(area.platform, dpo(area), request_id)
    text = pdf_text(released.pdf)
    assert text.count("OFFICIAL-SENSITIVE") >= 2 * len(PdfReader(io.BytesIO(released.pdf)).pages)
    assert VICTIM_SURNAME in text
    assert "[withheld] asked not to be named" in text
    for name in others_names():
        assert name.lower() not in text.lower(), name
    again = sar.released_pdf(area.platform, dpo(area), request_id)
    assert (again.pdf, again.version, again.sha256) == (released.pdf, 2, released.sha256)
    view = sar.view_request(area.platform, dpo(area), request_id)
    assert view.summary.status == "released"
    assert view.release is not None
    assert (view.release.version, view.release.by) == (2, "dpo-1")
    with pytest.raises(SubjectAccessAlreadyReleased):
        sar.release(area.platform, dpo(area), request_id)


def test_a_case_changed_after_confirmation_is_reviewed_again_before_release(
    area: Area,
) -> None:
    case_id = a_case(area)
    request_id = sar.record_request(area.platform, dpo(area), probe(),
                                    identity_verified_how="Passport seen")
    sar.assemble_draft(area.platform, dpo(area), request_id)
    sar.confirm(area.platform, dpo(area), request_id, 1)
    area.platform.marac.share(case_id, kind="disclosure", text="Seen by the GP",
                              audience=Audience("whole_case"), author=AUTHOR,
                              author_agency=area.idva, for_agency=False)
    area.platform.runner.catch_up()
    view = sar.view_request(area.platform, dpo(area), request_id)
    assert view.draft is not None
    assert view.draft.changed_since_confirmed
    with pytest.raises(SubjectAccessDraftChanged):
        sar.release(area.platform, dpo(area), request_id)


def test_each_step_is_audited_by_the_requests_id_and_never_names_the_requester(
    area: Area,
) -> None:
    case_id = a_case(area)
    with pytest.raises(Forbidden):
        sar.record_request(area.platform, area.coordinator(), probe())
    request_id = sar.record_request(area.platform, dpo(area), probe(),
                                    identity_verified_how="Passport seen")
    sar.assemble_draft(area.platform, dpo(area), request_id)
    sar.confirm(area.platform, dpo(area), request_id, 1)
    sar.release(area.platform, dpo(area), request_id)
    records = [r for r in area.platform.audit.records() if r["action"] == "subject_access"]
    assert [(r["actor"], r["outcome"], json.loads(r["item_ids"])) for r in records] == [
        ("coordinator-1", "denied", ["record"]),
        ("dpo-1", "allowed", [str(request_id), "record"]),
        ("dpo-1", "allowed", [str(request_id), "assemble", str(case_id)]),
        ("dpo-1", "allowed", [str(request_id), "confirm", str(case_id)]),
        ("dpo-1", "allowed", [str(request_id), "release:v1", str(case_id)])]
    everything = json.dumps(area.platform.audit.records(), default=str)
    assert VICTIM_SURNAME not in everything
    assert VICTIM_FORENAME not in everything


@pytest.mark.sqlite_file  # the file is SQLite's; PostgreSQL keeps the same sealed events
def test_the_requesters_details_are_in_no_plaintext_column(
    area: Area, settings: Settings,
) -> None:
    assert settings.database_url.startswith("sqlite:///")
    a_case(area)
    request_id = sar.record_request(
        area.platform, dpo(area), Subject(uuid4(), "victim", "Zebedeexq", "Ottolenghixq",
                                      date_of_birth=date(1979, 2, 3)),
        identity_verified_how="Driving licence Ottolenghixq")
    sar.extend(area.platform, dpo(area), request_id, date(2026, 3, 12), "Zebedeexq's 9 cases")
    sar.assemble_draft(area.platform, dpo(area), request_id)
    sar.confirm(area.platform, dpo(area), request_id, 1)
    sar.release(area.platform, dpo(area), request_id)
    sar.list_requests(area.platform, dpo(area))
    area.platform.runner.catch_up()  # every read model has seen the request's events
    path = Path(settings.database_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(FULL)")
    raw = b"".join(f.read_bytes() for f in path.parent.glob(path.name + "*"))
    for leak in (b"Zebedeexq", b"Ottolenghixq", b"ottolenghixq", b"1979-02-03"):
        assert leak not in raw, leak
