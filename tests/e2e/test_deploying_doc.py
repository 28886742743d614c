"""The README's "Deploying" steps, run as written in a copy of the repo, as far as a machine
without a Docker engine allows: everything before `docker compose … up`. The first step
(making a virtual environment with the CLI) is this test run's own environment, linked in."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Steps that need a Docker engine (or the venv this test already runs in).
NOT_HERE = ("python3 -m venv", "docker compose --profile demo up", "docker compose run")


def deploying_steps() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Deploying\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.S)
    assert block is not None, "the Deploying section has no sh block"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def compose_command() -> list[str] | None:
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) and subprocess.run(  # noqa: S603
                [*command, "version"], capture_output=True, check=False).returncode == 0:
            return command
    return None


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    copy = tmp_path / "marac-platform"
    for name in ("docker-compose.yml", "Dockerfile", "deploy", "examples"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name)
        else:
            copy.mkdir(exist_ok=True)
            shutil.copy(source, copy / name)
    (copy / ".venv").symlink_to(Path(sys.prefix))
    return copy


def test_the_deploying_steps_run_as_written(clone: Path) -> None:
    steps = deploying_steps()
    run_here = [s for s in steps if not s.startswith(NOT_HERE)]
    assert len(steps) - len(run_here) == len(NOT_HERE)  # each left out on purpose, by name
    public_key = None
    for step in run_here:
        command = shlex.split(step, comments=True)
        if command[:2] == ["docker", "compose"]:
            found = compose_command()
            if found is None:
                pytest.skip("no Docker Compose client on this machine")
            (clone / ".env").write_text(re.sub(
                r"^MARAC_AUDIT_CHECKPOINT_PUBLIC_KEY=.*$",
                f"MARAC_AUDIT_CHECKPOINT_PUBLIC_KEY={public_key}",
                (clone / ".env").read_text(), flags=re.M))
            command = [*found, *command[2:]]
        done = subprocess.run(command, cwd=clone, capture_output=True, text=True,  # noqa: S603
                              check=False)
        assert done.returncode == 0, f"{step}\n{done.stdout}\n{done.stderr}"
        if "keys init" in step:
            created = json.loads(done.stdout)
            public_key = created["audit_checkpoint_public_key"]
            # Where compose's secrets read them.
            assert (clone / "secrets" / "keys.json").is_file()
            assert (clone / "secrets" / "audit-signing-key.json").is_file()
    assert (clone / ".env").is_file()
    assert public_key is not None
    assert len(bytes.fromhex(public_key)) == 32
