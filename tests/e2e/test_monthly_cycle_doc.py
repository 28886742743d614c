"""docs/monthly-cycle.md stays true: its `sh` blocks, in order, run as one bash script (stopping
at the first command that fails, and every `curl` failing on an error status) from an empty
data directory: keys made, the partnership applied from its file, the identity provider's
stand-in, `marac serve` and `marac worker` started on a real SQLite file, and the monthly cycle
called through the API with tokens carrying the partnership's codes. Only a block marked as not
run is left out (it needs the next day)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from tests.e2e.test_demo_server import free_port

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "monthly-cycle.md"
NOT_RUN = "<!-- not run by tests/e2e/test_monthly_cycle_doc.py"
BASH = shutil.which("bash") or "/bin/bash"
BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def blocks(text: str) -> list[tuple[int, str, bool]]:
    """Each `sh` block: its first line's number, its code, and whether it is run (not when
    the line before it says it is not)."""
    found = []
    for match in BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        found.append((line, match.group(1), not before.startswith(NOT_RUN)))
    return found


def script(text: str) -> str:
    """The blocks run, each announced on stderr by its line, so a failure names its block;
    processes a block started in the background are stopped however the script ends."""
    parts = ["set -euo pipefail", "trap 'kill $(jobs -p) 2> /dev/null || true' EXIT"]
    for line, code, run in blocks(text):
        if run:
            parts += [f"echo '== block at line {line}' >&2", code]
    return "\n".join(parts) + "\n"


def test_every_block_but_the_next_days_one_is_run() -> None:
    found = blocks(DOC.read_text())
    assert len(found) > 20
    assert [line for line, _, run in found if not run] == [
        line for line, code, _ in found if "scope=overdue" in code and "HEALTH_REP" in code]


def test_the_monthly_cycle_runs_as_written(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARAC_")}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
               MARAC_DATA_DIR=str(tmp_path / "data"), IDP_DIR=str(tmp_path / "idp"),
               PORT=str(free_port()), IDP_PORT=str(free_port()))
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("w") as stdout, err.open("w") as stderr:
        shell = subprocess.Popen(  # noqa: S603 - the document's own commands
            [BASH, "-c", script(DOC.read_text())], cwd=ROOT, env=env, stdout=stdout,
            stderr=stderr, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            code = shell.wait(timeout=600)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(shell.pid, signal.SIGKILL)  # anything the script left behind
    printed, said = out.read_text(), err.read_text()
    # The failing block (the last announced), and what its command answered.
    assert code == 0, said[-3000:] + "\n" + printed[-1500:]
    # Every block ran: the last one announced is the last of the document.
    last = [line for line, _, run in blocks(DOC.read_text()) if run][-1]
    assert said.rstrip().endswith(f"== block at line {last}") or (
        f"== block at line {last}" in said), said[-2000:]
    # What the document says each step shows.
    assert '"changed": []' in printed
    assert "18 changes would be applied (--check: none was)" in said
    assert "no change: the recorded partnership already matches it" in said
    assert "wex-north  police  Wexshire Constabulary  (core)" in printed
    assert '"answered": true' in printed
    assert '"marking": "OFFICIAL-SENSITIVE"' in printed
    assert re.search(r'"distributed_at": "\d{4}-', printed)
    assert "still to be told: nobody" in printed
    assert re.search(r"marac-coord-1 \S+ allowed threshold_decision", printed)
    # The partnership's own areas and agencies: no demo area, no demo persona.
    assert "demo" not in printed.lower().replace('"demo": false', "")
