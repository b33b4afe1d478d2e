"""One customer across every table: the timeline view, search, and the GDPR export and
erasure (see DESIGN.md; the web app and the CLI are thin edges over these)."""

from cxpulse.customers.privacy import erase_customer, export_customer
from cxpulse.customers.search import CustomerNotFound, find_customers, get_customer
from cxpulse.customers.timeline import CustomerView, Item, customer_view

__all__ = [
    "CustomerNotFound",
    "CustomerView",
    "Item",
    "customer_view",
    "erase_customer",
    "export_customer",
    "find_customers",
    "get_customer",
]
