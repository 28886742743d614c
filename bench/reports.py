"""Performance reports on a realistic year: one quarter's exact indicators (the baseline) against
the same reports under disclosure control, released for the first time (a quarter with its
months and its return, suppressed together; a year from its four quarters, releasing them) and
served once released; and the reporting projection's rebuild.

The year's first release is also timed as a person meets it: the first request after the year,
the worker's reporting loop having kept the projection current while the year was recorded.
A Kent-sized year is `--cases 1745` (the default is smaller, to run in about two minutes).

The area is built through the domain application: a year of hearings at two standard meetings a
month and a closed harmful-practices hearing a quarter, about 30% linked repeats, declined
referrals, attendance and actions, with victims' characteristics spread as a MARAC's are. A
lead-in of the previous year's last months gives January's repeats their earlier cases. Rounds
alternate which side goes first, so that drift in the machine's speed falls on both.
"""

from __future__ import annotations

import random
import statistics
import threading
import time as timer
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from api.bootstrap import Platform, build_platform
from api.settings import Settings
from bench.databases import ScratchDatabases
from bench.machine import machine
from bench.read import FORENAMES
from domain.area import AreaSettings
from domain.case import Referral
from domain.consent import Consent
from domain.criteria import CriteriaClaimed
from domain.repeats import is_repeat
from domain.risk import DASH_RIC_QUESTIONS, AnswerValue, RiskAssessment
from domain.subjects import Subject
from security.kek import KeyMaterial
from services.report import Kind, Report, group
from services.report_periods import period_of
from services.reports import build_report

YEAR, QUARTER = 2026, "2026-Q1"
BY = "coordinator-bench"
# code, type, core, share of the referrals heard (%); the expert only advises closed hearings.
AGENCIES = (("police", "police", True, 58), ("idva", "idva", True, 12),
            ("health", "health", True, 9), ("csc", "childrens_social_care", True, 7),
            ("housing", "housing", True, 5), ("probation", "probation", True, 4),
            ("refuge", "specialist_domestic_abuse", False, 5),
            ("hpx", "harmful_practices_expert", False, 0))
MINORITISED = ("asian_pakistani", "asian_indian", "asian_bangladeshi", "black_african",
               "black_caribbean", "mixed_white_and_black_caribbean", "white_other",
               "white_irish", "white_gypsy_or_irish_traveller", "other_arab", "asian_chinese")
# name: (kind, period, exact); the first is the baseline.
SIDES: dict[str, tuple[Kind, str, bool]] = {
    "exact_quarter_indicators": ("indicators", QUARTER, True),
    "controlled_quarter_indicators": ("indicators", QUARTER, False),
    "controlled_quarter_safelives_return": ("safelives_return", QUARTER, False),
    "controlled_year_indicators": ("indicators", str(YEAR), False),
    "served_quarter_release": ("indicators", QUARTER, False),
}
# Timed as a first release (none kept before it); the served side reads the kept release.
# The goal for a Kent-sized year (1,745 cases heard): its first release within a second.
GOAL_MS = 1000
# How often the worker's reporting loop polls where nothing wakes it (SQLite), as in service.
WORKER_POLL_S = 1.0
RELEASING = ("controlled_quarter_indicators", "controlled_quarter_safelives_return",
             "controlled_year_indicators")


@dataclass(frozen=True)
class FirstRelease:
    """The year's first release as a person would meet it: `ms` from the request to the
    released year, with `lag` events the worker had not yet projected; `projecting_s`, what
    projecting the whole log (the rebuild) takes, which that request would pay had no worker
    kept the projection current."""

    ms: float
    lag: int
    projecting_s: float


