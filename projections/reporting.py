"""The reporting read model: the facts the performance indicators and the SafeLives return
count, kept per referral, hearing, meeting, action and MARRAC case.

Columns hold ids, dates, codes and flags only. What a report says about a person (a victim's
sex, age, ethnicity, sexuality, disability; children; links to social care and other
safeguarding arrangements) is sealed under the case's key, as every read model derived from a
case is: erasing the case erases its contribution to later reports. Like the case views, each
case's rows are rewritten from the aggregate at the projected version, so a rebuild from zero
writes the same facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from eventsourcing.persistence import Notification

from domain.application import Marac
from domain.case import Case
from domain.meeting import Meeting
from domain.monitoring import age_on, lgbt_plus, racially_minoritised
from domain.values import from_plain, plain
from projections.folds import Folds
from security.documents import DocumentSealer
from storage.database import Cursor, Database, chunks, pipelined

PROFILES = "report_profiles"
TABLES = ("report_referrals", "report_discussions", "report_meetings", "report_attendance",
          "report_actions", "report_marrac", "report_contacts", PROFILES)
# Those holding a case's own facts (the rest are the meetings').
CASE_FACT_TABLES = tuple(t for t in TABLES if t not in ("report_meetings", "report_attendance"))
INSERTS = {
    "report_referrals": "INSERT INTO report_referrals (case_id, area_id, referred_on,"
    " referring_agency_id, outcome, criteria, consent_given)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s)",
    "report_discussions": "INSERT INTO report_discussions (case_id, meeting_id, area_id,"
    " heard_on, referral_case_id) VALUES (%s, %s, %s, %s, %s)",
    "report_actions": "INSERT INTO report_actions (action_id, case_id, area_id,"
    " owner_agency_id, agreed_on, due_on, closed_on, outcome, restricted)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
    "report_marrac": "INSERT INTO report_marrac (case_id, area_id, allocated_on, meets_purpose)"
    " VALUES (%s, %s, %s, %s)",
    "report_contacts": "INSERT INTO report_contacts (contact_id, case_id, area_id, me, minutes,"
    " contact_on) VALUES (%s, %s, %s, %s, %s, %s)",
    PROFILES: f"INSERT INTO {PROFILES} (case_id, profile) VALUES (%s, %s)",  # noqa: S608
}


def discussions(case: Case) -> list[tuple[UUID, date, UUID | None]]:
    """(meeting, day, referral discussed) for each hearing of the case, in order.

    A hearing discusses the referrals made by its day and not yet heard: the case's own, or
    repeat referrals linked into it. It is counted for the earliest of them (the one that put
    the case on the agenda); a later referral heard at the same hearing adds no second
    discussion. A hearing with no new referral (an adjourned case heard again) discusses none.
    """
    pending = sorted([(case.referral.referred_on, str(case.id), case.id)]
                     + [(day, str(r), r) for r, day in case.repeat_referred_on.items()])
    found = []
    for hearing in sorted(case.hearings.values(), key=lambda h: (h.heard_on, str(h.meeting_id))):
        due = [p for p in pending if p[0] <= hearing.heard_on]
        pending = [p for p in pending if p[0] > hearing.heard_on]
        found.append((hearing.meeting_id, hearing.heard_on, due[0][2] if due else None))
    return found


@dataclass(frozen=True)
class Profile:
    """What the reports count about the people in a case (personal data: sealed)."""

    male: bool
    age: int | None
    minoritised: bool
    lgbt_plus: bool
    disabled: bool
    children: int
    young_perpetrator: bool
    childrens_social_care: bool
    adult_social_care: bool
    onward: tuple[str, ...]

    def described_by(self, referral: Profile) -> Profile:
        """The people as a referral describes them (a repeat referral describes the
        household anew); the rest belongs to the case heard (its social care, its onward
        referrals)."""
        if referral is self:
            return self  # a case's own referral: most discussions, and nothing to change
        return Profile(male=referral.male, age=referral.age, minoritised=referral.minoritised,
                       lgbt_plus=referral.lgbt_plus, disabled=referral.disabled,
                       children=referral.children, young_perpetrator=referral.young_perpetrator,
                       childrens_social_care=self.childrens_social_care,
                       adult_social_care=self.adult_social_care, onward=self.onward)


def profile(case: Case) -> Profile:
    """What the reports count about the people in the case."""
    victim = case.victim
    referred_on = case.referral.referred_on
    perpetrator_ages = [age_on(p.date_of_birth, referred_on) for p in case.perpetrators]
    return Profile(
        male=victim.gender == "male",
        age=age_on(victim.date_of_birth, referred_on),
        minoritised=racially_minoritised(victim.ethnicity),
        lgbt_plus=lgbt_plus(victim.sexuality, victim.gender, victim.trans),
        disabled=victim.disability == "yes",
        children=sum(1 for s in case.subjects.values() if s.role == "child"),
        young_perpetrator=any(a is not None and a <= 17 for a in perpetrator_ages),
        childrens_social_care=bool(case.social_care and case.social_care.childrens),
        adult_social_care=bool(case.social_care and case.social_care.adult),
        onward=tuple(sorted({o.to for o in case.onward_referrals})),
    )


@dataclass(frozen=True)
class Referral:
    case_id: UUID
    referred_on: date
    referring_agency_id: UUID
    outcome: str | None
    criteria: tuple[str, ...]
    consent_given: bool


@dataclass(frozen=True)
class Discussion:
    case_id: UUID
    meeting_id: UUID
    heard_on: date
    referral_case_id: UUID
    repeat: bool


@dataclass(frozen=True)
class MeetingRow:
    meeting_id: UUID
    kind: str
    held_on: date
    agencies: frozenset[UUID]


@dataclass(frozen=True)
class ActionRow:
    owner_agency_id: UUID
    agreed_on: date
    due_on: date
    closed_on: date | None
    outcome: str | None


@dataclass(frozen=True)
class MarracRow:
    case_id: UUID
    allocated_on: date
    outcome: str | None  # the co-ordinator's decision: accepted means it meets purpose
    still_meets_purpose: bool | None  # at its latest review


@dataclass(frozen=True)
class Contact:
    me: str
    minutes: int
    on: date


@dataclass(frozen=True)
class Facts:
    """Everything recorded in one area between two days (inclusive)."""

    referrals: list[Referral]
    discussions: list[Discussion]
    profiles: dict[UUID, Profile]
    meetings: list[MeetingRow]
    actions: list[ActionRow]
    marrac: list[MarracRow]
    contacts: list[Contact]

    def within(self, start: date, end: date) -> Facts:
        """The facts of a shorter period: a year's facts are read once and cut up."""
        def inside(day: date) -> bool:
            return start <= day <= end

        return Facts(
            referrals=[r for r in self.referrals if inside(r.referred_on)],
            discussions=[d for d in self.discussions if inside(d.heard_on)],
            profiles=self.profiles,
            meetings=[m for m in self.meetings if inside(m.held_on)],
            actions=[a for a in self.actions if inside(a.agreed_on)],
            marrac=[m for m in self.marrac if inside(m.allocated_on)],
            contacts=[c for c in self.contacts if inside(c.on)])

    @classmethod
    def none(cls) -> Facts:
        """No facts: a report's layout alone (which figures it has, not their values)."""
        return cls([], [], {}, [], [], [], [])


