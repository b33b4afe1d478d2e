"""A synthetic demo company, Maison Caféine: a French-English coffee subscription and web shop.

``generate`` builds two years of customers, subscriptions, orders, surveys, tickets, website
hits, social mentions and loyalty points as Arrow tables matching the canonical schema;
``write_demo`` loads them into a workspace. The data hides patterns that the metrics and models
should find: churn after the fourth negative support interaction in 90 days, a satisfaction dip
during a delivery outage around Black Friday, an abnormal exit rate on /checkout/shipping, and
score-consistent English and French comments.
"""

from cxpulse.demo.generate import generate
from cxpulse.demo.spec import DemoSpec
from cxpulse.demo.workspace import create_demo
from cxpulse.demo.write import write_demo

__all__ = ["DemoSpec", "create_demo", "generate", "write_demo"]
