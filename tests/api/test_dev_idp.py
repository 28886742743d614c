"""`marac dev-idp`, the development stand-in for the partnership's identity provider, run
in-process: its key is made once and kept to its owner, its tokens verify against the key set
it publishes and put the area, agency and roles where MARAC_OIDC_*_CLAIM say, and it refuses
what it should. (docs/monthly-cycle.md's test runs it as a process beside a real server.)"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from api.cli import main
from api.commands.dev_idp import STATE_FILE
from security.identity import ClaimNames, StaticJwks, TokenVerifier
from security.issuer import LocalIssuer


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_its_tokens_carry_codes_in_the_configured_claims_and_verify_against_its_key_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    idp = tmp_path / "idp"
    code, out, _ = run(capsys, "dev-idp", "init", "--dir", str(idp), "--port", "18181")
    assert code == 0
    settings = json.loads(out)["settings"]
    assert settings == {"MARAC_OIDC_ISSUER": "http://127.0.0.1:18181/dev-idp",
                        "MARAC_OIDC_AUDIENCE": "marac-api",
                        "MARAC_OIDC_JWKS_URL": "http://127.0.0.1:18181/jwks.json"}
    state_file = idp / STATE_FILE
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    # Made once: a second init would orphan every token and server trusting the first key.
    assert run(capsys, "dev-idp", "init", "--dir", str(idp))[0] == 1

    monkeypatch.setenv("MARAC_OIDC_ROLES_CLAIM", "realm_access.roles")
    monkeypatch.setenv("MARAC_OIDC_AREA_CLAIM", "marac_area")
    code, out, _ = run(capsys, "dev-idp", "token", "--dir", str(idp), "--sub", "coord-1",
                       "--area", "wex-north", "--agency", "police", "--role", "coordinator",
                       "--role", "chair")
    assert code == 0
    state = json.loads(state_file.read_text())
    published = LocalIssuer(state["issuer"], state["audience"],
                            RSAKey.import_key(state["key"])).jwks()
    assert set(published["keys"][0]) == {"kty", "n", "e", "use", "alg", "kid"}  # no private part
    verifier = TokenVerifier(settings["MARAC_OIDC_ISSUER"], settings["MARAC_OIDC_AUDIENCE"],
                             StaticJwks(published))
    verifier.claim_names = ClaimNames(agency="agency", area="marac_area",
                                      roles="realm_access.roles")

    class Codes:  # the partnership's codes, as its store would answer
        def area_id(self, code: str) -> object:
            return {"wex-north": "11111111-1111-1111-1111-111111111111"}.get(code)

        def agency_id(self, area_id: object, code: str) -> object:
            return "22222222-2222-2222-2222-222222222222" if code == "police" else None

    verifier.codes = Codes()  # type: ignore[assignment]
    principal = verifier.verify(out.strip())
    assert (principal.subject, principal.roles) == ("coord-1",
                                                    frozenset({"coordinator", "chair"}))
    assert (str(principal.area_id), str(principal.agency_id)) == (
        "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222")
    # Placed where the configuration says, and nowhere else.
    claims = jwt.decode(out.strip(), RSAKey.import_key(published["keys"][0])).claims
    assert {k: v for k, v in claims.items() if k in ("marac_area", "agency", "realm_access",
                                                     "area", "roles")} == {
        "marac_area": "wex-north", "agency": "police",
        "realm_access": {"roles": ["coordinator", "chair"]}}


def test_without_its_key_or_beyond_a_days_work_it_issues_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    idp = tmp_path / "idp"
    code, out, err = run(capsys, "dev-idp", "token", "--dir", str(idp), "--sub", "x")
    assert (code, out) == (2, "")
    assert "run `marac dev-idp init`" in err
    run(capsys, "dev-idp", "init", "--dir", str(idp))
    code, out, err = run(capsys, "dev-idp", "token", "--dir", str(idp), "--sub", "x",
                         "--ttl", str(13 * 3600))
    assert (code, out) == (2, "")
    with pytest.raises(SystemExit):
        main(["dev-idp", "token", "--dir", str(idp), "--sub", "x", "--role", "superuser"])
