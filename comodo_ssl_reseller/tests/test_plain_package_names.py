"""The addon's code imports its plain-Python packages relatively (`from ..comodo_client import ...`), its
tests by their own names (`from comodo_client import ...`): in the test process both are one module, so
what a test patches or catches is what the addon uses."""
import importlib
import sys

import comodo_client
import comodo_client.errors
import deploy
import deploy.verify

IN_THE_ADDON = 'odoo.addons.comodo_ssl_reseller.'


def test_the_addon_and_its_tests_share_each_plain_package():
    for package in (comodo_client, comodo_client.errors, deploy, deploy.verify):
        assert importlib.import_module(IN_THE_ADDON + package.__name__) is package, package.__name__


def test_every_loaded_module_of_a_plain_package_is_one_object_under_both_names():
    through_the_addon = [name for name in sys.modules if name.startswith(IN_THE_ADDON)
                         and name[len(IN_THE_ADDON):].split('.')[0] in ('comodo_client', 'deploy')]
    assert IN_THE_ADDON + 'comodo_client' in through_the_addon, 'the addon loaded its CA client'
    for name in through_the_addon:
        assert sys.modules[name] is sys.modules[name[len(IN_THE_ADDON):]], name
    assert importlib.import_module(IN_THE_ADDON + 'comodo_client').ComodoError is comodo_client.ComodoError