class Clock:
    def __init__(self) -> None:
        self.at = datetime(YEAR - 2, 12, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def on(self, day: date, hour: int = 10) -> None:
        self.at = datetime.combine(day, time(hour), UTC)


@dataclass
class Original:
    """An accepted case, which a later referral of the same victim may be linked into."""

    case_id: UUID
    victim: Subject
    heard_on: date
    last_referral_on: date


def meetings(year: int, months: range, per_meeting: Callable[[int], int]
             ) -> list[tuple[date, str, int]]:
    """(day, kind, cases heard): the 2nd and 4th Wednesdays, and a closed hearing on the 3rd
    Thursday of each quarter's middle month."""
    found = []
    for month in months:
        first = date(year, month, 1)
        wednesday = first + timedelta(days=(2 - first.weekday()) % 7)
        found += [(wednesday + timedelta(days=7), "standard", 0),
                  (wednesday + timedelta(days=21), "standard", 0)]
        if month % 3 == 2:
            found.append((first + timedelta(days=(3 - first.weekday()) % 7 + 14),
                          "harmful_practices", 1))
    return [(day, kind, n or per_meeting(i)) for i, (day, kind, n) in enumerate(sorted(found))]


class AreaBuilder:
    def __init__(self, platform: Platform, clock: Clock, cases: int, lead_in_months: int) -> None:
        self.app, self.clock = platform.marac, clock
        self.random = random.Random(2026)  # the same area every run
        self.cases, self.lead_in = cases, lead_in_months
        self.area_id = uuid.UUID(int=0)
        self.agencies: dict[str, UUID] = {}
        self.originals: list[Original] = []
        self.counts = {"referrals": 0, "repeat_referrals": 0, "declined": 0, "hearings": 0,
                       "meetings": 0, "actions": 0}

    def build(self) -> UUID:
        settings = AreaSettings(adult_female_population=120_000, population_minoritised_pct=14.0,
                                population_lgbt_pct=3.0, population_disabled_pct=18.0)
        self.area_id = self.app.create_area("benchshire", "Benchshire MARAC", settings)
        self.agencies = {code: self.app.register_agency(self.area_id, code, code.title(), kind,
                                                        core=core)
                         for code, kind, core, _ in AGENCIES}
        standard = self.cases - 4  # one case at each quarter's closed hearing

        def share(i: int) -> int:  # cases at the year's i-th standard meeting
            return (standard * (i + 1)) // 24 - (standard * i) // 24

        lead_in = meetings(YEAR - 1, range(13 - self.lead_in, 13), lambda i: standard // 24)
        previous = lead_in[0][0] - timedelta(days=14) if lead_in else date(YEAR - 1, 12, 17)
        for day, kind, n in [*lead_in, *meetings(YEAR, range(1, 13), share)]:
            self._meeting(day, kind, n, previous)
            previous = day if kind == "standard" else previous
        return self.area_id

    def _meeting(self, day: date, kind: str, n: int, previous: date) -> None:
        app, rng = self.app, self.random
        self.clock.on(previous + timedelta(days=1), 9)
        meeting = app.schedule_meeting(self.area_id, kind, day, by=BY)
        window = max((day - timedelta(days=3) - previous).days, 1)
        if kind == "standard":  # about one referral in twenty is below threshold
            for referred_on in sorted(previous + timedelta(days=1 + rng.randrange(window))
                                      for _ in range(rng.randrange(3))):
                self.clock.on(referred_on)
                self._decline(referred_on)
        heard: list[UUID] = []
        for referred_on in sorted(previous + timedelta(days=1 + rng.randrange(window))
                                  for _ in range(n)):
            self.clock.on(referred_on)
            heard.append(self._refer_and_list(meeting, day, kind, referred_on, heard))
        self.clock.on(day)
        for code, _, core, _ in AGENCIES:
            if core and rng.random() < 0.9:
                app.record_attendance(meeting, person=f"{code}-rep", agency_id=self.agencies[code],
                                      acknowledged_confidentiality=True, statement_version=1)
        for case_id in heard:
            app.record_hearing(meeting, case_id, risks=(), by=BY)
        self.counts["meetings"] += 1
        self.counts["hearings"] += len(heard)
        if kind == "standard":
            for case_id in rng.sample(heard, min(2, len(heard))):
                self._action(meeting, case_id, day)

    def _decline(self, referred_on: date) -> None:
        case_id = self.app.refer(self._referral(referred_on, self._victim(referred_on), yes=6,
                                                criteria=CriteriaClaimed(incidents_in_12_months=1)))
        self.app.decline(case_id, by=BY, reason="below threshold: refer to the IDVA service")
        self.counts["referrals"] += 1
        self.counts["declined"] += 1

    def _refer_and_list(self, meeting: UUID, day: date, kind: str, referred_on: date,
                        listed: list[UUID]) -> UUID:
        app, rng, hba = self.app, self.random, kind == "harmful_practices"
        self.counts["referrals"] += 1
        window = app.get_area(self.area_id).settings.repeat_window_months
        earlier = [o for o in self.originals if o.heard_on < referred_on
                   and o.case_id not in listed
                   and is_repeat(o.last_referral_on, referred_on, window)]
        if not hba and earlier and rng.random() < 0.3:
            original = rng.choice(earlier)
            victim = replace(original.victim, subject_id=uuid.uuid4())
            case_id = app.refer(self._referral(referred_on, victim))
            app.link_as_repeat(case_id, original.case_id, by=BY)
            original.last_referral_on = referred_on
            self.counts["repeat_referrals"] += 1
            heard = original.case_id
        else:
            victim = self._victim(referred_on, hba=hba)
            heard = app.refer(self._referral(referred_on, victim, hba=hba))
            app.accept(heard, by=BY)
            if not hba:  # a closed hearing's case is not brought back to an open meeting
                self.originals.append(Original(heard, victim, day, referred_on))
        app.list_on_agenda(meeting, heard, invite={self.agencies["hpx"]} if hba else set(),
                           by=BY)
        return heard

    def _action(self, meeting: UUID, case_id: UUID, day: date) -> None:
        rng, codes = self.random, [a[0] for a in AGENCIES if a[2]]
        self.clock.on(day)
        due = day + timedelta(days=rng.choice((14, 28)))
        action = self.app.agree_action(
            case_id, owner_agency=self.agencies[rng.choice(codes)], description="Safety plan "
            "review with the victim", for_whom=rng.choice(("victim", "household", "child")),
            due_on=due, by=BY, meeting_id=meeting)
        self.counts["actions"] += 1
        roll = rng.random()
        if roll < 0.85:  # most completed, some late; a few not done; the rest still open
            self.clock.on(due + timedelta(days=rng.randrange(-12, 1) if roll < 0.7 else 4))
            self.app.update_action(case_id, action, note="done", by="idva-rep",
                                   outcome="completed")
        elif roll < 0.9:
            self.clock.on(due)
            self.app.update_action(case_id, action, note="victim moved away", by="idva-rep",
                                   outcome="not_done")

    def _victim(self, on: date, *, hba: bool = False) -> Subject:
        r = self.random
        age = r.choice((16, 17)) if r.random() < 0.02 or (hba and r.random() < 0.5) else \
            r.randrange(55, 80) if r.random() < 0.07 else r.randrange(18, 55)
        sexuality = r.choices(("heterosexual", "gay_or_lesbian", "bisexual", "not_known"),
                              (90, 2, 1.5, 6.5))[0]
        ethnicity = r.choice(MINORITISED[:4]) if hba else \
            r.choice(MINORITISED) if r.random() < 0.16 else \
            "not_known" if r.random() < 0.04 else "white_british"
        return Subject(
            subject_id=uuid.uuid4(), role="victim", forenames=r.choice(FORENAMES),
            surname=f"Benchvictimxq{r.randrange(10**6):06d}",
            date_of_birth=on - timedelta(days=365 * age + r.randrange(1, 360)),
            gender="male" if r.random() < 0.05 and not hba else "female", ethnicity=ethnicity,
            sexuality=sexuality, trans="yes" if r.random() < 0.005 else "no",
            disability=r.choices(("yes", "no", "not_known"), (12, 80, 8))[0],
            address=f"{r.randrange(1, 300)} Larkspurxq Crescent, Wexbridge WX9 4QZ")

    def _referral(self, on: date, victim: Subject, *, yes: int | None = None,
                  criteria: CriteriaClaimed | None = None, hba: bool = False) -> Referral:
        r = self.random
        route = 0.0 if hba else r.random()
        if criteria is None:
            criteria = CriteriaClaimed(visible_high_risk=True, honour_based_abuse=hba) \
                if route < 0.7 else CriteriaClaimed(incidents_in_12_months=r.randrange(3, 7)) \
                if route < 0.85 else CriteriaClaimed(professional_judgement_reason="coercive "
                                                     "control escalating after separation")
            yes = r.randrange(14, 21) if route < 0.7 else r.randrange(8, 14)
        answers: dict[str, AnswerValue] = {
            q: "yes" if i < (yes or 0) else "no" for i, q in enumerate(DASH_RIC_QUESTIONS)}
        children = tuple(Subject(subject_id=uuid.uuid4(), role="child", forenames=f"Childxq{n}",
                                 surname=victim.surname)
                         for n in range(r.choices((0, 1, 2, 3), (40, 25, 20, 15))[0]))
        perpetrator = Subject(subject_id=uuid.uuid4(), role="perpetrator", forenames="Dorianxq",
                              surname=f"Benchperpxq{r.randrange(10**6):06d}", gender="male",
                              date_of_birth=on - timedelta(days=365 * r.randrange(17, 70)))
        codes = [a[0] for a in AGENCIES]
        agency = r.choice(("police", "refuge")) if hba else \
            r.choices(codes, [a[3] for a in AGENCIES])[0]
        consent = Consent("given") if r.random() < 0.85 else Consent(
            "refused", "risk of serious harm", "UK GDPR 6(1)(e); DPA 2018 Sch 1 para 18")
        return Referral(
            area_id=self.area_id, referring_agency_id=self.agencies[agency],
            referrer=f"{agency}-{r.randrange(40):04d}", referred_on=on,
            subjects=(victim, perpetrator, *children),
            incident_summary="Argument escalated; neighbour called police.",
            risk_assessment=RiskAssessment.build("dash-ric", "2009", answers),
            criteria=criteria, consent=consent, victim_informed="yes", idva_referral_made=True)


class ReportsBenchmark:
    def __init__(self, backend: str, database_url: str | None, cases: int, repeats: int,
                 lead_in_months: int) -> None:
        self.backend, self.database_url = backend, database_url
        self.cases, self.repeats, self.lead_in = cases, repeats, lead_in_months

    def run(self) -> dict[str, Any]:
        with ScratchDatabases(self.backend, self.database_url) as scratch:
            return self._run(scratch)

    def _run(self, scratch: ScratchDatabases) -> dict[str, Any]:
        clock = Clock()
        platform: Platform | None = None
        try:
            platform = build_platform(
                Settings(data_dir=scratch.dir, database_url=scratch.url("reports"), demo=True),
                material=KeyMaterial.generate(demo=True), now=clock)
            builder = AreaBuilder(platform, clock, self.cases, self.lead_in)
            started = timer.perf_counter()
            area_id = self._build_with_worker(platform, builder)
            built = timer.perf_counter()
            lag = platform.report_runner.lag()
            clock.on(date(YEAR + 1, 1, 20))  # the reports are asked for after the year
            # The year's first request: it releases the four quarters and builds the year from
            # them, catching up whatever the worker had not yet projected.
            self._report(platform, area_id, "controlled_year_indicators")
            first_ms = (timer.perf_counter() - built) * 1000
            before = self._report(platform, area_id, "exact_quarter_indicators")
            rebuilding = timer.perf_counter()
            events = platform.report_runner.rebuild()
            rebuild_s = timer.perf_counter() - rebuilding
            rebuilt = self._report(platform, area_id, "exact_quarter_indicators")
            timings = self._rounds(platform, area_id)
            return self._result(platform, area_id, builder, timings, {
                "build_area_s": round(built - started, 1),
                "events": events,
                "rebuild_s": round(rebuild_s, 2),
                "rebuild_events_per_s": round(events / rebuild_s),
                "rebuild_gives_identical_figures": before == rebuilt,
            }, first=FirstRelease(first_ms, lag, rebuild_s))
        finally:
            if platform is not None:
                platform.close()

    @staticmethod
    def _build_with_worker(platform: Platform, builder: AreaBuilder) -> UUID:
        """The area's year, recorded while the worker's reporting loop keeps the reporting
        projection current, as it does in service."""
        stop = threading.Event()
        worker = threading.Thread(target=platform.report_runner.run, args=(stop, WORKER_POLL_S),
                                  name="reporting", daemon=True)
        worker.start()
        try:
            return builder.build()
        finally:
            stop.set()
            worker.join()

    @staticmethod
    def _report(platform: Platform, area_id: UUID, side: str) -> Report:
        kind, label, exact = SIDES[side]
        return build_report(platform, kind, area_id, period_of(label, None, None),
                            exact=exact)

    def _rounds(self, platform: Platform, area_id: UUID) -> dict[str, list[float]]:
        for side in SIDES:  # warm-up: first reads of the area, agencies and keys
            self._report(platform, area_id, side)
        timings: dict[str, list[float]] = {side: [] for side in SIDES}
        for r in range(self.repeats):
            for side in list(SIDES) if r % 2 == 0 else list(SIDES)[::-1]:
                if side in RELEASING:
                    self._forget_releases(platform)
                started = timer.perf_counter()
                self._report(platform, area_id, side)
                timings[side].append((timer.perf_counter() - started) * 1000)
        return timings

    @staticmethod
    def _forget_releases(platform: Platform) -> None:
        with platform.database.transaction() as cur:
            cur.execute("DELETE FROM report_releases")

    def _result(self, platform: Platform, area_id: UUID, builder: AreaBuilder,
                timings: dict[str, list[float]], setup: dict[str, Any], *,
                first: FirstRelease) -> dict[str, Any]:
        def stats(values: list[float]) -> dict[str, float]:
            cuts = statistics.quantiles(values, n=100, method="inclusive")
            return {"p50_ms": round(statistics.median(values), 1), "p99_ms": round(cuts[98], 1),
                    "mean_ms": round(statistics.fmean(values), 1)}

        whole = group(build_report(platform, "indicators", area_id,
                                   period_of(str(YEAR), None, None),
                                   exact=True).figures["cases_heard"])
        exact = statistics.median(timings["exact_quarter_indicators"])
        again = statistics.median(timings["controlled_year_indicators"])
        return {
            "benchmark": "reports",
            "backend": platform.database.dialect,
            "machine": machine(),
            "first_year_release": {
                "cases_heard_in_year": whole["total"],
                "events_in_log": setup["events"],
                "projection_lag_at_request_events": first.lag,
                "first_request_ms": round(first.ms, 1),
                "again_p50_ms": round(again, 1),
                "baseline_exact_quarter_p50_ms": round(exact, 1),
                "first_request_over_baseline": round(first.ms / exact, 1),
                "had_no_worker_kept_it_current_s": round(first.projecting_s, 1),
                "goal_ms": GOAL_MS,
                "goal_met": first.ms <= GOAL_MS and again <= GOAL_MS,
            },
            "config": {"cases_heard_in_year": self.cases, "year": YEAR, "quarter": QUARTER,
                       "lead_in_months": self.lead_in, "timed_runs": self.repeats,
                       "adult_female_population": 120_000, **builder.counts,
                       "year_cases_heard": whole["total"], "year_repeats_pct": whole["repeats_pct"],
                       "year_per_10k_adult_female": whole["per_10k_adult_female_annualised"],
                       "year_on_year_change_pct": whole["year_on_year_change_pct"], **setup},
            **{side: stats(values) for side, values in timings.items()},
            "controlled_over_exact": {
                side: round(statistics.median(values) / exact, 1)
                for side, values in timings.items() if side != "exact_quarter_indicators"},
            "withheld_figures": {
                side: self._report(platform, area_id, side).withheld
                for side in SIDES if not SIDES[side][2]},
        }
