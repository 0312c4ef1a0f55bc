"""Pre-flight of domain control validation: plain Python, no `odoo` import.

`preflight(name, instructions, covers_sibling, config)` checks what the CA will check before it
issues (the name resolves, the validation file or CNAME, CAA, DNSSEC) and returns a
PreflightResult: one CheckResult per check, each failure a plain sentence naming its cause and a
code for staff. The caller chooses what the customer reads and what staff read."""
from .caa import SECTIGO_IDENTIFIERS  # noqa: F401
from .checks import preflight, sibling_of  # noqa: F401
from .config import ROOT_TRUST_ANCHORS, PreflightConfig  # noqa: F401
from .results import (CAA, CNAME, DNS_SERVER, DNSSEC, FILE, RESOLVES, CheckResult,  # noqa: F401
                      PreflightResult)
