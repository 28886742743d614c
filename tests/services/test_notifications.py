"""Notifications e-mailed to a real SMTP server (aiosmtpd, started here on a free port): one
test per kind, none carrying personal data, each audited, at least once through an outage."""

from __future__ import annotations

import dataclasses
import email
import json
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from email.message import Message
from typing import Any
from uuid import UUID

import pytest
from aiosmtpd.controller import Controller

from api.background import Background
from api.bootstrap import Platform, build_platform, smtp_config
from api.settings import Settings
from domain.actions import ActionDisposal
from domain.area import COORDINATORS, AreaSettings
from domain.exceptions import InvalidSettings
from notifications.failures import GIVE_UP_AFTER
from notifications.mail import SmtpConfig
from notifications.reviews import restriction_reviews
from notifications.sender import NotificationSender
from security.kek import KeyMaterial
from services import case_closure, partnership
from services.actor import Actor
from services.errors import Forbidden
from services.failed_notifications import failed_notifications
from services.partnership import AgencyChange, apply_partnership
from services.partnership_file import PartnershipFileError, read_partnership_file
from services.system import SystemJob, operator
from storage.migrations import VERSION_TABLE
from tests.factories import VICTIM_ADDRESS, VICTIM_DOB, VICTIM_FORENAME, VICTIM_SURNAME
from tests.services.conftest import HELD_ON, NOW, Area, Clock, trail

POLICE_SPOC = "marac.spoc@police.example.org"
IDVA_SPOC = "referrals@idva.example.org"
COORDINATORS_MAILBOX = "marac.coordinators@wexshire.example.org"
BASE = "https://marac.wexshire.example.org"


