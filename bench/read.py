"""The need-to-know case view against a plain read of the same row, in one run.

A view is the read path of `GET /cases/{id}` minus HTTP: `services.case_view.view` itself, which
loads the case's access facts from the case index, asks the policy, opens the sealed document,
filters items by audience and writes the request's one audit record, and the response model
built from its result. The baseline selects the same kind of `case_documents` row and does
nothing with it: no policy, no decryption, no audit.

Both sides read the same database, holding N cases built through the real domain, encrypted
store and projection. Rounds alternate which side goes first so that drift in the machine's speed
falls on both. Each side reads its own random cases (distinct where N allows), so neither warms
the other's rows. The data key cache is cleared before each view, so it pays the key lookup and
KEK unwrap that the first read of a case in a minute pays; the same case is then viewed again
with its key cached, which is reported separately.
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from api import schemas
from api.auth import RequestAudit
from api.bootstrap import Platform, build_platform
from api.settings import Settings
from bench.databases import ScratchDatabases
from bench.machine import machine
from domain.case import Referral
from domain.consent import Consent
from domain.criteria import CriteriaClaimed
from domain.risk import DASH_RIC_QUESTIONS, AnswerValue, RiskAssessment
from domain.subjects import Subject
from projections.cases import DOCUMENTS
from security.identity import Principal
from security.kek import KeyMaterial
from security.policy import Viewer
from services import case_view
from services.actor import Actor

ROUNDS = 10
PURPOSE = "meeting_preparation"
# Invented people only; the suffix keeps every name distinctive.
FORENAMES = ("Philippaxq", "Rosalindxq", "Imogenxq", "Tamsinxq", "Verityxq")


@dataclass
class Timings:
    view_ms: list[float] = field(default_factory=list)
    view_cached_ms: list[float] = field(default_factory=list)
    plain_ms: list[float] = field(default_factory=list)


def bench_referral(area_id: UUID, agency_id: UUID, n: int) -> Referral:
    answers: dict[str, AnswerValue] = {
        q: "yes" if i < 15 else "no" for i, q in enumerate(DASH_RIC_QUESTIONS)}
    subjects = (
        Subject(subject_id=uuid.uuid4(), role="victim", forenames=FORENAMES[n % len(FORENAMES)],
                surname=f"Benchvictimxq{n:05d}", date_of_birth=date(1980, 1, 1)
                + timedelta(days=n % 7000), gender="female",
                address=f"{n % 300 + 1} Larkspurxq Crescent, Wexbridge WX9 4QZ",
                safe_contact="mobile, texts only after 6pm"),
        Subject(subject_id=uuid.uuid4(), role="perpetrator", forenames="Dorianxq",
                surname=f"Benchperpxq{n:05d}", date_of_birth=date(1978, 1, 1)
                + timedelta(days=n % 7000), gender="male"),
    )
    return Referral(
        area_id=area_id,
        referring_agency_id=agency_id,
        referrer=f"officer-{n % 50:04d}",
        referred_on=date(2026, 1, 1) + timedelta(days=n % 300),
        subjects=subjects,
        incident_summary="Argument escalated; neighbour called police. Strangulation disclosed.",
        risk_assessment=RiskAssessment.build("dash-ric", "2009", answers),
        criteria=CriteriaClaimed(visible_high_risk=True),
        consent=Consent("given"),
        victim_informed="yes",
        idva_referral_made=True,
    )


class ReadBenchmark:
    def __init__(self, backend: str, database_url: str | None, cases: int, reads: int) -> None:
        self.backend = backend
        self.database_url = database_url
        self.n_cases = cases
        self.reads = reads
        self.random = random.Random()  # picks cases to read, not secrets
        self.area_id = uuid.UUID(int=0)
        self.case_ids: list[UUID] = []

    def run(self) -> dict[str, Any]:
        with ScratchDatabases(self.backend, self.database_url) as scratch:
            return self._run(scratch)

    def _run(self, scratch: ScratchDatabases) -> dict[str, Any]:
        stack: Platform | None = None
        try:
            stack = build_platform(
                Settings(data_dir=scratch.dir, database_url=scratch.url("read"), demo=True),
                material=KeyMaterial.generate(demo=True))
            setup = self._populate(stack)
            viewer = self._viewer(stack)
            timings = Timings()
            per_round = max(self.reads // ROUNDS, 1)
            view_ids, plain_ids = self._picks(per_round * ROUNDS)
            for r in range(ROUNDS):
                views = view_ids[r * per_round:(r + 1) * per_round]
                plains = plain_ids[r * per_round:(r + 1) * per_round]
                if r % 2:
                    self._plains(stack, plains, timings)
                self._views(stack, viewer, views, timings)
                if not r % 2:
                    self._plains(stack, plains, timings)
            return self._report(stack, timings, setup)
        finally:
            if stack is not None:
                stack.close()

    # Data ----------------------------------------------------------------------------------

    def _populate(self, stack: Platform) -> dict[str, float]:
        app = stack.marac
        self.area_id = app.create_area("benchshire", "Benchshire MARAC")
        agencies = [app.register_agency(self.area_id, code, name, kind, core=True)
                    for code, name, kind in (("police", "Benchshire Police", "police"),
                                             ("idva", "Benchshire IDVA Service", "idva"))]
        started = time.perf_counter()
        self.case_ids = [app.refer(bench_referral(self.area_id, agencies[n % len(agencies)], n))
                         for n in range(self.n_cases)]
        created = time.perf_counter()
        stack.runner.catch_up()
        projected = time.perf_counter()
        return {"create_cases_s": round(created - started, 1),
                "project_cases_s": round(projected - created, 1)}

    def _viewer(self, stack: Platform) -> Viewer:
        principal = Principal(subject="coordinator-bench", kind="person", agency_id=None,
                              area_id=self.area_id, roles=frozenset({"coordinator"}))
        return Viewer(principal, stack.blind_index.person_ref(principal.subject))

    def _picks(self, count: int) -> tuple[list[UUID], list[UUID]]:
        if 2 * count <= len(self.case_ids):
            picked = self.random.sample(self.case_ids, 2 * count)
            return picked[:count], picked[count:]
        return ([self.random.choice(self.case_ids) for _ in range(count)],
                [self.random.choice(self.case_ids) for _ in range(count)])

    # The two sides -------------------------------------------------------------------------

    def _views(self, stack: Platform, viewer: Viewer, case_ids: list[UUID], t: Timings) -> None:
        for case_id in case_ids:
            stack.keyring.forget_cached()
            t.view_ms.append(self._view(stack, viewer, case_id))
            t.view_cached_ms.append(self._view(stack, viewer, case_id))

    def _view(self, platform: Platform, viewer: Viewer, case_id: UUID) -> float:
        """One `GET /cases/{id}` minus HTTP; returns milliseconds."""
        started = time.perf_counter()
        audit = RequestAudit(platform, viewer, str(uuid.uuid4()))
        found = case_view.view(platform, Actor(viewer, audit, PURPOSE), case_id)
        schemas.CaseView.model_validate(asdict(found))
        return (time.perf_counter() - started) * 1000

    def _plains(self, stack: Platform, case_ids: list[UUID], t: Timings) -> None:
        for case_id in case_ids:
            started = time.perf_counter()
            with stack.database.transaction(readonly=True) as cur:
                cur.execute(f"SELECT document FROM {DOCUMENTS} WHERE case_id = %s",  # noqa: S608
                            (str(case_id),))
                row = cur.fetchone()
            t.plain_ms.append((time.perf_counter() - started) * 1000)
            if row is None:
                raise RuntimeError(f"case {case_id} has no document")

    # Report --------------------------------------------------------------------------------

    def _report(self, stack: Platform, t: Timings, setup: dict[str, float]) -> dict[str, Any]:
        def q(values: list[float]) -> tuple[float, float]:
            cuts = statistics.quantiles(values, n=100)
            return round(cuts[49], 3), round(cuts[98], 3)

        (v50, v99), (c50, c99), (p50, p99) = q(t.view_ms), q(t.view_cached_ms), q(t.plain_ms)
        with stack.database.transaction(readonly=True) as cur:
            cur.execute(f"SELECT AVG(LENGTH(document)) FROM {DOCUMENTS}")  # noqa: S608
            row = cur.fetchone()
        return {
            "benchmark": "read",
            "backend": stack.database.dialect,
            "machine": machine(),
            "config": {"cases": self.n_cases, "reads": len(t.view_ms), "rounds": ROUNDS,
                       "viewer": "coordinator of the area", "purpose": PURPOSE,
                       "sealed_document_bytes_mean": round(float(row[0])) if row else None,
                       "audit_records_written": stack.audit.count(), **setup},
            "view_p50_ms": v50,
            "view_p99_ms": v99,
            "view_key_cached_p50_ms": c50,
            "view_key_cached_p99_ms": c99,
            "plain_p50_ms": p50,
            "plain_p99_ms": p99,
            "view_over_plain_read": round(v50 / p50, 2),
            "view_over_plain_read_p99": round(v99 / p99, 2),
            "view_key_cached_over_plain_read": round(c50 / p50, 2),
        }
