"""A real SoftHSM2 token for the HSM tests: two tokens (KEKs, checkpoint signing) made by
`softhsm2-util` in a temporary directory, per test session (and per xdist worker).

The PKCS#11 library reads SOFTHSM2_CONF once, when a process first loads it, so the tokens live
as long as the session; each test keeps to its own key labels. Skipped only where SoftHSM2 is
not installed (CI installs it and fails if these tests were skipped).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.settings import Settings

SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
KEK_TOKEN, SIGNING_TOKEN = "marac-test-keks", "marac-test-signing"


@dataclass(frozen=True)
class SoftHsm:
    conf: Path
    module: Path
    kek_pin_file: Path
    signing_pin_file: Path

    def environment(self, data_dir: Path, database_url: str, labels: str) -> dict[str, str]:
        """MARAC_* settings for a platform keeping its keys in these tokens, under key labels
        of its own (`labels`): every process of one test uses the same."""
        return {
            "MARAC_DATA_DIR": str(data_dir),
            "MARAC_DATABASE_URL": database_url,
            "MARAC_DEMO": "true",
            "MARAC_KEK_PROVIDER": "pkcs11",
            "MARAC_AUDIT_SIGNING_PROVIDER": "pkcs11",
            "MARAC_PKCS11_MODULE": str(self.module),
            "MARAC_PKCS11_KEK_TOKEN": KEK_TOKEN,
            "MARAC_PKCS11_KEK_PIN_FILE": str(self.kek_pin_file),
            "MARAC_PKCS11_KEK_LABEL": f"{labels}-kek",
            "MARAC_PKCS11_SIGNING_TOKEN": SIGNING_TOKEN,
            "MARAC_PKCS11_SIGNING_PIN_FILE": str(self.signing_pin_file),
            "MARAC_PKCS11_SIGNING_KEY_LABEL": f"{labels}-audit-signing",
            # Short, so that the roll-out's phases follow each other quickly.
            "MARAC_KEY_ROSTER_SECONDS": "0.2",
        }


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsm]:
    util = shutil.which("softhsm2-util")
    if util is None or not SOFTHSM_MODULE.is_file():
        pytest.skip("SoftHSM2 is not installed (Debian: apt-get install softhsm2)")
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n", encoding="utf-8")
    pins = {}
    for label in (KEK_TOKEN, SIGNING_TOKEN):
        pin = uuid.uuid4().hex
        pins[label] = base / f"{label}.pin"
        pins[label].write_text(pin + "\n", encoding="utf-8")
        subprocess.run(  # noqa: S603 - Debian's tool, our arguments
            [util, "--init-token", "--free", "--label", label, "--so-pin", uuid.uuid4().hex,
             "--pin", pin], env={**os.environ, "SOFTHSM2_CONF": str(conf)}, check=True,
            capture_output=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(conf))
        yield SoftHsm(conf, SOFTHSM_MODULE, pins[KEK_TOKEN], pins[SIGNING_TOKEN])


@pytest.fixture
def hsm_environment(softhsm: SoftHsm, database_url: str, tmp_path: Path) -> dict[str, str]:
    """This test's platform settings, as the environment a process of it is started with."""
    return softhsm.environment(tmp_path / "data", database_url, f"t{uuid.uuid4().hex[:12]}")


@pytest.fixture
def hsm_settings(hsm_environment: dict[str, str]) -> Settings:
    fields = {k.removeprefix("MARAC_").lower(): v for k, v in hsm_environment.items()}
    return Settings(**fields)  # type: ignore[arg-type]