class Received:
    """The mail server's inbox: each message as it arrived. `refuse_rcpt`, `refuse_data`: the
    reply that refuses every recipient, or every message's content, instead."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.offered = 0  # messages offered (each has one recipient), accepted or not
        self.refuse_rcpt: str | None = None
        self.refuse_data: str | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any,  # noqa: N802
                          address: str, rcpt_options: list[str]) -> str:
        self.offered += 1
        if self.refuse_rcpt is not None:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse_data is not None:
            return self.refuse_data
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def parsed(self) -> list[tuple[str, Message]]:
        return [(to[0], email.message_from_bytes(raw)) for to, raw in self.messages]

    def to(self, address: str) -> list[Message]:
        return [m for rcpt, m in self.parsed() if rcpt == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MailServer:
    def __init__(self) -> None:
        self.inbox = Received()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def told(area: Area) -> Area:
    """The area with its agencies' single points of contact and its coordinators' mailbox."""
    app = area.platform.marac
    app.change_agency(area.police, spoc_email=POLICE_SPOC)
    app.change_agency(area.idva, spoc_email=IDVA_SPOC)
    settings = app.get_area(area.area_id).settings
    app.change_area_settings(area.area_id, dataclasses.replace(
        settings, coordinators_email=COORDINATORS_MAILBOX))
    return area


def sender(platform: Platform, server: MailServer) -> NotificationSender:
    config = SmtpConfig("127.0.0.1", server.port, "marac@wexshire.example.org", BASE,
                        starttls=False, timeout=2.0)
    return NotificationSender(platform.marac, platform.notices, platform.audit, platform.now,
                              platform.cases, config=config)


def deliver(platform: Platform, server: MailServer) -> int:
    platform.notice_runner.catch_up()
    return sender(platform, server).run_once()


def notify_records(platform: Platform) -> list[tuple[str, str | None, tuple[str, ...]]]:
    return [(r["outcome"], r["case_id"], tuple(json.loads(r["item_ids"])[:2]))
            for r in platform.audit.records() if r["action"] == "notify"]


def on(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def listed(area: Area) -> tuple[UUID, UUID]:
    """An accepted case listed for the meeting on HELD_ON, the IDVA invited."""
    app = area.platform.marac
    case_id = area.case()
    meeting_id = app.schedule_meeting(area.area_id, "standard", HELD_ON, by="coordinator-1")
    app.list_on_agenda(meeting_id, case_id, invite={area.idva}, by="coordinator-1")
    return case_id, meeting_id


def body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def test_research_requested_tells_the_asked_agency_with_a_link_and_is_audited(
        told: Area, mail_server: MailServer) -> None:
    platform = told.platform
    case_id, meeting_id = listed(told)
    platform.marac.request_research(meeting_id, case_id, agencies={told.idva},
                                    due_on=HELD_ON, by="coordinator-1")
    assert deliver(platform, mail_server) == 1
    [message] = mail_server.inbox.to(IDVA_SPOC)
    assert message["Subject"] == "MARAC: Research requested"
    assert message["Message-ID"].endswith("@wexshire.example.org>")
    assert f"{BASE}/cases/{case_id}" in body(message)
    assert notify_records(platform) == [
        ("allowed", str(case_id), ("research_requested", f"agency:{told.idva}"))]
    # Sent once: another pass finds nothing more to send.
    assert deliver(platform, mail_server) == 0
    assert len(mail_server.inbox.messages) == 1


def test_action_assigned_tells_the_owner_agency(told: Area, mail_server: MailServer) -> None:
    platform = told.platform
    case_id = told.case()
    platform.marac.agree_action(case_id, owner_agency=told.idva, description="Safety plan",
                                for_whom="victim", due_on=date(2026, 1, 20), by="coordinator-1")
    assert deliver(platform, mail_server) == 1
    [message] = mail_server.inbox.to(IDVA_SPOC)
    assert message["Subject"] == "MARAC: Action assigned"
    assert f"{BASE}/cases/{case_id}" in body(message)
    assert notify_records(platform) == [
        ("allowed", str(case_id), ("action_assigned", f"agency:{told.idva}"))]


def test_an_overdue_action_tells_its_owner_and_the_coordinators(
        told: Area, mail_server: MailServer, clock: Clock) -> None:
    platform = told.platform
    case_id = told.case()
    action_id = platform.marac.agree_action(
        case_id, owner_agency=told.idva, description="Safety plan", for_whom="victim",
        due_on=date(2026, 1, 13), by="coordinator-1")
    deliver(platform, mail_server)
    clock.at = on(date(2026, 1, 15))
    platform.marac.escalate_action(case_id, action_id, by="system:action-escalation")
    assert deliver(platform, mail_server) == 2
    assert [m["Subject"] for m in mail_server.inbox.to(COORDINATORS_MAILBOX)] == [
        "MARAC: Action overdue"]
    assert [m["Subject"] for m in mail_server.inbox.to(IDVA_SPOC)] == [
        "MARAC: Action assigned", "MARAC: Action overdue"]
    assert sorted(notify_records(platform)[1:]) == [
        ("allowed", str(case_id), ("action_overdue", f"agency:{told.idva}")),
        ("allowed", str(case_id), ("action_overdue", "coordinators"))]


def test_minutes_available_tells_the_attending_agencies(
        told: Area, mail_server: MailServer, clock: Clock) -> None:
    platform = told.platform
    _, meeting_id = listed(told)
    clock.at = on(HELD_ON)
    for person, agency in (("officer-1", told.police), ("idva-1", told.idva)):
        platform.marac.record_attendance(meeting_id, person=person, agency_id=agency,
                                         acknowledged_confidentiality=True,
                                         statement_version=1)
    platform.marac.distribute_minutes(meeting_id, by="coordinator-1")
    assert deliver(platform, mail_server) == 2
    for spoc in (POLICE_SPOC, IDVA_SPOC):
        [message] = mail_server.inbox.to(spoc)
        assert message["Subject"] == "MARAC: Minutes available"
        assert f"{BASE}/meetings/{meeting_id}" in body(message)
    assert sorted(notify_records(platform)) == sorted(
        ("allowed", None, ("minutes_available", f"agency:{a}")) for a in (told.police, told.idva))


def test_a_closed_case_asks_each_agency_told_to_acknowledge(
        told: Area, mail_server: MailServer) -> None:
    platform = told.platform
    case_id, _ = listed(told)  # the IDVA invited to its hearing: involved
    platform.marac.close_case(case_id, by="coordinator-1", reason="risk reduced",
                              inform={told.police, told.idva})
    assert deliver(platform, mail_server) == 2
    for spoc in (POLICE_SPOC, IDVA_SPOC):
        [message] = mail_server.inbox.to(spoc)
        assert message["Subject"] == "MARAC: Case closed: please acknowledge"
        assert f"{BASE}/cases/{case_id}" in body(message)


def test_an_agency_carrying_an_action_on_is_asked_to_acknowledge_the_closure(
        told: Area, mail_server: MailServer) -> None:
    platform = told.platform
    case_id = told.case()  # the police involved; the IDVA not, until it carries the action
    action_id = platform.marac.agree_action(
        case_id, owner_agency=told.police, description="Marker on address",
        for_whom="household", due_on=date(2026, 1, 20), by="coordinator-1")
    deliver(platform, mail_server)
    case_closure.close(platform, told.coordinator(), case_id, reason="risk reduced",
                       disposals=[ActionDisposal(action_id, "carried", told.idva)])
    assert deliver(platform, mail_server) == 2
    [message] = mail_server.inbox.to(IDVA_SPOC)
    assert message["Subject"] == "MARAC: Case closed: please acknowledge"
    assert ("allowed", str(case_id), ("case_closed", f"agency:{told.idva}")) in (
        notify_records(platform))


def test_a_restriction_due_for_review_tells_the_coordinators_once(
        told: Area, mail_server: MailServer, clock: Clock) -> None:
    platform = told.platform
    case_id = told.case()
    platform.marac.restrict(case_id, by="coordinator-1", reason="employee case",
                            members={"coordinator-1"})
    platform.runner.catch_up()
    assert restriction_reviews(platform.notices, platform.cases, platform.marac,
                               platform.now()) == 0
    clock.at += timedelta(days=91)
    for _ in range(2):  # the day's jobs run hourly: the same review is noticed once
        restriction_reviews(platform.notices, platform.cases, platform.marac, platform.now())
        deliver(platform, mail_server)
    [message] = mail_server.inbox.to(COORDINATORS_MAILBOX)
    assert message["Subject"] == "MARAC: Restriction review due"
    assert f"{BASE}/cases/{case_id}" in body(message)
    assert len(mail_server.inbox.messages) == 1


def test_a_restricted_case_is_not_announced_to_an_agency_outside_it(
        told: Area, mail_server: MailServer) -> None:
    platform = told.platform
    case_id, _ = listed(told)  # the IDVA invited, and then left outside the restriction
    platform.marac.restrict(case_id, by="coordinator-1", reason="employee case",
                            members={"coordinator-1"}, member_agencies={told.police})
    platform.marac.close_case(case_id, by="coordinator-1", reason="risk reduced",
                              inform={told.police, told.idva})
    assert deliver(platform, mail_server) == 1
    assert [rcpt for rcpt, _ in mail_server.inbox.parsed()] == [POLICE_SPOC]


def test_no_message_carries_the_subjects_names_dates_of_birth_or_addresses(
        told: Area, mail_server: MailServer, clock: Clock) -> None:
    platform = told.platform
    case_id, meeting_id = listed(told)
    platform.marac.request_research(meeting_id, case_id, agencies={told.idva},
                                    due_on=HELD_ON, by="coordinator-1")
    action_id = platform.marac.agree_action(
        case_id, owner_agency=told.idva, description="Safety plan", for_whom="victim",
        due_on=date(2026, 1, 13), by="coordinator-1")
    clock.at = on(HELD_ON)
    platform.marac.escalate_action(case_id, action_id, by="system:action-escalation")
    platform.marac.record_attendance(meeting_id, person="idva-1", agency_id=told.idva,
                                     acknowledged_confidentiality=True,
                                         statement_version=1)
    platform.marac.distribute_minutes(meeting_id, by="coordinator-1")
    platform.marac.close_case(case_id, by="coordinator-1", reason="risk reduced",
                              inform={told.police, told.idva},
                              disposals=[ActionDisposal(action_id, "closed_with_case")])
    deliver(platform, mail_server)
    received = mail_server.inbox.messages
    kinds = {m["Subject"] for _, m in mail_server.inbox.parsed()}
    assert len(kinds) == 5
    assert len(received) == 7
    case = platform.marac.get_case(case_id)
    forbidden = {VICTIM_SURNAME, VICTIM_FORENAME, VICTIM_ADDRESS, "Larkspurxq", "WX9 4QZ"}
    for subject in case.subjects.values():
        forbidden |= {subject.forenames, subject.surname}
        if subject.address:
            forbidden.add(subject.address)
        for born in (subject.date_of_birth, VICTIM_DOB):
            if born is not None:
                forbidden |= {born.isoformat(), born.strftime("%d/%m/%Y"),
                              born.strftime("%d %B %Y"), born.strftime("%d %b %Y"),
                              born.strftime("%Y%m%d"), born.strftime("%-d %B %Y")}
    for _, raw in received:
        text = raw.decode().lower()
        found = [f for f in forbidden if f.lower() in text]
        assert found == []
    # The audit trail names the recipient agency, never its address.
    records = [r for r in platform.audit.records() if r["action"] == "notify"]
    assert len(records) == 7
    assert not [r for r in records if "@" in json.dumps(r, default=str)]


def test_while_the_mail_server_is_down_nothing_is_lost_and_it_is_sent_once_when_up(
        told: Area, mail_server: MailServer, clock: Clock) -> None:
    platform = told.platform
    case_id = told.case()
    platform.marac.agree_action(case_id, owner_agency=told.idva, description="Safety plan",
                                for_whom="victim", due_on=date(2026, 1, 20), by="coordinator-1")
    mail_server.stop()
    assert deliver(platform, mail_server) == 0
    assert notify_records(platform) == [
        ("allowed", str(case_id), ("action_assigned", f"agency:{told.idva}")),
        ("failed", str(case_id), ())]
    assert set(platform.notices.states().values()) == {"pending"}
    # Not retried before its backoff has passed.
    mail_server.start()
    assert deliver(platform, mail_server) == 0
    clock.at += timedelta(hours=1)
    assert deliver(platform, mail_server) == 1
    assert deliver(platform, mail_server) == 0
    assert len(mail_server.inbox.to(IDVA_SPOC)) == 1
    assert set(platform.notices.states().values()) == {"sent"}


def test_a_recipient_taking_a_daily_digest_gets_one_message_the_next_day(
        told: Area, mail_server: MailServer, clock: Clock) -> None:
    platform = told.platform
    app = platform.marac
    settings = app.get_area(told.area_id).settings
    app.change_area_settings(told.area_id, dataclasses.replace(
        settings, digest_recipients=("idva",)))
    first, second = told.case(), told.case()
    for case_id in (first, second):
        app.agree_action(case_id, owner_agency=told.idva, description="Safety plan",
                         for_whom="victim", due_on=date(2026, 1, 20), by="coordinator-1")
    app.agree_action(first, owner_agency=told.police, description="Marker on address",
                     for_whom="household", due_on=date(2026, 1, 20), by="coordinator-1")
    assert deliver(platform, mail_server) == 1  # the police, at once; the IDVA tomorrow
    assert mail_server.inbox.to(IDVA_SPOC) == []
    clock.at += timedelta(days=1)
    assert deliver(platform, mail_server) == 2
    [digest] = mail_server.inbox.to(IDVA_SPOC)
    assert digest["Subject"] == "MARAC: daily digest (2 notifications)"
    assert f"{BASE}/cases/{first}" in body(digest)
    assert f"{BASE}/cases/{second}" in body(digest)
    # Each notification in it is audited.
    assert len([r for r in notify_records(platform) if r[2][1] == f"agency:{told.idva}"]) == 2


def test_the_worker_sends_notifications_only_when_smtp_is_configured(
        settings: Settings, stores: Platform) -> None:
    assert "notifications" not in Background(stores).loops
    assert smtp_config(settings) is None
    stores.settings = settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_from": "marac@example.org", "public_base_url": BASE})
    assert "notifications" in Background(stores).loops


def test_coordinators_mailbox_and_digest_settings_are_checked() -> None:
    AreaSettings(coordinators_email=COORDINATORS_MAILBOX,
                 digest_recipients=("idva", COORDINATORS)).check_valid()
    with pytest.raises(InvalidSettings):
        AreaSettings(coordinators_email="not an address").check_valid()
    with pytest.raises(InvalidSettings):
        AreaSettings(digest_recipients=("Not A Code",)).check_valid()


def test_an_agency_that_lost_sight_of_the_case_before_sending_is_not_told(
        told: Area, mail_server: MailServer) -> None:
    platform = told.platform
    case_id, _ = listed(told)
    platform.marac.agree_action(case_id, owner_agency=told.idva, description="Safety plan",
                                for_whom="victim", due_on=date(2026, 1, 20), by="coordinator-1")
    platform.notice_runner.catch_up()  # noticed while the IDVA could see the case
    platform.marac.restrict(case_id, by="coordinator-1", reason="employee case",
                            members={"coordinator-1"}, member_agencies={told.police})
    assert deliver(platform, mail_server) == 0
    assert mail_server.inbox.messages == []
    assert notify_records(platform) == [
        ("withheld", str(case_id), ("action_assigned", f"agency:{told.idva}"))]
    assert set(platform.notices.states().values()) == {"withheld"}


def test_two_workers_sending_at_once_each_send_a_notice_once(
        told: Area, mail_server: MailServer) -> None:
    platform = told.platform
    case_id = told.case()
    platform.marac.agree_action(case_id, owner_agency=told.idva, description="Safety plan",
                                for_whom="victim", due_on=date(2026, 1, 20), by="coordinator-1")
    platform.notice_runner.catch_up()
    first, second = sender(platform, mail_server), sender(platform, mail_server)
    # The second looks while the first holds the notice (claimed, not yet settled).
    claimed = platform.notices.due(platform.now())
    assert len(claimed) == 1
    assert second.run_once() == 0
    assert first.run_once() == 0  # claimed, and not lapsed: nobody sends it now
    platform.notices.hold([claimed[0].notice.message_id], platform.now())  # the claim lapses
    assert first.run_once() == 1
    assert second.run_once() == 0
    assert len(mail_server.inbox.messages) == 1


def test_the_partnership_file_names_the_coordinators_mailbox_and_the_digest_takers() -> None:
    described = read_partnership_file("""
