"""Why case content is read: recorded with every read (DPA 2018 s.62). The API takes it as a
header or parameter, the pages ask for it; both from this one list."""

from __future__ import annotations

from enum import StrEnum


class Purpose(StrEnum):
    meeting_preparation = "meeting_preparation"
    research = "research"
    threshold_decision = "threshold_decision"
    action_follow_up = "action_follow_up"
    safety_planning = "safety_planning"
    supervision = "supervision"
    subject_access = "subject_access"


# How the pages name each purpose.
LABELS: dict[Purpose, str] = {
    Purpose.meeting_preparation: "Preparing for a meeting",
    Purpose.research: "Research for the case",
    Purpose.threshold_decision: "Deciding whether the case meets the threshold",
    Purpose.action_follow_up: "Following up an action",
    Purpose.safety_planning: "Safety planning",
    Purpose.supervision: "Supervision",
    Purpose.subject_access: "A subject access request",
}
