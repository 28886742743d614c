"""Domain errors. Messages carry ids and rule names only, never personal data."""


class DomainError(Exception):
    """Base of every error the domain raises; `code` is stable for API clients."""

    code = "domain_error"


class InvalidReferral(DomainError):
    code = "invalid_referral"


class ProfessionalJudgementReasonRequired(InvalidReferral):
    code = "professional_judgement_reason_required"


class ThresholdNotMet(DomainError):
    code = "threshold_not_met"


class CannotLowerMandatoryCriterion(DomainError):
    """A coordinator may not decline a referral that meets an objective criterion."""

    code = "cannot_lower_mandatory_criterion"


class CaseClosed(DomainError):
    code = "case_closed"


class DecisionAlreadyRecorded(DomainError):
    code = "decision_already_recorded"


class NotARepeat(DomainError):
    code = "not_a_repeat"


class CaseNotFound(DomainError):
    code = "case_not_found"


class AreaNotFound(DomainError):
    code = "area_not_found"


class AgencyNotFound(DomainError):
    code = "agency_not_found"


class AlreadyExists(DomainError):
    code = "already_exists"


class InvalidSettings(DomainError):
    code = "invalid_settings"


class CaseErased(DomainError):
    """The case's data key was destroyed (crypto-shredding): its content is gone for good."""

    code = "case_erased"