partnership: Wexshire
protocol: {title: Wexshire ISP, version: "1", signatories: [police]}
areas:
  - code: wexshire
    name: Wexshire MARAC
    model: marac
    settings:
      coordinators_email: marac.coordinators@wexshire.example.org
      digest_recipients: [police, coordinators]
agencies:
  - {code: police, name: Police, type: police, core: true, areas: [wexshire]}
""")
    [area] = described.areas
    assert area.settings.coordinators_email == "marac.coordinators@wexshire.example.org"
    assert area.settings.digest_recipients == ("police", "coordinators")
    with pytest.raises(PartnershipFileError) as refused:
        read_partnership_file("""
partnership: Wexshire
protocol: {title: Wexshire ISP, version: "1", signatories: [police]}
areas:
  - {code: wexshire, name: Wexshire MARAC, model: marac,
     settings: {coordinators_email: not an address}}
agencies:
  - {code: police, name: Police, type: police, core: true, areas: [wexshire]}
""")
    assert (refused.value.code, refused.value.field) == ("invalid_settings", "areas.0.settings")


# Two platforms on one database: a real store.
@pytest.mark.real_stores
def test_a_platform_upgraded_to_notifications_does_not_tell_of_its_past(
        told: Area, settings: Settings, key_material: KeyMaterial, clock: Clock,
        mail_server: MailServer) -> None:
    old = told.platform
    case_id = told.case()
    old.marac.agree_action(case_id, owner_agency=told.idva, description="Safety plan",
                           for_whom="victim", due_on=date(2026, 1, 20), by="coordinator-1")
    with old.database.transaction() as cur:  # as the database was before notifications
        cur.execute("DELETE FROM projection_tracking WHERE name = 'notifications'")
        cur.execute("DROP TABLE notification_outbox")
        cur.execute(f"DROP TABLE {VERSION_TABLE}")  # made before versions were recorded
    upgraded = build_platform(settings, material=key_material, now=clock)
    try:
        assert deliver(upgraded, mail_server) == 0
        upgraded.marac.agree_action(case_id, owner_agency=told.idva, description="Refuge",
                                    for_whom="victim", due_on=date(2026, 1, 20),
                                    by="coordinator-1")
        assert deliver(upgraded, mail_server) == 1
    finally:
        upgraded.close()
    assert len(mail_server.inbox.messages) == 1


def test_the_workers_pass_sends_through_the_configured_server(
        told: Area, settings: Settings, mail_server: MailServer, tmp_path: Any) -> None:
    platform = told.platform
    secret = tmp_path / "smtp-password"
    secret.write_text("not-used-without-a-username\n")
    platform.settings = settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": mail_server.port, "smtp_starttls": False,
        "smtp_from": "marac@wexshire.example.org", "smtp_password_file": secret,
        "public_base_url": BASE})
    case_id = told.case()
    platform.marac.agree_action(case_id, owner_agency=told.idva, description="Safety plan",
                                for_whom="victim", due_on=date(2026, 1, 20), by="coordinator-1")
    Background(platform).run_once()
    [message] = mail_server.inbox.to(IDVA_SPOC)
    assert message["From"] == "marac@wexshire.example.org"
    assert f"{BASE}/cases/{case_id}" in body(message)


# A recipient with no mailbox on record ------------------------------------------------------

def test_a_notice_for_an_agency_with_no_contact_is_kept_and_sent_once_one_is_set(
        told: Area, mail_server: MailServer, clock: Clock) -> None:
    platform = told.platform
    platform.marac.change_agency(told.idva, clear_spoc=True)
    case_id = told.case()
    platform.marac.agree_action(case_id, owner_agency=told.idva, description="Safety plan",
                                for_whom="victim", due_on=date(2026, 1, 20), by="coordinator-1")
    assert deliver(platform, mail_server) == 0
    clock.at += timedelta(days=2)  # looked at again, and still nobody to tell
    assert deliver(platform, mail_server) == 0
    assert set(platform.notices.states().values()) == {"awaiting_contact"}
    assert notify_records(platform) == []  # nothing disclosed

    admin = told.actor("admin-1", "administrator")
    partnership.change_agency(platform, admin, told.idva, AgencyChange(spoc_email=IDVA_SPOC))
    assert deliver(platform, mail_server) == 1  # at once
    [message] = mail_server.inbox.to(IDVA_SPOC)
    assert message["Subject"] == "MARAC: Action assigned"
    assert f"{BASE}/cases/{case_id}" in body(message)
    assert VICTIM_SURNAME.lower() not in mail_server.inbox.messages[0][1].decode().lower()
    assert notify_records(platform) == [
        ("allowed", str(case_id), ("action_assigned", f"agency:{told.idva}"))]
    assert set(platform.notices.states().values()) == {"sent"}


def test_the_coordinators_notices_wait_for_their_mailbox_from_the_partnership_file(
        area: Area, mail_server: MailServer, clock: Clock) -> None:
    platform = area.platform
    case_id = area.case()
    platform.marac.restrict(case_id, by="coordinator-1", reason="employee case",
                            members={"coordinator-1"})
    platform.runner.catch_up()
    clock.at += timedelta(days=91)
    restriction_reviews(platform.notices, platform.cases, platform.marac, platform.now())
    assert deliver(platform, mail_server) == 0
    assert set(platform.notices.states().values()) == {"awaiting_contact"}

    job = SystemJob.named(platform.audit, platform.now, operator("tester"))
    apply_partnership(platform, job, read_partnership_file(f"""
