"""`marac bench web --json` runs on both backends and prints every promised key (sizes tiny;
no timing is asserted: figures belong in the README, not in tests)."""

from __future__ import annotations

import json

import pytest

from api.cli import main

SIDE = {"p50_ms", "p99_ms"}
RATIO = {"p50", "p99"}


def check_side(found: object) -> None:
    """A side's figures."""
    assert isinstance(found, dict)
    assert found.keys() == SIDE
    assert all(isinstance(v, float) and v > 0 for v in found.values())


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_web_benchmark_prints_its_json(backend: str, request: pytest.FixtureRequest,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["bench", "web", "--json", "--backend", backend, "--cases", "20", "--requests", "20"]
    if backend == "postgres":
        argv += ["--database-url", request.getfixturevalue("postgres_server")]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["benchmark"] == "web"
    assert result["backend"] == ("sqlite" if backend == "sqlite" else "postgresql")
    assert result["machine"].keys() >= {"cpu", "cores", "python"}
    assert result["config"]["cases"] == 20
    assert result["personas"].keys() == {"coordinator", "police_representative"}
    for figures in result["personas"].values():
        assert figures.keys() == {"list_page", "list_api", "list_page_over_api", "case_page",
                                  "case_api", "case_page_over_api", "case_and_timeline_api",
                                  "case_page_over_case_and_timeline_api"}
        check_side(figures["list_page"])
        check_side(figures["list_api"])
        assert figures["list_page_over_api"].keys() == RATIO
        check_side(figures["case_page"])
        check_side(figures["case_api"])
        check_side(figures["case_and_timeline_api"])
        for ratio in (figures["case_page_over_api"],
                      figures["case_page_over_case_and_timeline_api"]):
            assert ratio.keys() == RATIO
