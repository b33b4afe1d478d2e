"""A forecast in words, in English and French (the library cannot import the web app's
translations: numbers are formatted here the same way, comma decimals and narrow no-break
spaces in French)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxpulse import wording
from cxpulse.errors import ConfigError
from cxpulse.metrics import periods as calendar
from cxpulse.metrics.spec import COUNT_UNITS

if TYPE_CHECKING:
    from cxpulse.models.forecast import Forecast

LANGUAGES = ("en", "fr")
NNBSP, NBSP = wording.NNBSP, wording.NBSP
_FR_LABELS = {
    "nps": "du NPS",
    "csat": "du CSAT",
    "ces": "du CES",
    "customer_churn_rate": "du taux d'attrition des clients",
    "mrr": "du MRR",
    "volume": "du volume de tickets",
}
_UNITS = {
    "en": {"points": " pts", "hours": " h", "tickets": " tickets", "customers": " customers"},
    "fr": {"points": f"{NNBSP}pts", "hours": f"{NNBSP}h", "tickets": " tickets",
           "customers": " clients"},
}  # fmt: skip
_GRAINS = {
    "en": {"day": ("day", "days"), "week": ("week", "weeks"), "month": ("month", "months"),
           "quarter": ("quarter", "quarters"), "year": ("year", "years")},
    "fr": {"day": ("jour", "jours"), "week": ("semaine", "semaines"), "month": ("mois", "mois"),
           "quarter": ("trimestre", "trimestres"), "year": ("an", "ans")},
}  # fmt: skip
_SEASONAL_NAIVE = {
    "en": {"day": "the same weekday a week before", "week": "the same week a year before",
           "month": "the same month a year before", "quarter": "the same quarter a year before"},
    "fr": {"day": "le même jour une semaine plus tôt", "week": "la même semaine un an plus tôt",
           "month": "le même mois un an plus tôt", "quarter": "le même trimestre un an plus tôt"},
}  # fmt: skip
_SEASONAL_NAIVE_ALL = {
    "en": {"day": "the same weekdays a week before", "week": "the same weeks a year before",
           "month": "the same months a year before",
           "quarter": "the same quarters a year before"},
    "fr": {"day": "des mêmes jours une semaine plus tôt",
           "week": "des mêmes semaines un an plus tôt", "month": "des mêmes mois un an plus tôt",
           "quarter": "des mêmes trimestres un an plus tôt"},
}  # fmt: skip
_MONTHS = wording.MONTHS


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ConfigError(f"unknown language {lang!r}: use {' or '.join(LANGUAGES)}")
    return lang


def number(x: float, lang: str, digits: int) -> str:
    return wording.number(x, lang, digits)


def value(x: float, unit: str, lang: str, currency: str = "") -> str:
    """A metric value with its unit, as the dashboard shows it (counts without decimals)."""
    if unit == "%":
        return f"{number(x, lang, 1)}{NNBSP if lang == 'fr' else ''}%"
    if unit == "currency":
        return wording.money(x, lang, currency)
    digits = 0 if unit in COUNT_UNITS else (2 if unit == "hours" and abs(x) < 1 else 1)
    return number(x, lang, digits) + _UNITS[lang].get(unit, f" {unit}" if unit else "")


def period(start: object, grain: str, lang: str) -> str:
    """December 2026 / décembre 2026 for months; the engine's labels (2026-W49...) otherwise."""
    from datetime import date

    assert isinstance(start, date)
    g = calendar.check_grain(grain)
    if g == "month":
        return f"{_MONTHS[lang][start.month - 1]} {start.year}"
    text = calendar.label(start, g)
    return text.replace("-W", "-S") if lang == "fr" and g == "week" else text