partnership: Wexshire
protocol: {{title: Wexshire ISP, version: "1", signatories: [police, idva]}}
areas:
  - {{code: wexshire, name: Wexshire MARAC, model: marac,
     settings: {{coordinators_email: {COORDINATORS_MAILBOX}}}}}
agencies:
  - {{code: police, name: Police, type: police, core: true, areas: [wexshire]}}
  - {{code: idva, name: Idva, type: idva, core: true, areas: [wexshire]}}
"""))
    assert deliver(platform, mail_server) == 1
    [message] = mail_server.inbox.to(COORDINATORS_MAILBOX)
    assert message["Subject"] == "MARAC: Restriction review due"


# Refused for good, or failing too long ------------------------------------------------------

def outbox_rows(platform: Platform) -> list[tuple[Any, ...]]:
    with platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT * FROM notification_outbox")
        return list(cur.fetchall())


@pytest.mark.parametrize(("refusal", "reply"), [
    ("rcpt", f"550 5.1.1 <{IDVA_SPOC}>: Recipient address rejected: User unknown"),
    ("data", "554 5.7.1 Message refused by policy"),
], ids=["recipient-550", "content-554"])
def test_a_permanent_refusal_is_not_retried_and_the_coordinators_see_it_failed(
        told: Area, mail_server: MailServer, clock: Clock, refusal: str, reply: str) -> None:
    platform = told.platform
    setattr(mail_server.inbox, f"refuse_{refusal}", reply)
    case_id = told.case()
    platform.marac.agree_action(case_id, owner_agency=told.idva, description="Safety plan",
                                for_whom="victim", due_on=date(2026, 1, 20), by="coordinator-1")
    assert deliver(platform, mail_server) == 0
    for _ in range(3):  # not tried again, whatever the wait
        clock.at += timedelta(hours=5)
        assert deliver(platform, mail_server) == 0
    assert mail_server.inbox.offered == 1
    assert set(platform.notices.states().values()) == {"failed"}
    assert notify_records(platform) == [
        ("allowed", str(case_id), ("action_assigned", f"agency:{told.idva}")),
        ("failed", str(case_id), ())]

    failed = failed_notifications(platform, platform.notices, told.coordinator())
    code = reply[:3]
    assert [(f.kind, f.recipient_agency_id, f.case_id, f.attempts, f.error)
            for f in failed] == [("action_assigned", told.idva, case_id, 1, f"smtp:{code}")]
    assert failed[0].failed_at == NOW
    # The server's reply quoted the address: none of it is kept.
    assert "@" not in json.dumps(outbox_rows(platform), default=str)


@pytest.mark.parametrize("outage", ["451", "down"])
def test_a_transient_failure_is_retried_for_three_days_then_failed(
        told: Area, mail_server: MailServer, clock: Clock, outage: str) -> None:
    platform = told.platform
    if outage == "down":
        mail_server.stop()
    else:
        mail_server.inbox.refuse_data = "451 4.3.0 Temporary local problem, try again later"
    case_id = told.case()
    platform.marac.agree_action(case_id, owner_agency=told.idva, description="Safety plan",
                                for_whom="victim", due_on=date(2026, 1, 20), by="coordinator-1")
    start = clock.at
    deliver(platform, mail_server)
    while clock.at < start + GIVE_UP_AFTER - timedelta(hours=1):
        clock.at += timedelta(hours=1)  # the worker's passes, an hour apart
        assert deliver(platform, mail_server) == 0
    assert set(platform.notices.states().values()) == {"pending"}
    tries = mail_server.inbox.offered
    assert outage == "down" or tries > 70

    for _ in range(3):
        clock.at += timedelta(hours=1)
        deliver(platform, mail_server)
    assert set(platform.notices.states().values()) == {"failed"}
    assert outage == "down" or mail_server.inbox.offered == tries + 1  # the last, at 3 days
    error = "ConnectionRefusedError" if outage == "down" else "smtp:451"
    [failed] = failed_notifications(platform, platform.notices, told.coordinator())
    assert (failed.case_id, failed.error, failed.failed_at) == (
        case_id, error, start + GIVE_UP_AFTER)


def test_failed_notifications_are_listed_only_for_coordinators_and_cases_they_see(
        told: Area, mail_server: MailServer) -> None:
    platform = told.platform
    mail_server.inbox.refuse_rcpt = "550 5.1.1 Recipient address rejected"
    seen, restricted = told.case(), told.case()
    platform.marac.restrict(restricted, by="coordinator-1", reason="employee case",
                            members={"coordinator-1"}, member_agencies={told.idva})
    for case_id in (seen, restricted):
        platform.marac.agree_action(case_id, owner_agency=told.idva, description="Refuge",
                                    for_whom="victim", due_on=date(2026, 1, 20),
                                    by="coordinator-1")
    platform.runner.catch_up()
    deliver(platform, mail_server)
    assert set(platform.notices.states().values()) == {"failed"}

    def listed(actor: Actor) -> set[UUID | None]:
        return {f.case_id for f in failed_notifications(platform, platform.notices, actor)}

    assert listed(told.coordinator()) == {seen, restricted}  # a member
    outside = told.actor("coordinator-2", "coordinator", agency=told.police)
    assert listed(outside) == {seen}
    with pytest.raises(Forbidden):
        failed_notifications(platform, platform.notices,
                             told.actor("idva-1", "representative", agency=told.idva))
    assert [(r[1], set(r[3])) for r in trail(platform.audit) if r[0] == "list"] == [
        ("allowed", {"notifications", str(seen), str(restricted)}),
        ("allowed", {"notifications", str(seen)}),
        ("denied", {"notifications"})]


# Two platforms on one database: a real store.
@pytest.mark.real_stores
def test_an_outbox_made_before_failures_were_told_apart_records_them_once_upgraded(
        told: Area, settings: Settings, key_material: KeyMaterial, clock: Clock,
        mail_server: MailServer) -> None:
    old = told.platform
    case_id = told.case()
    old.marac.agree_action(case_id, owner_agency=told.idva, description="Safety plan",
                           for_whom="victim", due_on=date(2026, 1, 20), by="coordinator-1")
    old.notice_runner.catch_up()
    for column in ("failing_since", "failed_at"):  # as the outbox was before
        old.database.execute_script([f"ALTER TABLE notification_outbox DROP COLUMN {column}"])
    old.database.execute_script([f"DROP TABLE {VERSION_TABLE}"])  # and before versions
    mail_server.inbox.refuse_rcpt = "550 5.1.1 Recipient address rejected"
    upgraded = build_platform(settings, material=key_material, now=clock)
    try:
        assert deliver(upgraded, mail_server) == 0
        [failed] = failed_notifications(upgraded, upgraded.notices, told.coordinator())
    finally:
        upgraded.close()
    assert (failed.case_id, failed.error) == (case_id, "smtp:550")
