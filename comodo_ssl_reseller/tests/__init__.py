from . import test_certificate_catalogue
from . import test_reseller_account
from . import test_assets
from . import test_certificate_lifecycle
from . import test_hosting_plans
from . import test_portal
from . import test_portal_browser
from . import test_concurrency
