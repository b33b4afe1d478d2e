"""Text analytics in English and French, offline: language, sentiment, themes.

- :func:`detect_language`: "en", "fr" or None for short or ambiguous texts.
- :func:`get_analyzer`: sentiment analyzers per language (defaults ``cxpulse-en`` and
  ``cxpulse-fr``; plug in ``sklearn:PATH`` or ``transformers:DIR``); :func:`annotate_texts`
  annotates a list of texts.
- :func:`load_taxonomy` / :func:`assign_themes`: keyword themes from an editable YAML file;
  :func:`discover`: clusters of comments that match no theme.
- :func:`score_workspace`: writes the annotations of a workspace's comments, ticket subjects and
  mentions; :func:`theme_trends` and :func:`themes_before_churn` read them back.
- :func:`evaluate_sentiment` / :func:`evaluate_themes`: measure on the labelled sets shipped here.
"""

from cxpulse.text.annotate import annotate_texts, score_workspace
from cxpulse.text.discover import Cluster, discover
from cxpulse.text.evaluate import evaluate_sentiment, evaluate_themes, load_labelled
from cxpulse.text.language import detect_language, detect_languages
from cxpulse.text.plugins import SklearnAnalyzer, TransformersAnalyzer
from cxpulse.text.sentiment import (
    Analyzer,
    Thresholds,
    analyzer_names,
    get_analyzer,
    labels,
    register_analyzer,
)
from cxpulse.text.themes import Taxonomy, assign_themes, load_taxonomy
from cxpulse.text.trends import theme_trends, themes_before_churn

__all__ = [
    "Analyzer",
    "Cluster",
    "SklearnAnalyzer",
    "Taxonomy",
    "Thresholds",
    "TransformersAnalyzer",
    "analyzer_names",
    "annotate_texts",
    "assign_themes",
    "detect_language",
    "detect_languages",
    "discover",
    "evaluate_sentiment",
    "evaluate_themes",
    "get_analyzer",
    "labels",
    "load_labelled",
    "load_taxonomy",
    "register_analyzer",
    "score_workspace",
    "theme_trends",
    "themes_before_churn",
]
