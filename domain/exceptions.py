"""Domain errors. Messages carry ids and rule names only, never personal data."""


class DomainError(Exception):
    """Base of every error the domain raises; `code` is stable for API clients."""

    code = "domain_error"


class InvalidReferral(DomainError):
    code = "invalid_referral"


class ProfessionalJudgementReasonRequired(InvalidReferral):
    code = "professional_judgement_reason_required"


# The rules a referral form asks about field by field, each with its own code, so that a
# form (web/) can name the field a refusal is about.
class CriterionRequired(InvalidReferral):
    code = "criterion_required"


class ConsentBasisRequired(InvalidReferral):
    """Sharing without consent needs its reason and its lawful basis recorded."""

    code = "consent_basis_required"


class SubjectNameRequired(InvalidReferral):
    code = "subject_name_required"


class ThresholdNotMet(DomainError):
    code = "threshold_not_met"


class CannotLowerMandatoryCriterion(DomainError):
    """A coordinator may not decline a referral that meets an objective criterion."""

    code = "cannot_lower_mandatory_criterion"


class CaseClosed(DomainError):
    code = "case_closed"


class AlreadyRecorded(DomainError):
    """In conflict with what is already recorded (answered 409, not 422): the request was
    valid, and would have been before."""

    code = "already_recorded"


class DecisionAlreadyRecorded(AlreadyRecorded):
    code = "decision_already_recorded"


class DeclineReasonRequired(InvalidReferral):
    code = "decline_reason_required"


class UnknownSubject(DomainError):
    code = "unknown_subject"


class InvalidClosure(DomainError):
    code = "invalid_closure"


class ClosureAlreadyAcknowledged(AlreadyRecorded):
    code = "closure_already_acknowledged"


class InvalidAction(DomainError):
    """An action (SMART: what, by whom, by when) the rules refuse."""

    code = "invalid_action"


class ActionNotFound(DomainError):
    """An action id the case does not hold: answered as the uniform 404."""

    code = "action_not_found"


class ActionAlreadyRecorded(AlreadyRecorded):
    code = "action_already_recorded"


class CaseNotAccepted(DomainError):
    """Only accepted cases have actions agreed and are heard."""

    code = "case_not_accepted"


class NotARepeat(DomainError):
    code = "not_a_repeat"


class CaseNotFound(DomainError):
    code = "case_not_found"


class AreaNotFound(DomainError):
    code = "area_not_found"


class AgencyNotFound(DomainError):
    code = "agency_not_found"


class AlreadyExists(AlreadyRecorded):
    code = "already_exists"


class InvalidSettings(DomainError):
    code = "invalid_settings"


class CaseErased(DomainError):
    """The case's data key was destroyed (crypto-shredding): its content is gone for good."""

    code = "case_erased"


class ReferralWithdrawn(DomainError):
    """A referral withdrawn as entered in error is no longer decided, shared on or acted on."""

    code = "referral_withdrawn"


class InvalidCorrection(DomainError):
    code = "invalid_correction"


class OpenActionsUnaccounted(DomainError):
    """A case with open actions closes only when the closure says what becomes of each one.
    The message counts them; it never quotes what an action says."""

    code = "open_actions_unaccounted"
