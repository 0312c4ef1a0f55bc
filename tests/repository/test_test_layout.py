"""The tests are laid out by what they need (the root conftest.py lists the folders): `make test` runs
every folder, each folder starts with its rule, and each plain-Python package has one name in every
test."""
import ast
import importlib.util
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ADDON = 'comodo_ssl_reseller'
ADDON_TESTS = ADDON + '/tests'
# Each folder and the file that starts with its rule.
RULES = {
    'tests/no_odoo': 'tests/no_odoo/conftest.py',
    'tests/odoo_server': 'tests/odoo_server/conftest.py',
    'tests/repository': 'tests/repository/conftest.py',
    ADDON_TESTS: ADDON_TESTS + '/__init__.py',
}


def _python_files():
    """The repository's Python files (what git tracks or would, not build output)."""
    listed = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard', '*.py'],
                            cwd=ROOT, stdout=subprocess.PIPE, check=True, universal_newlines=True)
    return [path for path in listed.stdout.splitlines() if os.path.exists(os.path.join(ROOT, path))]


def _test_folder(path):
    return next((folder for folder in RULES if path.startswith(folder + '/')), None)


def _stack():
    sys.path.insert(0, os.path.join(ROOT, 'tools'))
    try:
        import stack
    finally:
        sys.path.pop(0)
    return stack


def test_make_test_runs_every_folder_that_holds_tests_and_nothing_else():
    with_tests = {os.path.dirname(path) for path in _python_files()
                  if os.path.basename(path).startswith('test_')}
    assert with_tests == set(RULES), 'test files only in the four folders'
    assert set(_stack().TEST_FOLDERS) == set(RULES)


def test_the_whole_suite_runs_as_two_sessions_of_about_equal_time_sharing_every_file(monkeypatch, tmp_path):
    stack = _stack()
    test_files = sorted(path for path in _python_files() if os.path.basename(path).startswith('test_'))
    seconds = {path: float(index % 7 * 30 + 1) for index, path in enumerate(test_files)}
    recorded = tmp_path / 'test-durations.json'
    recorded.write_text(json.dumps(seconds))
    monkeypatch.setattr(stack, 'RECORDED_DURATIONS', str(recorded))
    monkeypatch.setenv('COMODO_TEST_DURATIONS', '')

    sessions = stack.test_sessions(['-q', '--durations=40'])

    assert len(sessions) == 2
    assert all(session[:2] == ['-q', '--durations=40'] for session in sessions), 'the options go to both'
    units = [unit for session in sessions for unit in session[2:]]
    ran = [path for path in test_files for unit in units if path == unit or path.startswith(unit + '/')]
    assert sorted(ran) == test_files, 'every test file in one session, once'
    assert sessions[0][-1] == 'tests/odoo_server', 'the servers\' tests last, in their own session'
    loads = [sum(seconds[path] for path in test_files for unit in session[2:]
                 if path == unit or path.startswith(unit + '/')) for session in sessions]
    heaviest_unit = max(sum(seconds[path] for path in test_files if path == unit or path.startswith(unit + '/'))
                        for unit in units)
    assert abs(loads[0] - loads[1]) <= heaviest_unit, loads
    assert os.environ['COMODO_TEST_DURATIONS'] == str(recorded), 'a whole-suite run records its times'
    assert stack.test_sessions(list(stack.TEST_FOLDERS) + ['-q', '--durations=40']) == sessions, \
        'the four folders named are the whole suite'


def test_a_run_naming_tests_is_one_session_as_asked():
    asked = [ADDON_TESTS + '/test_assets.py::TestAssetBundles', '-q']
    assert _stack().test_sessions(asked) == [asked]


def test_each_folder_starts_with_its_rule():
    for folder, path in RULES.items():
        with open(os.path.join(ROOT, path)) as handle:
            rule = ast.get_docstring(ast.parse(handle.read())) or ''
        assert rule.startswith(folder + ': '), path
        assert 'What a test here may need:' in rule and 'What it must not:' in rule, path


def _plain_packages():
    """The addon's packages the tests import by their own names (the root conftest.py finds them)."""
    names = set()
    for name in os.listdir(os.path.join(ROOT, ADDON)):
        spec = importlib.util.find_spec(name) if name.isidentifier() else None
        if spec and spec.origin and spec.origin.startswith(os.path.join(ROOT, ADDON) + os.sep):
            names.add(name)
    return names


def test_the_plain_packages_are_importable_by_their_own_names_and_nothing_else_of_the_addon_is():
    plain = _plain_packages()
    assert {'comodo_client', 'deploy'} <= plain
    assert not plain & {'models', 'controllers', 'tests', 'exceptions'}, 'parts of the Odoo addon'


def _imports(path):
    """(module, level) of every import in a file, `from x import y` also as x.y."""
    with open(os.path.join(ROOT, path)) as handle:
        tree = ast.parse(handle.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, 0
        elif isinstance(node, ast.ImportFrom):
            yield node.module or '', node.level
            for alias in node.names:
                yield '.'.join(filter(None, [node.module, alias.name])), node.level


def test_every_test_imports_each_plain_package_by_its_own_name():
    plain = _plain_packages()
    wrong = set()
    for path in _python_files():
        folder = _test_folder(path)
        if folder is None:
            continue
        for module, level in _imports(path):
            first = module.split('.')[0]
            if level and folder == ADDON_TESTS and level >= 2 and first in plain:
                wrong.add('%s: from %s%s' % (path, '.' * level, module))  # through the addon
            elif module.startswith('odoo.addons.%s.' % ADDON) and module.split('.')[3] in plain:
                wrong.add('%s: %s' % (path, module))
            elif first == 'odoo' and folder != ADDON_TESTS:
                wrong.add('%s: %s (no odoo in the test process here)' % (path, module))
    assert wrong == set()
