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
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker"):
        service = services[name]
        app = parse_database_url(_url(service["environment"]["MARAC_DATABASE_URL"]))
        assert app.user == args.app_role
        assert app.user != owner.user
        assert (app.dbname, app.schema) == (owner.dbname, owner.schema)
        # After the migration, through the set-up (which grants on what it made).
        assert service["depends_on"]["db-setup"]["condition"] == \
            "service_completed_successfully"
    assert services["db-setup"]["depends_on"]["migrate"]["condition"] == \
        "service_completed_successfully"


def test_no_secret_is_committed() -> None:
    """Passwords and client secrets are required from the environment (`.env`), the key
    documents are Compose secrets (files), and none has a default here."""
    text = (ROOT / "docker-compose.yml").read_text()
    for name in ("POSTGRES_PASSWORD", "MARAC_APP_DATABASE_PASSWORD",
                 "MARAC_WITNESS_DATABASE_PASSWORD", "MARAC_WEB_OIDC_CLIENT_SECRET",
                 "KEYCLOAK_ADMIN_PASSWORD", "MARAC_DEMO_PASSWORD"):
        assert re.search(r"\$\{" + name + r":\?", text), name
        assert not re.search(r"\$\{" + name + r":-", text), name
    assert "MARAC_KEYS_JSON" not in text  # the KEKs never travel in the environment
    services = compose()["services"]
    for name in ("api", "worker"):
        env = services[name]["environment"]
        assert set(services[name]["secrets"]) == {"marac_keys", "audit_signing_key"}
        assert env["MARAC_KEY_FILE"] == "/run/secrets/marac_keys"
        assert env["MARAC_AUDIT_SIGNING_KEY_FILE"] == "/run/secrets/audit_signing_key"


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
    # Others may read its co-signatures (`audit verify --witness`), never write them.
    others = [v for name, s in services.items() if name != "witness"
              for v in s.get("volumes", []) if v.split(":")[0] == volume]
    assert others
    assert all(v.endswith(":ro") for v in others), others
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
              if s.get("image", "marac-platform").startswith("marac-platform")
              for v in s.get("volumes", [])}
    created = re.search(r"mkdir -p ([^&]+)&&", dockerfile)
    assert created is not None
    assert mounts <= set(created.group(1).replace("\\", " ").split())
    assert "chown -R marac" in dockerfile


# --- issue 18: a stack that works ------------------------------------------------------------

ONE_SHOTS = {"db-setup", "migrate"}


def _defaults(text: str) -> str:
    """`${VAR:-default}` as its default, `${VAR:?message}` (required) as a stand-in value."""
    text = re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", text)
    return re.sub(r"\$\{[A-Z0-9_]+:\?[^}]*\}", "given", text)


def test_every_service_has_a_healthcheck() -> None:
    """A running service says whether it works; a one-shot's health is its exit status, which
    the services after it wait for (service_completed_successfully)."""
    services = compose()["services"]
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check is not None, name
        if name in ONE_SHOTS:
            assert check == {"disable": True}, name
            assert service["restart"] == "no"
            continue
        assert check.get("test"), name
        assert not check.get("disable"), name
    waited_on = {dep for s in services.values() for dep, c in s.get("depends_on", {}).items()
                 if c["condition"] == "service_completed_successfully"}
    assert waited_on == ONE_SHOTS


def test_the_healthchecks_run_commands_the_cli_accepts() -> None:
    services = compose()["services"]
    worker = services["worker"]["healthcheck"]["test"]
    assert worker[:2] == ["CMD", "marac"]
    assert parser().parse_args(worker[2:]).alive
    witness = services["witness"]["healthcheck"]["test"]
    assert witness[:2] == ["CMD", "marac"]
    assert parser().parse_args(witness[2:]).witness_command == "status"
    migrate = services["migrate"]["command"]
    assert migrate[:3] == ["marac", "db", "upgrade"]
    parser().parse_args(migrate[1:])
    assert "/readyz" in " ".join(services["api"]["healthcheck"]["test"])


def test_the_application_role_is_never_the_superuser() -> None:
    """POSTGRES_USER is the cluster's superuser in the official image: only the one-shots use
    it; the API, the worker and the witness use roles `db setup` makes without it."""
    services = compose()["services"]
    superuser = services["postgres"]["environment"]["POSTGRES_USER"]
    for name in ("api", "worker", "witness"):
        url = parse_database_url(_url(services[name]["environment"]["MARAC_DATABASE_URL"]))
        assert url.user != superuser, name
        assert "POSTGRES_PASSWORD" not in str(services[name]["environment"]), name
    for name in ONE_SHOTS:
        owner = services[name]["environment"]["MARAC_OWNER_DATABASE_URL"]
        assert parse_database_url(_url(owner)).user == superuser


