"""How the pages name the DASH RIC's questions, the referral criteria and the answers.

The checklist's wording is licensed (domain/risk.py keeps only keys), so these are short
descriptions of our own, not its questions."""

from __future__ import annotations

QUESTIONS: dict[str, str] = {
    "injury": "Current injury",
    "very_frightened": "Very frightened",
    "afraid_of_further_harm": "Afraid of further harm",
    "isolated": "Isolated from family or friends",
    "depressed_or_suicidal": "Depressed or having suicidal thoughts",
    "separation": "Separated, or trying to separate",
    "child_contact_conflict": "Conflict over contact with children",
    "stalking_or_harassment": "Stalking or harassment",
    "pregnant_or_recent_birth": "Pregnant or recently had a baby",
    "abuse_more_often": "Abuse happening more often",
    "abuse_worse": "Abuse getting worse",
    "controlling_or_jealous": "Controlling or excessively jealous behaviour",
    "used_weapons": "Weapons or objects used to hurt",
    "threatened_to_kill": "Threats to kill",
    "strangled_choked_suffocated": "Strangled, choked or suffocated",
    "sexual_abuse": "Sexual abuse",
    "others_threatening": "Other people threatening harm",
    "hurt_others": "Has hurt anyone else",
    "hurt_animals": "Has hurt or threatened animals",
    "financial_issues": "Financial problems",
    "substance_or_mental_health_problems": "Drug, alcohol or mental health problems",
    "threatened_suicide": "Has threatened or attempted suicide",
    "breached_bail_or_orders": "Has broken bail or an order",
    "criminal_history": "Known criminal history",
}

ANSWERS: dict[str, str] = {"yes": "Yes", "no": "No", "not_known": "Not known"}

CRITERIA: dict[str, str] = {
    "visible_high_risk": "Visible high risk",
    "professional_judgement": "Professional judgement",
    "potential_escalation": "Potential escalation",
    "honour_based_abuse": "'Honour'-based abuse",
}
