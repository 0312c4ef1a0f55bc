"""`pip install ./setup/comodo_ssl_reseller` installs the addon as odoo/addons/comodo_ssl_reseller."""
import ast
import os
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _manifest_version():
    with open(os.path.join(ROOT, 'comodo_ssl_reseller', '__manifest__.py')) as handle:
        return ast.literal_eval(handle.read())['version']


def test_wheel_carries_the_addon_and_its_requirements(tmp_path):
    version = _manifest_version()
    subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q',
         '-w', str(tmp_path), os.path.join(ROOT, 'setup', 'comodo_ssl_reseller')],
        check=True, cwd=str(tmp_path))
    wheels = [name for name in os.listdir(str(tmp_path)) if name.endswith('.whl')]
    assert wheels == ['odoo11_addon_comodo_ssl_reseller-%s-py3-none-any.whl' % version]
    with zipfile.ZipFile(str(tmp_path / wheels[0])) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read('odoo11_addon_comodo_ssl_reseller-%s.dist-info/METADATA' % version).decode()
    addon = 'odoo/addons/comodo_ssl_reseller/'
    for path in ('__manifest__.py', 'comodo_client/client.py', 'models/comodo_certificate_order.py',
                 'data/ir_cron_data.xml', 'security/ir.model.access.csv', 'static/description/icon.png'):
        assert addon + path in names
    # The update to this version: its migration scripts travel with it (pre-/post-<topic>.py).
    migrations = addon + 'migrations/%s/' % version
    assert any(name.startswith(migrations + 'post-') and name.endswith('.py') for name in names)
    requirements = [line.split(':', 1)[1].strip() for line in metadata.splitlines()
                    if line.startswith('Requires-Dist:')]
    for requirement in ('requests', 'cryptography', 'odoo11-addon-queue-job', 'odoo11-addon-contract'):
        assert requirement in requirements
