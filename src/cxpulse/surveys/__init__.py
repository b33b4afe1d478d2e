"""Surveys that ask at the right moment: definitions, triggers, the fatigue budget, signed
links and the email channel (see DESIGN.md, layer ``surveys``)."""

from cxpulse.surveys.definition import (
    Question,
    Survey,
    load_survey,
    pick_language,
    survey_from_dict,
)
from cxpulse.surveys.fatigue import Candidate, Decision, History, decide
from cxpulse.surveys.links import InvalidLink
from cxpulse.surveys.run import RunReport, run_surveys

__all__ = [
    "Candidate",
    "Decision",
    "History",
    "InvalidLink",
    "Question",
    "RunReport",
    "Survey",
    "decide",
    "load_survey",
    "pick_language",
    "run_surveys",
    "survey_from_dict",
]
