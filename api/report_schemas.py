"""Response body of the performance reports (services/report.py): the indicators and the
SafeLives return share one envelope; their figures are a tree of named figures."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field
from typing_extensions import TypeAliasType

from api.schemas import IsoformatDateTime
from projections.figures import WITHHELD, WITHHELD_MEANS
from services.report import Kind, Report

# Keyed by indicator, then by month, agency or meeting where a figure is broken down; each
# figure a count, a percentage or a mean, null where there is nothing to divide by, or the
# withheld mark. Which indicators there are is DOMAIN.md's (and projections/indicators.py's).
FigureTree = TypeAliasType("FigureTree", "Mapping[str, int | float | str | FigureTree | None]")


class ReportAreaOut(BaseModel):
    id: UUID
    code: str
    name: str
    model: str
    agencies: dict[str, str] = Field(description="Agency names by code")


class ReportPeriod(BaseModel):
    label: str = Field(description="2026-03, 2026-Q1, 2026, or a custom range")
    start: date
    end: date
    days: int


class ReportDisclosure(BaseModel):
    controlled: bool
    threshold: int | None = Field(description="Counts below it are withheld; null for exact "
                                              "figures")
    withheld_label: str | None = Field(description=f"`{WITHHELD}` under disclosure control")
    withheld_means: str | None = Field(description=WITHHELD_MEANS)
    withheld_figures: int


class ReportView(BaseModel):
    report: Kind
    area: ReportAreaOut
    period: ReportPeriod
    as_of: date = Field(description="The facts counted were those known on this day")
    released_at: IsoformatDateTime | None = Field(
        description="When these figures were released; null for exact figures")
    disclosure: ReportDisclosure
    figures: FigureTree

    @classmethod
    def of(cls, report: Report) -> ReportView:
        controlled = report.threshold is not None
        p, a = report.period, report.area
        return cls(
            report=report.kind,
            area=ReportAreaOut(id=a.id, code=a.code, name=a.name, model=a.model,
                               agencies=dict(a.agencies)),
            period=ReportPeriod(label=p.label, start=p.start, end=p.end, days=p.days),
            as_of=report.as_of, released_at=report.released_at,
            disclosure=ReportDisclosure(
                controlled=controlled, threshold=report.threshold,
                withheld_label=WITHHELD if report.threshold else None,
                withheld_means=WITHHELD_MEANS if report.threshold else None,
                withheld_figures=report.withheld),
            figures=report.figures)
