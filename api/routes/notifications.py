"""/api/v1/notifications: the e-mailed notifications that failed, for the area's coordinators
and chairs (services/failed_notifications.py). Ids, kinds, times and SMTP reply codes: no
address."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import CurrentActor, CurrentPlatform
from api.errors import AUTHENTICATED
from notifications.notices import NoticeKind
from services.failed_notifications import failed_notifications

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"],
                   responses=AUTHENTICATED)


class FailedNotification(BaseModel):
    message_id: UUID
    kind: NoticeKind
    recipient_agency_id: UUID | None = Field(
        description="The agency told; null: the area's coordinators' mailbox")
    case_id: UUID | None
    meeting_id: UUID | None
    created_at: datetime
    failed_at: datetime
    attempts: int
    error: str = Field(description="The SMTP server's reply code (`smtp:550`: refused for "
                                   "good), or the kind of connection error when it was still "
                                   "failing after three days")


@router.get("/failed", response_model=list[FailedNotification])
def list_failed(platform: CurrentPlatform, actor: CurrentActor) -> list[FailedNotification]:
    """Notifications refused for good by the mail server, or given up on after failing for
    three days, latest first; only those about cases and meetings the caller may see."""
    return [FailedNotification.model_validate(asdict(f))
            for f in failed_notifications(platform, platform.notices, actor)]
