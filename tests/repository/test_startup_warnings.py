"""Odoo loading the addon, and the sandbox starting, print no warning about Python 3.7: cryptography 44
warns on import that its 3.7 support is deprecated, and Odoo would log that as a WARNING at every start.

Each runs in a Python of its own without the PYTHONWARNINGS that `make` exports, so that what is
checked is the packages' own filter (as in a deployment, where no Makefile runs)."""
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON_VERSION_WARNING = 'Python 3.7 is no longer supported'


def _output_of(code):
    environment = {name: value for name, value in os.environ.items() if name != 'PYTHONWARNINGS'}
    result = subprocess.run([sys.executable, '-c', textwrap.dedent(code)], cwd=ROOT, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert result.returncode == 0, result.stdout
    return result.stdout


def test_odoo_loading_the_addon_logs_no_warning_about_python_37():
    output = _output_of('''
        import os
        import odoo
        odoo.tools.config.parse_config(['--addons-path=%s,' + os.path.join(os.path.dirname(odoo.__file__), 'addons')])
        odoo.netsvc.init_logger()  # as at Odoo's start: warnings become WARNING log lines
        odoo.modules.module.initialize_sys_path()
        import odoo.addons.comodo_ssl_reseller
        import cryptography
        print('cryptography', cryptography.__version__)
    ''' % ROOT)
    assert 'cryptography 44.' in output
    assert PYTHON_VERSION_WARNING not in output and 'WARNING' not in output, output


def test_the_sandbox_prints_no_warning_about_python_37():
    output = _output_of('''
        import comodo_sandbox.cli
        import cryptography
        print('cryptography', cryptography.__version__)
    ''')
    assert 'cryptography 44.' in output
    assert PYTHON_VERSION_WARNING not in output, output