# one template per sentence and language, filled by str.format: the two languages side by side
_TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "head": "{label} forecast for {first}: {v0} ({conf}% prediction interval {lo0} to {hi0})",
        "more": ", {vn} for {last} ({lon} to {hin})",
        "model_both": "in the backtest the model beat the last value and {same} "
        "(mean absolute error {model} vs {naive} and {snaive})",
        "model": "in the backtest the model beat the last value "
        "(mean absolute error {model} vs {naive})",
        "naive": "but in the backtest the last value did better (mean absolute error {naive} "
        "vs {model} for the model), so {last_value} is the better guess",
        "seasonal_naive": "but in the backtest {same} did better (mean absolute error {snaive} "
        "vs {model} for the model), so the values of {same_all} are the better guess",
        "form": "Model: exponential smoothing (ETS, additive errors, {trend}{season}), fitted "
        "on {n} complete {many} ({since} to {until})",
        "no_trend": "no trend",
        "damped": "damped trend",
        "season": ", a season of {m} {many}",
        "no_season": "; non-seasonal: a season needs two full cycles ({cycles} {many}) before "
        "the {holdout}-{one} backtest, and {left} remain",
        "backtest": ". Backtest: forecasts 1 to {steps} {many} ahead from each of the last "
        "{holdout} {many}, mean absolute errors pooled.",
    },
    "fr": {
        "head": f"Prévision {{label}} pour {{first}}{NBSP}: {{v0}} (intervalle de prédiction à "
        f"{{conf}}{NNBSP}%{NBSP}: {{lo0}} à {{hi0}})",
        "more": ", {vn} pour {last} ({lon} à {hin})",
        "model_both": "au backtest, le modèle a fait mieux que la dernière valeur et que {same} "
        "(erreur absolue moyenne {model} contre {naive} et {snaive})",
        "model": "au backtest, le modèle a fait mieux que la dernière valeur "
        "(erreur absolue moyenne {model} contre {naive})",
        "naive": "mais au backtest, la dernière valeur a fait mieux (erreur absolue moyenne "
        f"{{naive}} contre {{model}} pour le modèle){NBSP}: {{last_value}} reste la meilleure "
        "estimation",
        "seasonal_naive": "mais au backtest, {same} a fait mieux (erreur absolue moyenne "
        f"{{snaive}} contre {{model}} pour le modèle){NBSP}: les valeurs {{same_all}} restent la "
        "meilleure estimation",
        "form": f"Modèle{NBSP}: lissage exponentiel (ETS, erreurs additives, {{trend}}{{season}}), "
        "ajusté sur {n} {many} {whole} ({since} à {until})",
        "no_trend": "sans tendance",
        "damped": "tendance amortie",
        "season": ", saison de {m} {many}",
        "no_season": f"{NNBSP}; non saisonnier{NBSP}: une saison demande deux cycles complets "
        "({cycles} {many}) avant le backtest de {holdout} {many}, il en reste {left}",
        "backtest": f". Backtest{NBSP}: prévisions à 1 à {{steps}} {{many}} depuis chacun des "
        "{holdout} derniers {many}, erreurs absolues moyennes mises en commun.",
    },
}


def headline(f: Forecast, lang: str) -> str:
    t = _TEMPLATES[check_language(lang)]
    p = f.prediction

    def shown(x: float) -> str:
        return value(x, f.unit, lang, f.currency)

    label = _FR_LABELS.get(f.metric, f"de «{NBSP}{f.label}{NBSP}»") if lang == "fr" else f.label
    text = t["head"].format(
        label=label, first=period(f.starts[0], f.by, lang), conf=f"{f.confidence * 100:g}",
        v0=shown(p.mean[0]), lo0=shown(p.low[0]), hi0=shown(p.high[0]),
    )  # fmt: skip
    if len(f.starts) > 1:
        text += t["more"].format(
            last=period(f.starts[-1], f.by, lang),
            vn=shown(p.mean[-1]), lon=shown(p.low[-1]), hin=shown(p.high[-1]),
        )  # fmt: skip
    return f"{text}{NNBSP if lang == 'fr' else ''}; {_verdict(f, lang)}."


def _verdict(f: Forecast, lang: str) -> str:
    def err(method: str) -> str:
        mae = f.score(method).mae
        return "–" if mae is None else value(mae, f.unit, lang, f.currency)

    key = f.best
    if key == "model" and f.score("seasonal_naive").mae is not None:
        key = "model_both"
    return _TEMPLATES[lang][key].format(
        same=_SEASONAL_NAIVE[lang].get(f.by, ""),
        same_all=_SEASONAL_NAIVE_ALL[lang].get(f.by, ""),
        model=err("model"), naive=err("naive"), snaive=err("seasonal_naive"),
        last_value=value(f.last[1], f.unit, lang, f.currency),
    )  # fmt: skip


def method_note(f: Forecast, lang: str) -> str:
    t = _TEMPLATES[check_language(lang)]
    p = f.prediction
    one, many = _GRAINS[lang][f.by]
    fields = {
        "many": many,
        "one": one,
        "n": len(f.history.starts),
        "whole": "complètes" if f.by == "week" else "complets",
        "since": period(f.history.starts[0], f.by, lang),
        "until": period(f.history.starts[-1], f.by, lang),
        "holdout": f.holdout,
        "left": len(f.history.starts) - f.holdout,
        "cycles": 2 * f.season,
        "m": f.season,
        "steps": len(f.starts),
    }
    season = t["season"].format(**fields) if p.seasonal else ""
    text = t["form"].format(trend=t["damped" if p.trend else "no_trend"], season=season, **fields)
    if not p.seasonal and f.season > 1:
        text += t["no_season"].format(**fields)
    return text + t["backtest"].format(**fields)
