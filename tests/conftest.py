import pytest

from server_process import OdooServer


@pytest.fixture(scope='module')
def odoo_server(tmp_path_factory):
    server = OdooServer(str(tmp_path_factory.mktemp('odoo-server') / 'odoo.log')).start()
    try:
        yield server
    finally:
        server.stop()
