"""The committed front-end assets (web/static) are what web/assets pins, of the release that
govuk-frontend-jinja's macros target, with their licences, and need nothing from outside."""

import json
import re
import tomllib
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]
ASSETS = ROOT / "web" / "assets"
STATIC = ROOT / "web" / "static"
STYLESHEET = STATIC / "css" / "application.css"


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def versions() -> dict[str, Any]:
    found: dict[str, Any] = load_json(STATIC / "VERSIONS.json")
    return found


def pinned_jinja_release() -> str:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in pyproject["project"]["dependencies"] if d.startswith("govuk-frontend-jinja")]
    assert len(pins) == 1
    _, equals, release = pins[0].partition("==")
    assert equals, "pyproject.toml pins govuk-frontend-jinja exactly"
    return str(release)


def test_package_json_pins_exact_versions_and_the_lock_agrees() -> None:
    wanted = load_json(ASSETS / "package.json")["devDependencies"]
    lock = load_json(ASSETS / "package-lock.json")["packages"]
    for name, version in wanted.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
        assert lock[f"node_modules/{name}"]["version"] == version


def test_the_versions_file_names_what_the_lock_installed() -> None:
    lock = load_json(ASSETS / "package-lock.json")["packages"]
    wanted = load_json(ASSETS / "package.json")["devDependencies"]
    named = versions()["packages"]
    assert set(named) == set(wanted)
    for name, entry in named.items():
        assert entry["version"] == lock[f"node_modules/{name}"]["version"], name


def test_govuk_frontend_is_the_release_the_jinja_macros_target() -> None:
    release = pinned_jinja_release()
    assert versions()["python"]["govuk-frontend-jinja"] == release
    installed = distribution("govuk-frontend-jinja")
    assert installed.version == release
    # The package's README (its METADATA) has a table: our release, the govuk-frontend it targets.
    readme = installed.read_text("METADATA") or ""
    target = re.search(rf"\[{re.escape(release)}\]\([^)]*\)\s*\|\s*\[(\d+\.\d+\.\d+)\]", readme)
    assert target, f"govuk-frontend-jinja {release} names no govuk-frontend release"
    assert versions()["packages"]["govuk-frontend"]["version"] == target.group(1)


def test_the_built_files_are_of_the_pinned_releases() -> None:
    """A stale build (package.json changed, ./build not run) fails here."""
    named = versions()["packages"]
    govuk = named["govuk-frontend"]["version"]
    moj = named["@ministryofjustice/frontend"]["version"]
    css = STYLESHEET.read_text(encoding="utf-8")
    assert re.search(rf'--govuk-frontend-version:\s*"{re.escape(govuk)}"', css)
    assert f'"{govuk}"' in (STATIC / "js" / "govuk-frontend.min.js").read_text(encoding="utf-8")
    assert f'version="{moj}"' in (STATIC / "js" / "moj-frontend.min.js").read_text(encoding="utf-8")


def test_every_package_served_has_its_licence() -> None:
    served = {name: entry for name, entry in versions()["packages"].items() if entry["served"]}
    assert set(served) == {"govuk-frontend", "@ministryofjustice/frontend"}
    for name, entry in served.items():
        licence = STATIC / entry["licence_file"]
        assert licence.is_file(), f"no licence for {name}"
        assert entry["licence"] == "MIT"
        text = licence.read_text(encoding="utf-8")
        assert "MIT License" in text
        assert "Permission is hereby granted" in text


def test_no_gds_transport_font_is_served_or_asked_for() -> None:
    css = STYLESHEET.read_text(encoding="utf-8")
    assert "@font-face" not in css
    assert "GDS Transport" not in css
    assert not [p for p in STATIC.rglob("*") if p.suffix in {".woff", ".woff2", ".ttf"}]


def test_every_image_the_stylesheet_refers_to_is_served() -> None:
    css = STYLESHEET.read_text(encoding="utf-8")
    urls = re.findall(r"url\(\"?([^\")]+)\"?\)", css)
    assert urls
    for url in urls:
        assert url.startswith("/static/"), f"{url} is not served by the app"
        assert (STATIC / url.removeprefix("/static/")).is_file(), url


@pytest.mark.parametrize("bundle", ["govuk-frontend.min.js", "moj-frontend.min.js"])
def test_the_script_starts_each_bundle_and_each_bundle_is_a_module(bundle: str) -> None:
    script = (STATIC / "js" / "application.js").read_text(encoding="utf-8")
    assert f"from './{bundle}'" in script
    assert re.search(r"export\s*\{[^}]*\binitAll\b", (STATIC / "js" / bundle).read_text("utf-8"))


def test_the_print_styles_mark_every_page() -> None:
    css = STYLESHEET.read_text(encoding="utf-8")
    page = re.search(r"@page\{.*?\}\}", css)
    assert page
    assert page.group(0).count('content:"OFFICIAL-SENSITIVE"') == 2
