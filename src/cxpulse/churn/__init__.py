"""Churn risk, survival and drivers (issue 6).

``features`` (point-in-time customer features), ``labels`` (labelled snapshots), ``rules``
(readable rules with lift), ``model`` (:class:`ChurnModel`: logistic or gradient boosting, CV
AUC, calibration, reasons), ``scoring`` (workspace or file, backtest, ``churn_scores``),
``drivers`` (permutation importance; NPS key drivers with Johnson's relative weights),
``survival`` (Kaplan-Meier, Cox; lifelines), ``revenue_at_risk``.
"""
