"""`marac bench store` runs on both backends and reports every promised key (sizes tiny;
no timing is asserted: figures belong in the README, not in tests)."""

from __future__ import annotations

import pytest

from bench.store import StoreBenchmark

KEYS = {"encrypted_over_bare_append", "encrypted_over_bare_create", "encrypted_over_bare_batch10",
        "encrypted_over_bare_load_p50", "encrypted_over_bare_load_p99"}


def test_store_benchmark_on_sqlite() -> None:
    result = StoreBenchmark("sqlite", None, saves=40, rounds=1).run()
    assert result["backend"] == "sqlite"
    assert result.keys() >= KEYS
    assert result["bare"]["single_event_saves_per_s"] > 0


@pytest.mark.postgres
def test_store_benchmark_on_postgres(postgres_server: str) -> None:
    result = StoreBenchmark("postgres", postgres_server, saves=40, rounds=1).run()
    assert result["backend"] == "postgresql"
    assert result.keys() >= KEYS
    assert result["encrypted"]["single_event_saves_per_s"] > 0


READ_KEYS = {"view_p50_ms", "view_p99_ms", "plain_p50_ms", "plain_p99_ms",
             "view_over_plain_read"}


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_read_benchmark_runs(backend: str, request: pytest.FixtureRequest) -> None:
    from bench.read import ReadBenchmark  # noqa: PLC0415

    url = request.getfixturevalue("postgres_server") if backend == "postgres" else None
    result = ReadBenchmark(backend, url, cases=30, reads=40).run()
    assert result.keys() >= READ_KEYS
    assert result["config"]["audit_records_written"] == 2 * result["config"]["reads"]


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_audit_benchmark_runs(backend: str, request: pytest.FixtureRequest) -> None:
    from bench.audit import AuditBenchmark  # noqa: PLC0415

    url = request.getfixturevalue("postgres_server") if backend == "postgres" else None
    result = AuditBenchmark(backend, url, cases=10, views=20, records=300).run()
    assert result.keys() >= {"audit_overhead_ratio", "audit_overhead_ratio_relaxed",
                             "audit_overhead_ratio_inline",
                             "use_case_audit_overhead_ratio", "verify_records_per_s",
                             "query_by_case_p99_ms"}
    # The bulk records, and the audited sides' views (durable, relaxed, durable inline): over
    # HTTP, then of the use case alone.
    audited = 2 * 3 * result["config"]["views_per_side"]
    assert result["verify_records"] == 300 + audited
    assert result["query_by_case_records"] == 300 + audited
    assert result["query_by_case_mean_found"] > 1  # a case's records and the lists naming it


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_witness_benchmark_runs(backend: str, request: pytest.FixtureRequest) -> None:
    from bench.witness import WitnessBenchmark  # noqa: PLC0415

    url = request.getfixturevalue("postgres_server") if backend == "postgres" else None
    result = WitnessBenchmark(backend, url, records=3000, step=100, rounds=3).run()
    assert result.keys() >= {"witness_first_cosign_seconds", "witness_cosign_p50_ms",
                             "checkpoint_sign_p50_ms", "witness_to_sign_ratio"}
    assert len(result["witness_cosign_ms"]) == 3


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_audit_append_benchmark_runs(backend: str, request: pytest.FixtureRequest) -> None:
    from bench.audit_append import AuditAppendBenchmark  # noqa: PLC0415

    url = request.getfixturevalue("postgres_server") if backend == "postgres" else None
    result = AuditAppendBenchmark(backend, url, appends=16).run()
    assert result.keys() >= {"append_durable_us", "append_relaxed_us", "flush_us",
                             "append_handed_over_durable_us", "chain_hash_us", "round_trip_us",
                             "bare_fdatasync_us"}
    assert ("function_in_server_us" in result) is (backend == "postgres")
    assert result["append_durable_us"] > 0


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_feeds_benchmark_runs(backend: str, request: pytest.FixtureRequest) -> None:
    from bench.feeds import FeedsBenchmark  # noqa: PLC0415

    url = request.getfixturevalue("postgres_server") if backend == "postgres" else None
    result = FeedsBenchmark(backend, url, events=20, rate=50).run()
    assert result.keys() >= {"webhook_lag_p50_ms", "webhook_lag_p99_ms", "pull_events_per_s"}
    assert result["config"]["delivered"] == 20  # every referral's webhook arrived
    assert result["pull_events"] == 20


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_referrals_benchmark_runs(backend: str, request: pytest.FixtureRequest) -> None:
    from bench.referrals import ReferralsBenchmark  # noqa: PLC0415

    url = request.getfixturevalue("postgres_server") if backend == "postgres" else None
    result = ReferralsBenchmark(backend, url, clients=(1, 2), seconds=0.3).run()
    assert result.keys() >= {"requests_per_s_1_clients", "requests_per_s_2_clients",
                             "keyed_requests_per_s_2_clients", "errors_5xx"}
    assert result["errors_5xx"] == 0
    assert result["each_201_stored_once"]
    assert result["p99_ms_2_clients"] > 0
    if backend == "postgres":  # the audit record, the save and the catch-up at least
        assert result["round_trips_per_referral"] >= 3
        assert any(site.startswith("audit/") for site in result["round_trips_by_site"])
    else:
        assert result["round_trips_per_referral"] is None


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_retention_benchmark_runs(backend: str, request: pytest.FixtureRequest) -> None:
    from bench.retention import RetentionBenchmark  # noqa: PLC0415

    url = request.getfixturevalue("postgres_server") if backend == "postgres" else None
    result = RetentionBenchmark(backend, url, events=200, requests=3).run()
    assert result.keys() >= {"subject_access_pass_ms", "full_count_ms", "pass_over_full_count"}
    assert result["events"] == 203


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_list_benchmark_runs(backend: str, request: pytest.FixtureRequest) -> None:
    from bench.lists import PERSONAS, ListBenchmark  # noqa: PLC0415

    url = request.getfixturevalue("postgres_server") if backend == "postgres" else None
    result = ListBenchmark(backend, url, sizes=[300], requests=8).run()
    (size,) = result["sizes"]
    assert size["cases"] == 300
    assert set(size["personas"]) == set(PERSONAS)
    assert size["personas"]["coordinator"]["visible_cases"] == 300
    # The specialist agency referred ~150 cases, never all: its representative sees those.
    assert 0 < size["personas"]["representative_150"]["visible_cases"] < 300
    for persona in size["personas"].values():
        assert persona["list"]["p99_ms"] > 0
        assert persona["search"]["p50_ms"] > 0


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_reports_benchmark_runs(backend: str, request: pytest.FixtureRequest) -> None:
    from bench.reports import ReportsBenchmark  # noqa: PLC0415

    url = request.getfixturevalue("postgres_server") if backend == "postgres" else None
    result = ReportsBenchmark(backend, url, cases=12, repeats=2, lead_in_months=0).run()
    first = result["first_year_release"]
    assert first["cases_heard_in_year"] == result["config"]["year_cases_heard"] == 12
    assert first["projection_lag_at_request_events"] >= 0
    assert first["first_request_ms"] > 0
    assert first["baseline_exact_quarter_p50_ms"] > 0
    assert isinstance(first["goal_met"], bool)
    assert result["config"]["rebuild_gives_identical_figures"] is True


