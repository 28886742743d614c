"""The partnership's file (`marac partnership apply FILE`): its information-sharing protocol
and signatories, areas and their settings, and agencies, in YAML, read into the specs the
domain applies. Everything is checked before anything is applied, and each error names its
line and field, with a stable code.

    partnership: Lancashire domestic abuse partnership
    protocol: {title: ..., version: "2026.1", signatories: [police, idva, ...]}
    areas:
      - {code: lancs-central, name: Central Lancashire MARAC, model: marac, settings: {...}}
    agencies:
      - {code: police, name: Lancashire Constabulary, type: police, core: true,
         spoc_email: marac.spoc@example.org, areas: [lancs-central, lancs-marrac]}

An agency is registered in each area it names; only a signatory of the protocol may be one.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from domain.agency import AgencyType, check_agency_type, check_email
from domain.area import AreaSettings, check_code, check_name
from domain.exceptions import InvalidSettings
from domain.partnership import AgencySpec, AreaSpec
from services.errors import Invalid

# A partnership's file is a page or two; a much larger one is not one.
MAX_FILE_BYTES = 1_000_000
Path = tuple[str | int, ...]


class PartnershipFileError(Invalid):
    """The file cannot be applied; `code` says why, `line` and `field` where (1-based line;
    the field as a dotted path such as `areas.0.settings.referral_threshold`)."""

    code: ClassVar[str] = "invalid_partnership_file"

    def __init__(self, message: str, *, code: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        where = ", ".join(p for p in (f"line {line}" if line else None, field) if p)
        super().__init__(f"{where}: {message}" if where else message, code)
        self.line = line
        self.field = field


@dataclass(frozen=True)
class Protocol:
    """The information-sharing protocol the partnership works under, and who signed it."""

    title: str
    version: str
    signatories: tuple[str, ...]


@dataclass(frozen=True)
class PartnershipFile:
    name: str
    protocol: Protocol
    areas: tuple[AreaSpec, ...]
    agencies: tuple[AgencySpec, ...]


# The file's shape; values are checked by the domain's own rules afterwards.
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


_hints = typing.get_type_hints(AreaSettings)
# A list setting (`digest_recipients`) is a YAML list, which strict validation will not take
# as the settings' tuple.
_written = {name: list[str] if hint == tuple[str, ...] else hint for name, hint in _hints.items()}
# Each setting by its own name and type; an area's model is given beside its settings.
_SettingsDoc: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "SettingsDoc", __config__=ConfigDict(extra="forbid", strict=True),
    **{f.name: (_written[f.name] | None, None) for f in fields(AreaSettings)
       if f.name != "model"})

Text = Annotated[str, Field(min_length=1, max_length=200)]


class _ProtocolDoc(_Strict):
    title: Text
    version: Text
    signatories: list[Text] = Field(min_length=1)


class _AreaDoc(_Strict):
    code: Text
    name: Text
    model: Literal["marac", "marrac"] = "marac"
    settings: _SettingsDoc = Field(default_factory=_SettingsDoc)  # type: ignore[valid-type]


class _AgencyDoc(_Strict):
    code: Text
    name: Text
    type: AgencyType
    core: bool = False
    spoc_email: Text | None = None
    areas: list[Text] = Field(min_length=1)


class _FileDoc(_Strict):
    partnership: Text
    protocol: _ProtocolDoc
    areas: list[_AreaDoc] = Field(min_length=1)
    agencies: list[_AgencyDoc] = Field(min_length=1)


def read_partnership_file(text: str) -> PartnershipFile:
    if len(text.encode()) > MAX_FILE_BYTES:
        raise PartnershipFileError(f"the file is larger than {MAX_FILE_BYTES} bytes",
                                   code="partnership_file_too_large")
    value, lines = _load(text)
    try:
        doc = _FileDoc.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = tuple(first["loc"])
        raise PartnershipFileError(first["msg"], line=_line(lines, path),
                                   field=_dotted(path)) from None
    return _checked(doc, lines)


def _checked(doc: _FileDoc, lines: Mapping[Path, int]) -> PartnershipFile:
    """The domain's rules, each error at its place: codes and names, settings, types and
    addresses; each code once; every agency a signatory, in areas the file describes."""
    def at(path: Path, check: Any, *args: Any) -> Any:
        try:
            return check(*args)
        except InvalidSettings as exc:
            raise PartnershipFileError(str(exc), code=exc.code, line=_line(lines, path),
                                       field=_dotted(path)) from None

    signatories = tuple(at(("protocol", "signatories", i), check_code, code)
                        for i, code in enumerate(doc.protocol.signatories))
    areas: list[AreaSpec] = []
    for i, area in enumerate(doc.areas):
        code = at(("areas", i, "code"), check_code, area.code)
        _once(code, [a.code for a in areas], ("areas", i, "code"), lines)
        chosen: dict[str, Any] = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in area.settings.model_dump(  # type: ignore[attr-defined]
                exclude_none=True).items()}
        settings = AreaSettings(model=area.model, **chosen)
        at(("areas", i, "settings"), settings.check_valid)
        areas.append(AreaSpec(code, at(("areas", i, "name"), check_name, area.name), settings))
    agencies: list[AgencySpec] = []
    described = [a.code for a in areas]
    seen: list[str] = []
    for i, agency in enumerate(doc.agencies):
        code = at(("agencies", i, "code"), check_code, agency.code)
        _once(code, seen, ("agencies", i, "code"), lines)
        seen.append(code)
        if code not in signatories:
            raise PartnershipFileError(
                f"agency {code!r} has not signed the protocol: add it to protocol.signatories",
                code="not_a_signatory", line=_line(lines, ("agencies", i, "code")),
                field=_dotted(("agencies", i, "code")))
        name = at(("agencies", i, "name"), check_name, agency.name)
        at(("agencies", i, "type"), check_agency_type, agency.type)
        spoc = at(("agencies", i, "spoc_email"), check_email, agency.spoc_email)
        for j, given in enumerate(agency.areas):
            where = ("agencies", i, "areas", j)
            area_code = at(where, check_code, given)
            if area_code not in described:
                raise PartnershipFileError(f"area {area_code!r} is not among the file's areas",
                                           code="unknown_area", line=_line(lines, where),
                                           field=_dotted(where))
            agencies.append(AgencySpec(area_code, code, name, agency.type, agency.core, spoc))
    missing = sorted(set(signatories) - set(seen))
    if missing:
        raise PartnershipFileError(f"signatories without an agency: {missing}",
                                   code="signatory_not_described",
                                   line=_line(lines, ("protocol", "signatories")),
                                   field="protocol.signatories")
    protocol = Protocol(doc.protocol.title, doc.protocol.version, signatories)
    return PartnershipFile(doc.partnership, protocol, tuple(areas), tuple(agencies))


def _once(code: str, earlier: Sequence[str], path: Path, lines: Mapping[Path, int]) -> None:
    if code in earlier:
        raise PartnershipFileError(f"code {code!r} is given twice", code="duplicate_code",
                                   line=_line(lines, path), field=_dotted(path))


def _load(text: str) -> tuple[Any, dict[Path, int]]:
    """The document as plain values (SafeLoader: no Python objects), and the line of each
    value by its path. A key given twice is an error, not silently the last."""
    loader = yaml.SafeLoader(text)
    lines: dict[Path, int] = {}
    try:
        root = loader.get_single_node()
        if root is None:
            raise PartnershipFileError("the file is empty", code="invalid_partnership_file")
        return _plain(loader, root, (), lines), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise PartnershipFileError(exc.problem or "not YAML", code="invalid_yaml",
                                   line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError:
        raise PartnershipFileError("not YAML", code="invalid_yaml") from None
    finally:
        loader.dispose()


def _plain(loader: yaml.SafeLoader, node: yaml.Node, path: Path,
           lines: dict[Path, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise PartnershipFileError("keys are names", line=key_node.start_mark.line + 1,
                                           field=_dotted(path) or None)
            if key in out:
                raise PartnershipFileError(f"{key!r} is given twice", code="duplicate_key",
                                           line=key_node.start_mark.line + 1,
                                           field=_dotted((*path, key)))
            out[key] = _plain(loader, value_node, (*path, key), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(loader, item, (*path, i), lines) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _line(lines: Mapping[Path, int], path: Path) -> int | None:
    """The line of the value at `path`, or of its nearest enclosing value (a missing field's
    error is placed at the mapping that should hold it)."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _dotted(path: Path) -> str:
    return ".".join(str(p) for p in path)
