"""Real web servers for the install tests: Debian's sshd, nginx and Apache started on 127.0.0.1 high
ports with their own configuration in a temporary folder, reached over SSH with a generated key.

`make test` installs the packages (tools/webservers.sh). `shared_rig()` starts one rig per test
process on first use; the pytest plugin stops it at the end of the session. `DocumentRootSites`
serve a document root per name over plain HTTP and HTTPS, as a customer's site serves a CA's
validation file."""
from .document_roots import DocumentRootSites  # noqa: F401
from .rig import WebServerRig, shared_rig, stop_shared_rig  # noqa: F401
