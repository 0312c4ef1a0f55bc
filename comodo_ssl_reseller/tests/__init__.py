"""comodo_ssl_reseller/tests: inside Odoo's test runner (pytest-odoo imports them as
odoo.addons.comodo_ssl_reseller.tests; this folder has no conftest.py, which pytest would import
without that prefix).

What a test here may need: the addon loaded in a registry on the test database `make test` prepares,
through TransactionCase, SavepointCase or HttpCase (HTTP requests on registry.test_cr, never committed),
headless Chromium for the browser tests (browser_common.py), the sandbox CA (common.py), the rig's web
servers, and the plain-Python packages by their own names (`from comodo_client import ...`).
What it must not: start an Odoo server process or a job runner (tests/odoo_server/ does), leave
committed data behind (a test that commits on a cursor of its own, as the concurrency tests do, removes
what it made), or import a plain-Python package through the addon (`from ..comodo_client import ...`).
"""
from . import test_certificate_catalogue
from . import test_reseller_account
from . import test_assets
from . import test_certificate_lifecycle
from . import test_hosting_plans
from . import test_portal
from . import test_portal_templates
from . import test_portal_browser
from . import test_concurrency
from . import test_ca_charges
from . import test_ca_reconciliation
from . import test_secret_storage
from . import test_secrets_rpc
from . import test_portal_guards
from . import test_status_push
from . import test_bad_input
from . import test_fault_matrix
from . import test_portal_isolation
from . import test_certificate_term
from . import test_portal_term
from . import test_back_office_views
from . import test_back_office_browser
from . import test_certificate_install
from . import test_portal_install
from . import test_sale_order_certificates
from . import test_customer_mails
from . import test_portal_forgery
from . import test_pricelist_currency
from . import test_dns_servers
from . import test_order_validation_plan
from . import test_order_validation
from . import test_bulk_poll
