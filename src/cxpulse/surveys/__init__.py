"""Surveys that ask at the right moment: definitions, triggers, the fatigue budget, signed
links, reminders, and the email, webhook and widget channels (see DESIGN.md, layer
``surveys``)."""

from cxpulse.surveys.definition import (
    Question,
    Survey,
    load_survey,
    pick_language,
    survey_from_dict,
)
from cxpulse.surveys.fatigue import Candidate, Decision, History, decide
from cxpulse.surveys.links import (
    ExpiredLink,
    InvalidAnswer,
    InvalidLink,
    TamperedLink,
    UnknownInvitation,
    respond,
    survey_for_token,
)
from cxpulse.surveys.manual import SendReport, send_to_segment
from cxpulse.surveys.report import response_rates
from cxpulse.surveys.run import RunReport, run_surveys
from cxpulse.surveys.widget import WidgetOffer, record_widget_answer, widget_survey

__all__ = [
    "Candidate",
    "Decision",
    "ExpiredLink",
    "History",
    "InvalidAnswer",
    "InvalidLink",
    "Question",
    "RunReport",
    "SendReport",
    "Survey",
    "TamperedLink",
    "UnknownInvitation",
    "WidgetOffer",
    "decide",
    "load_survey",
    "pick_language",
    "record_widget_answer",
    "respond",
    "response_rates",
    "run_surveys",
    "send_to_segment",
    "survey_for_token",
    "survey_from_dict",
    "widget_survey",
]
