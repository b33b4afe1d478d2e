"""Real receivers shared by the survey tests: aiosmtpd (``inbox``) and an HTTP server that
records webhooks and can answer 500 first (``hooks``, from the automation tests)."""

from tests.automations.conftest import hooks  # noqa: F401
from tests.surveys.test_email import inbox  # noqa: F401