class Ids:
    """Ids as read back, each parsed once: a year's rows name the same cases, meetings and
    agencies over and over, and parsing them again was most of a release's time."""

    def __init__(self) -> None:
        self._parsed: dict[str, UUID] = {}

    def __call__(self, text: str) -> UUID:
        found = self._parsed.get(text)
        if found is None:
            found = self._parsed[text] = UUID(text)
        return found


@dataclass
class FactRows:
    """A batch's rows of each case-fact table, gathered to be written in one statement each."""

    report_referrals: list[tuple[object, ...]] = field(default_factory=list)
    report_discussions: list[tuple[object, ...]] = field(default_factory=list)
    report_actions: list[tuple[object, ...]] = field(default_factory=list)
    report_marrac: list[tuple[object, ...]] = field(default_factory=list)
    report_contacts: list[tuple[object, ...]] = field(default_factory=list)
    report_profiles: list[tuple[object, ...]] = field(default_factory=list)

    def add(self, case: Case, sealer: DocumentSealer) -> None:
        cid, area = str(case.id), str(case.area_id)
        referral = case.referral
        self.report_referrals.append(
            (cid, area, referral.referred_on.isoformat(), str(referral.referring_agency_id),
             case.decision.outcome if case.decision else None,
             ",".join(case.decision.criteria_met) if case.decision else "",
             int(referral.consent.status == "given")))
        self.report_discussions += [(cid, str(m), area, day.isoformat(), str(r) if r else None)
                                    for m, day, r in discussions(case)]
        if case.actions:
            closed = {n.action_id: n.on for n in case.action_notes if n.outcome is not None}
            # Those the closure completed or ended: closed on the day the case was.
            closed |= {a: case.closed_on for a in case.disposals
                       if case.closed_on is not None and a in case.action_outcomes}
            self.report_actions += [
                (str(a.action_id), cid, area, str(a.owner_agency), a.agreed_on.isoformat(),
                 a.due_on.isoformat(),
                 closed[a.action_id].isoformat() if a.action_id in closed else None,
                 case.action_outcomes.get(a.action_id), int(case.restricted))
                for a in case.actions.values()]
        if case.allocated_at is not None:
            purpose = case.reviews[-1].still_meets_purpose if case.reviews else None
            self.report_marrac.append((cid, area, case.allocated_at.date().isoformat(),
                                       None if purpose is None else int(purpose)))
        self.report_contacts += [(str(c.contact_id), cid, area, c.me, c.minutes,
                                  c.at.date().isoformat()) for c in case.contacts]
        self.report_profiles.append(
            (cid, sealer.seal(PROFILES, case.id, plain(profile(case)))))


