"""What an audit record says was done: one list of names, each a verb or verb_noun, and every
record names one of them (AuditRecord refuses any other). The README's audit section says
what each means; a DPO filters the trail by them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, get_args

AuditAction = Literal[
    # Case content read, with a purpose (items: the ids shown).
    "read", "list", "search", "read_marrac", "read_meeting", "read_agenda", "read_minutes",
    "read_review", "list_research", "list_actions", "suggest_allocation", "list_meetings",
    # Case writes (outcome allowed, denied, refused with the rule's code, or failed).
    "create", "decide", "grant", "revoke", "agree_action", "update_action",
    "acknowledge_closure", "close", "refer_onward", "record_social_care", "restrict",
    "review_restriction", "exclude", "readmit", "break_glass", "share", "release",
    "schedule_meeting", "list_on_agenda", "request_research", "record_hearing",
    "distribute_minutes", "attend", "reschedule_meeting", "cancel_meeting", "move_on_agenda",
    "remove_from_agenda", "invite_to_hearing", "correct_referral", "withdraw_referral",
    # A meeting's minutes issued to a person as a watermarked PDF (items: the meeting, the
    # cases and what of them it holds); an agency's receipt of them acknowledged.
    "issue_minutes", "acknowledge_minutes",
    # MARRAC.
    "allocate", "complete_step", "record_needs", "record_contact", "agree_plan", "review_plan",
    "complete_case", "record_told", "record_feedback",
    # Feeds.
    "subscribe", "read_subscription", "replay", "activate_subscription", "rotate_secret",
    "feed_pull", "feed_stream", "feed_delivery",
    # Areas and reports.
    "read_settings", "configure", "report",
    # The partnership: its areas and agencies, set up by administrators or from its file.
    "read_partnership", "create_area", "change_area", "register_agency", "change_agency",
    "apply_partnership",
    # Data protection.
    "audit_query", "export", "review", "subject_access", "erase", "erase_subject_access",
    # The system's own jobs; `notify`: an e-mail told an agency or the coordinators that
    # something happened (a disclosure of metadata; items: the kind, the recipient agency, the
    # message id and the attempt, never the address).
    "escalate", "notify",
    # A request refused before its handler (items: the status, the route or the error code),
    # and the stored answer to a retried Idempotency-Key.
    "request", "replay_answer",
    # The pages: a person's sign-in session begun (their provider's token checked) and ended.
    "sign_in", "sign_out",
]

ACTIONS: Final[frozenset[str]] = frozenset(get_args(AuditAction))

# Names that records written before the list existed used; a query by the new name finds them
# too (records are chained, so they keep the name they were written with). The refused
# requests' old names were route strings ("GET /api/v1/cases/{case_id}"), not listed here:
# find them by outcome ("rejected").
FORMER_NAMES: Final[Mapping[AuditAction, tuple[str, ...]]] = {
    "suggest_allocation": ("allocation_suggestion",),
    "request": ("idempotency",),
}


class UnknownAction(ValueError):
    code = "unknown_action"


def check_action(name: str) -> AuditAction:
    """The name as an action, or UnknownAction: nothing outside the list is ever recorded."""
    if name not in ACTIONS:
        raise UnknownAction(f"{name!r} is not an audit action")
    return name  # type: ignore[return-value]  # a member of the Literal, just checked


def stored_names(action: AuditAction) -> tuple[str, ...]:
    """Every name the records of this action may carry: its own and its former ones."""
    return (action, *FORMER_NAMES.get(action, ()))
