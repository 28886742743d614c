"""`marac serve`'s one start-up line for the person who started it: where it is, and in the
demo where to sign in and whom to try."""

from __future__ import annotations

from api.background import Background
from api.bootstrap import Platform
from api.commands.serve import Started, start_line
from api.settings import Settings
from api.supervisor import Supervised


def test_a_production_start_says_where_its_pages_api_and_probes_are() -> None:
    settings = Settings(host="0.0.0.0", port=8080, demo=False)  # noqa: S104 - as in a container
    line = start_line(Started(settings, None, None, None), settings.base_url)
    assert line.startswith("marac running: pages http://127.0.0.1:8080/, "
                           "API http://127.0.0.1:8080/api/v1 ")
    assert "health http://127.0.0.1:8080/livez, http://127.0.0.1:8080/readyz" in line
    assert "metrics off (MARAC_METRICS_PORT)" in line
    assert "\n" not in line


def test_the_demo_says_where_to_sign_in_and_whom_to_try(platform: Platform) -> None:
    settings = platform.settings
    witness = Supervised("witness", ["true"], {})
    line = start_line(Started(settings, Background(platform), witness, None),
                      settings.base_url)
    assert line.startswith(f"marac demo running: pages {settings.base_url}/ — sign in as a "
                           "demo persona: try coordinator, then hospital-employee")
    assert f"{settings.base_url}/dev/personas" in line
    assert "Ctrl-C stops everything." in line
    assert "\n" not in line