class ReportingProjector:
    name = "reporting"

    def __init__(self, app: Marac, db: Database, sealer: DocumentSealer) -> None:
        self.app = app
        self.db = db
        self.sealer = sealer

    def tables(self) -> tuple[str, ...]:
        return TABLES

    def folds(self) -> Folds:
        return Folds(self.app, self.db, self.sealer.keyring)

    def project(self, cur: Cursor, notifications: Sequence[Notification]) -> None:
        self.project_folded(cur, notifications, self.folds())

    def project_folded(self, cur: Cursor, notifications: Sequence[Notification],
                       folds: Folds) -> None:
        batch = folds.batch(cur, notifications)
        for meeting in batch.meetings:
            self._write_meeting(cur, meeting)
        for case_id in batch.erased:
            self.purge(cur, case_id)
        self._write(cur, batch.cases)

    def purge_case(self, case_id: UUID) -> None:
        """Erasure: the case's facts leave every later report."""
        with self.db.transaction() as cur:
            self.purge(cur, case_id)

    def purge(self, cur: Cursor, case_id: UUID) -> None:
        for table in CASE_FACT_TABLES:
            cur.execute(f"DELETE FROM {table} WHERE case_id = %s", (str(case_id),))  # noqa: S608
        # A repeat referral is erased with its case; its discussions go with it.
        cur.execute("DELETE FROM report_discussions WHERE referral_case_id = %s",
                    (str(case_id),))

    def _write_meeting(self, cur: Cursor, meeting: Meeting) -> None:
        mid = str(meeting.id)
        cur.execute("DELETE FROM report_meetings WHERE meeting_id = %s", (mid,))
        cur.execute("DELETE FROM report_attendance WHERE meeting_id = %s", (mid,))
        if meeting.cancelled:
            return  # not held: neither a meeting of its period nor one anybody missed
        cur.execute("INSERT INTO report_meetings (meeting_id, area_id, kind, held_on) "
                    "VALUES (%s, %s, %s, %s)",
                    (mid, str(meeting.area_id), meeting.kind, meeting.held_on.isoformat()))
        # Which agencies attended, never who.
        agencies = sorted({str(a.agency_id) for a in meeting.attendance.values()
                           if a.agency_id is not None})
        if agencies:
            cur.executemany("INSERT INTO report_attendance (meeting_id, agency_id) "
                            "VALUES (%s, %s)", [(mid, a) for a in agencies])

    def _write(self, cur: Cursor, cases: Sequence[Case]) -> None:
        """Each case's facts replaced, every table in one statement for the whole batch."""
        rows = FactRows()
        for case in cases:
            if not case.withdrawn:  # entered in error: no report counts it, nor its work
                rows.add(case, self.sealer)
        with pipelined(cur):  # writes only, as the case views' (projections/cases.py)
            for chunk in chunks([str(c.id) for c in cases]):
                marks = ", ".join(["%s"] * len(chunk))
                for table in CASE_FACT_TABLES:
                    cur.execute(f"DELETE FROM {table} WHERE case_id IN ({marks})",  # noqa: S608
                                tuple(chunk))
            for table, sql in INSERTS.items():
                values = getattr(rows, table)
                if values:
                    cur.executemany(sql, values)

    # Queries -----------------------------------------------------------------------------

    def facts(self, area_id: UUID, start: date, end: date) -> Facts:
        area, days = str(area_id), (start.isoformat(), end.isoformat())
        uid = Ids()
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT case_id, referred_on, referring_agency_id, outcome, criteria,"
                        " consent_given FROM report_referrals WHERE area_id = %s"
                        " AND referred_on BETWEEN %s AND %s ORDER BY referred_on, case_id",
                        (area, *days))
            referrals = [Referral(uid(r[0]), date.fromisoformat(r[1]), uid(r[2]), r[3],
                                  tuple(c for c in r[4].split(",") if c), bool(r[5]))
                         for r in cur.fetchall()]
            cur.execute("SELECT d.case_id, d.meeting_id, d.heard_on, d.referral_case_id"
                        " FROM report_discussions d WHERE d.area_id = %s"
                        " AND d.referral_case_id IS NOT NULL"
                        " AND d.heard_on BETWEEN %s AND %s ORDER BY d.heard_on, d.case_id",
                        (area, *days))
            discussed = [Discussion(uid(r[0]), uid(r[1]), date.fromisoformat(r[2]),
                                    uid(r[3]), r[3] != r[0]) for r in cur.fetchall()]
            profiles = self._profiles(cur, sorted(
                {d.case_id for d in discussed} | {d.referral_case_id for d in discussed},
                key=str), uid)
            cur.execute("SELECT m.meeting_id, m.kind, m.held_on, a.agency_id"
                        " FROM report_meetings m LEFT JOIN report_attendance a"
                        " ON a.meeting_id = m.meeting_id WHERE m.area_id = %s"
                        " AND m.held_on BETWEEN %s AND %s ORDER BY m.held_on, m.meeting_id",
                        (area, *days))
            meetings: dict[str, tuple[str, str, set[UUID]]] = {}
            for mid, kind, held_on, agency in cur.fetchall():
                meetings.setdefault(mid, (kind, held_on, set()))[2].update(
                    [uid(agency)] if agency else [])
            # A restricted case's actions would point at it through the few agencies that
            # work such cases: agencies' records leave them out.
            cur.execute("SELECT owner_agency_id, agreed_on, due_on, closed_on, outcome"
                        " FROM report_actions WHERE area_id = %s AND restricted = 0"
                        " AND agreed_on BETWEEN %s AND %s ORDER BY agreed_on, action_id",
                        (area, *days))
            actions = [ActionRow(uid(r[0]), date.fromisoformat(r[1]), date.fromisoformat(r[2]),
                                 date.fromisoformat(r[3]) if r[3] else None, r[4])
                       for r in cur.fetchall()]
            cur.execute("SELECT m.case_id, m.allocated_on, r.outcome, m.meets_purpose"
                        " FROM report_marrac m JOIN report_referrals r ON r.case_id = m.case_id"
                        " WHERE m.area_id = %s AND m.allocated_on BETWEEN %s AND %s"
                        " ORDER BY m.allocated_on, m.case_id", (area, *days))
            marrac = [MarracRow(uid(r[0]), date.fromisoformat(r[1]), r[2],
                                None if r[3] is None else bool(r[3])) for r in cur.fetchall()]
            cur.execute("SELECT me, minutes, contact_on FROM report_contacts WHERE area_id = %s"
                        " AND contact_on BETWEEN %s AND %s ORDER BY contact_on, contact_id",
                        (area, *days))
            contacts = [Contact(r[0], int(r[1]), date.fromisoformat(r[2]))
                        for r in cur.fetchall()]
        return Facts(
            referrals=referrals, discussions=discussed, profiles=profiles,
            meetings=[MeetingRow(uid(m), k, date.fromisoformat(h), frozenset(a))
                      for m, (k, h, a) in meetings.items()],
            actions=actions, marrac=marrac, contacts=contacts)

    def referrals_of(self, case_ids: Sequence[UUID]) -> dict[UUID, Referral]:
        """The referrals that hearings discussed (repeats may be referred before the period)."""
        found: dict[UUID, Referral] = {}
        uid = Ids()
        with self.db.transaction(readonly=True) as cur:
            for chunk in chunks(case_ids):
                marks = ", ".join(["%s"] * len(chunk))
                cur.execute("SELECT case_id, referred_on, referring_agency_id, outcome,"  # noqa: S608
                            " criteria, consent_given FROM report_referrals"
                            f" WHERE case_id IN ({marks})", tuple(str(c) for c in chunk))
                for r in cur.fetchall():
                    found[uid(r[0])] = Referral(
                        uid(r[0]), date.fromisoformat(r[1]), uid(r[2]), r[3],
                        tuple(c for c in r[4].split(",") if c), bool(r[5]))
        return found

    def discussions_in(self, area_id: UUID, start: date, end: date) -> int:
        """How many cases were heard in the period (a year earlier, for comparison)."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT COUNT(*) FROM report_discussions WHERE area_id = %s"
                        " AND referral_case_id IS NOT NULL AND heard_on BETWEEN %s AND %s",
                        (str(area_id), start.isoformat(), end.isoformat()))
            row = cur.fetchone()
        return int(row[0]) if row else 0

    def _profiles(self, cur: Cursor, case_ids: Sequence[UUID], uid: Ids
                  ) -> dict[UUID, Profile]:
        found: dict[UUID, Profile] = {}
        # The cases' keys in a round trip per chunk, not one each: a release opens a year's.
        self.sealer.keyring.warm(case_ids)
        for chunk in chunks(case_ids):
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(f"SELECT case_id, profile FROM {PROFILES}"  # noqa: S608
                        f" WHERE case_id IN ({marks})", tuple(str(c) for c in chunk))
            for text, sealed in cur.fetchall():
                case_id = uid(text)
                found[case_id] = from_plain(Profile, self.sealer.open(
                    PROFILES, case_id, bytes(sealed)))
        return found