def _variables_the_platform_reads() -> set[str]:
    """Its settings (MARAC_ + field name) and the few names commands read directly."""
    from api.settings import Settings  # noqa: PLC0415

    fields = {"MARAC_" + name.upper() for name in Settings.model_fields}
    direct: set[str] = set()
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in {"tests", ".venv", "var", "build"}:
            continue
        direct |= set(re.findall(r"environ(?:\.get\()?\[?\(?\"(MARAC_[A-Z0-9_]+)\"",
                                 path.read_text(encoding="utf-8")))
    return fields | direct


def test_every_variable_set_is_one_the_platform_reads() -> None:
    """A misspelt name would be ignored in silence and the default used instead."""
    known = _variables_the_platform_reads()
    services = compose()["services"]
    for name, service in services.items():
        if not service.get("image", "").startswith("marac-platform"):
            continue
        env = service.get("environment", {})
        # Or read by the service's own command line (the witness's shell script).
        command = " ".join(service.get("command", []))
        for variable in env:
            if variable.startswith("MARAC_") and f"$${variable}" not in command:
                assert variable in known, f"{name}: {variable}"


def test_the_platform_starts_with_what_compose_gives_it() -> None:
    """Every setting the API and the worker need outside demo mode is set (or defaulted in
    compose), and the settings parse: database, keys, signing key, OIDC, the pages' client."""
    from api.settings import Settings  # noqa: PLC0415

    services = compose()["services"]
    for name in ("api", "worker"):
        env = {k: _defaults(str(v)) for k, v in services[name]["environment"].items()}
        for needed in ("MARAC_DATABASE_URL", "MARAC_KEY_FILE", "MARAC_AUDIT_SIGNING_KEY_FILE",
                       "MARAC_SHRED_LEDGER_FILE", "MARAC_AUDIT_CHECKPOINT_DIR",
                       "MARAC_OIDC_ISSUER", "MARAC_OIDC_JWKS_URL", "MARAC_OIDC_AUDIENCE",
                       "MARAC_WEB_OIDC_ISSUER", "MARAC_WEB_OIDC_CLIENT_ID",
                       "MARAC_WEB_OIDC_CLIENT_SECRET", "MARAC_PUBLIC_BASE_URL"):
            assert env.get(needed), f"{name}: {needed}"
        settings = Settings.model_validate(
            {k.removeprefix("MARAC_").lower(): v for k, v in env.items()})
        assert not settings.demo
        # The checkpoints and the ledger are on volumes (they outlive the container).
        mounts = {v.split(":")[1] for v in services[name]["volumes"]}
        assert str(settings.audit_checkpoint_dir) in mounts
        assert settings.shred_ledger_file is not None
        assert str(settings.shred_ledger_file.parent) in mounts


def test_every_required_variable_is_in_the_example_environment() -> None:
    """`cp deploy/env.example .env` names everything compose refuses to start without."""
    text = (ROOT / "docker-compose.yml").read_text()
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", text))
    example = (ROOT / "deploy" / "env.example").read_text()
    given = set(re.findall(r"^([A-Z0-9_]+)=", example, flags=re.M))
    assert required <= given, required - given
    # Placeholders only: an example must not pass for a real secret.
    for line in example.splitlines():
        if "=" in line and not line.startswith("#"):
            assert line.split("=", 1)[1] in ("", "change-me") or "example" in line or \
                line.split("=", 1)[1].startswith(("http", "./")), line


def test_keycloak_imports_the_realm_file_with_every_placeholder_given() -> None:
    service = compose()["services"]["keycloak"]
    assert service["image"].startswith("quay.io/keycloak/keycloak:")
    assert service["command"] == ["start-dev", "--import-realm"]
    assert "demo" in service["profiles"]
    assert "./deploy/keycloak:/opt/keycloak/data/import:ro" in service["volumes"]
    realm = (ROOT / "deploy" / "keycloak" / "marac-realm.json").read_text()
    placeholders = set(re.findall(r"\$\{([A-Z0-9_]+)\}", realm))
    assert placeholders
    assert placeholders <= set(service["environment"])


def test_docker_compose_accepts_the_file() -> None:
    """Where a Docker client with Compose exists (`.ci/run` installs Debian's docker-compose):
    the file as Compose reads it, with the example environment."""
    import shutil  # noqa: PLC0415
    import subprocess  # noqa: PLC0415

    import pytest  # noqa: PLC0415

    env_file = ROOT / "deploy" / "env.example"
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        probe = subprocess.run([*command, "version"], capture_output=True, check=False)  # noqa: S603
        if probe.returncode != 0:
            continue
        done = subprocess.run(  # noqa: S603
            [*command, "--env-file", str(env_file), "--profile", "demo", "-f",
             str(ROOT / "docker-compose.yml"), "config", "-q"],
            capture_output=True, text=True, check=False, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        return
    pytest.skip("no Docker Compose client on this machine")
