"""A real DNS server for the tests and the demo: Debian's bind9 on 127.0.0.1 on a high port, zones
changed only by RFC 2136 updates signed with a TSIG key made for each run, DNSSEC-signed zones with
a good and a broken chain.

`make test` and `make run` install the package (tools/webservers.sh). `shared_dns_rig()` starts one
server per test process on first use; the pytest plugin stops it at the end of the session."""
from .rig import (BROKEN_ZONE, INSECURE_ZONE, SIGNED_PARENT, SIGNED_ZONE, TEST_ZONES,  # noqa: F401
                  DnsRig, DnsRigError, shared_dns_rig, stop_shared_dns_rig)
