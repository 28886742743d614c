"""docker-compose.yml and the Dockerfile, checked by reading (no Docker engine here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from api.cli import parser
from storage.url import parse_database_url

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return doc


def test_postgres_16_with_a_healthcheck() -> None:
    pg = compose()["services"]["postgres"]
    assert pg["image"] == "postgres:16"
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])


def test_api_and_worker_run_real_commands_once_postgres_is_healthy() -> None:
    services = compose()["services"]
    for name, subcommand in (("api", "serve"), ("worker", "worker")):
        service = services[name]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        command = service["command"]
        assert command[:2] == ["marac", subcommand]
        parser().parse_args(command[1:])  # exits if the CLI would refuse it
        url = re.sub(r"\$\{[^}]*\}", "secret", service["environment"]["MARAC_DATABASE_URL"])
        assert parse_database_url(url).dialect == "postgresql"


def _url(text: str) -> str:
    return re.sub(r"\$\{[^}]*\}", "secret", text)


def test_the_owner_sets_up_the_trail_and_the_api_and_worker_connect_as_another_role() -> None:
    """The audit trail's owner is not the role the application runs as (audit/ownership.py):
    a one-shot service runs `marac db setup` as the owner first, then the API and the worker
    start as the application's role."""
    services = compose()["services"]
    setup = services["db-setup"]
    command = setup["command"]
    assert command[:3] == ["marac", "db", "setup"]
    args = parser().parse_args(command[1:])
    owner = parse_database_url(_url(setup["environment"]["MARAC_OWNER_DATABASE_URL"]))
    assert owner.user == services["postgres"]["environment"]["POSTGRES_USER"]
    assert setup["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker"):
        service = services[name]
        app = parse_database_url(_url(service["environment"]["MARAC_DATABASE_URL"]))
        assert app.user == args.app_role
        assert app.user != owner.user
        assert (app.dbname, app.schema) == (owner.dbname, owner.schema)
        assert service["depends_on"]["db-setup"]["condition"] == \
            "service_completed_successfully"


def test_no_secret_is_committed() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for name in ("POSTGRES_PASSWORD", "MARAC_KEYS_JSON", "MARAC_APP_DATABASE_PASSWORD",
                 "MARAC_AUDIT_SIGNING_KEY_JSON"):
        assert re.search(r"\$\{" + name + r":\?", text), name


def test_the_dockerfile_copies_every_package() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\w+) ", dockerfile, flags=re.M))
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} - {"tests"}
    assert packages <= copied


def test_database_url_parameters_are_never_silently_dropped() -> None:
    import pytest  # noqa: PLC0415

    from storage.url import DatabaseUrlError  # noqa: PLC0415

    with pytest.raises(DatabaseUrlError, match="PGSSLMODE"):
        parse_database_url("postgresql://u@h/db?sslmode=verify-full")


def test_the_image_installs_every_package_of_ours() -> None:
    """The Dockerfile runs `pip install .`: the wheel must carry every package (api.routes
    was once left out of a hand-kept list), and no tests."""
    import fnmatch  # noqa: PLC0415 - only this test reads the project file
    import tomllib  # noqa: PLC0415

    found = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"]["find"]
    packages = {str(p.parent.relative_to(ROOT)).replace("/", ".")
                for p in ROOT.glob("*/**/__init__.py")}
    shipped = {p for p in packages if any(fnmatch.fnmatch(p, i) for i in found["include"])}
    ours = {str(p.parent.relative_to(ROOT)).replace("/", ".")
            for p in ROOT.glob("*/**/__init__.py")
            if p.parts[len(ROOT.parts)] not in {"tests", ".venv", "var", "build"}}
    assert ours
    assert ours <= shipped
    assert not any(p.startswith("tests") for p in shipped)


def test_the_witness_runs_apart_with_a_volume_no_other_service_mounts() -> None:
    services = compose()["services"]
    witness = services["witness"]
    script = witness["command"][0]
    run = script.split("exec ", 1)[1].split()
    assert run[:4] == ["marac", "audit", "witness", "run"]
    parser().parse_args(run[1:])
    init = script.split("||", 1)[1].split(";", 1)[0].split()
    assert init[:4] == ["marac", "audit", "witness", "init"]
    parser().parse_args([a.strip('"') for a in init[1:]])
    mount = next(v for v in witness["volumes"] if v.endswith(":/var/lib/marac-witness"))
    volume = mount.split(":")[0]
    others = [v.split(":")[0] for name, s in services.items() if name != "witness"
              for v in s.get("volumes", [])]
    assert volume not in others
    assert "MARAC_KEYS_JSON" not in witness["environment"]  # no key of the application's
    assert "MARAC_AUDIT_SIGNING_KEY_JSON" not in witness["environment"]


def test_the_witness_connects_as_its_own_role_which_the_setup_makes_read_only() -> None:
    """Not the application's role (which may append) nor the owner's: the role `db setup`
    grants only a read of the audit tables (audit/ownership.py)."""
    services = compose()["services"]
    setup = services["db-setup"]
    args = parser().parse_args(setup["command"][1:])
    witness = parse_database_url(_url(services["witness"]["environment"]["MARAC_DATABASE_URL"]))
    owner = parse_database_url(_url(setup["environment"]["MARAC_OWNER_DATABASE_URL"]))
    assert args.witness_role is not None
    assert witness.user == args.witness_role
    assert witness.user not in (args.app_role, owner.user)
    assert (witness.dbname, witness.schema) == (owner.dbname, owner.schema)
    assert "MARAC_WITNESS_DATABASE_PASSWORD" in setup["environment"]
    assert "MARAC_APP_DATABASE_PASSWORD" not in str(services["witness"]["environment"])


def test_volume_mount_points_exist_in_the_image_owned_by_its_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    mounts = {v.split(":")[1] for s in compose()["services"].values()
              for v in s.get("volumes", []) if not v.startswith("pgdata")}
    created = re.search(r"mkdir -p ([^&]+)&&", dockerfile)
    assert created is not None
    assert mounts <= set(created.group(1).replace("\\", " ").split())
    assert "chown -R marac" in dockerfile
