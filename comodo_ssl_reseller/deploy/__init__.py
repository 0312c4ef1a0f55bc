"""Installing certificates on customers' web servers over SSH: plain Python, no `odoo` import.

The models call `install_certificate` and `restore_previous` with a `DeployTarget` and keep the
`InstallReport` they return."""
from .errors import DeployError, HostKeyMismatch, HostKeyNotPinned, TargetUnreachable  # noqa: F401
from .installer import install_certificate, restore_previous  # noqa: F401
from .kinds import KINDS  # noqa: F401
from .report import FAILED, POSTPONED, ROLLED_BACK, SKIPPED, VERIFIED, InstallReport  # noqa: F401
from .probe import check_connection  # noqa: F401
from .ssh import (describe_private_key, fetch_host_key, generate_private_key,  # noqa: F401
                  host_key_fingerprint)
from .target import DeployTarget  # noqa: F401
from .temporary import make_temporary_ca, sign_temporary_certificate  # noqa: F401
from .verify import self_signed_roots  # noqa: F401