def test_repeats_benchmark_reports_both_rules() -> None:
    from bench.repeats import RepeatsBenchmark  # noqa: PLC0415

    result = RepeatsBenchmark("sqlite", None, per_year=60, names=("census",)).run()
    area = result["areas"]["census"]
    assert area["config"]["measured_referrals"] > 0
    for rule in ("new_rule", "old_rule_baseline"):
        assert area[rule].keys() >= {"recall", "precision", "recall_by_variation",
                                     "lookup_p99_ms"}
        assert area[rule]["repeats"] == area["new_rule"]["repeats"]  # the same referrals


def test_national_benchmark_reads_each_goal_from_its_part() -> None:
    """Tiny sizes: the footprint's sizing and the repeats goals, read from the repeats
    benchmark's own JSON (a key renamed there would leave a goal unmeasured: not met)."""
    from bench.national import NationalBenchmark  # noqa: PLC0415

    result = NationalBenchmark("sqlite", None, parts=["footprint", "repeats"],
                               kent_cases=40).run()
    footprint = result["parts"]["footprint"]
    assert footprint["cases"] >= 40
    assert footprint["events"] > footprint["cases"]
    assert footprint["national"]["cases_kept"] == 840_000
    assert footprint["national"]["database_gb"] > 0
    # A case's read models do not grow with its events: the estimate adds rows of the log.
    assert 0 < footprint["bytes_per_event_row"] < footprint["bytes_per_event"]
    assert footprint["national"]["database_gb"] < footprint["national"]["database_gb_upper_bound"]
    goals = {g["name"]: g for g in result["goals"]}
    assert set(goals) == {"repeats_recall_census_names", "repeats_precision_census_names",
                          "repeats_recall_narrow_names", "repeats_precision_narrow_names"}
    for goal in goals.values():
        assert goal["measured"] is not None, goal
        assert goal["baseline"] is not None, goal
        assert goal["met"] == (goal["measured"] >= float(goal["goal"].split()[1]))
    assert result["goals_not_met"] == [g for g in goals if not goals[g]["met"]]


def test_national_area_rebuilds_and_views_at_the_size_it_states() -> None:
    from bench.national import NationalBenchmark  # noqa: PLC0415

    result = NationalBenchmark("sqlite", None, parts=["area"], area_cases=30,
                               area_events_per_case=12).run()
    area = result["parts"]["area"]
    assert area["config"]["cases"] == 30
    assert area["config"]["events"] >= 30 * 12  # the area's own, agencies' and cases'
    goals = {g["name"]: g for g in result["goals"]}
    size = f"30_cases_{area['config']['events']}_events"
    assert set(goals) == {f"rebuild_case_views_events_per_s_{size}", f"case_view_p99_ms_{size}"}
    for goal in goals.values():
        assert goal["measured"] is not None, goal
        assert goal["baseline"] is not None, goal


@pytest.mark.postgres
def test_national_footprint_on_postgres(postgres_server: str) -> None:
    """The footprint reads the backend's own event table (PostgreSQL's is not SQLite's)."""
    from bench.national import NationalBenchmark  # noqa: PLC0415

    result = NationalBenchmark("postgres", postgres_server, parts=["footprint"],
                               kent_cases=10).run()
    footprint = result["parts"]["footprint"]
    assert footprint["events"] > footprint["cases"] >= 10
    assert 0 < footprint["bytes_per_event_row"] < footprint["bytes_per_event"]


def test_rebuild_benchmark_runs_and_rebuilds_the_same_rows() -> None:
    from bench.rebuild import RebuildBenchmark  # noqa: PLC0415

    result = RebuildBenchmark("sqlite", None, cases=12, events_per_case=20, open_at_once=6).run()
    assert result["rebuild_gives_identical_rows"] is True
    assert result["nothing_held_batch_200"]["gives_identical_rows"] is True
    assert result["rebuild"]["cases"]["aggregates_read_from_store"] == 0
    assert result["floor_read_and_open_log_events_per_s"] > 0
