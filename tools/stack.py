"""Brings up the project's Odoo stack for `make run` and `make test`.

Runs under the project venv (Python 3.7) but imports nothing from Odoo: it drives Odoo, PostgreSQL
and the sandbox CA as separate processes. Databases:
- a *template* with every dependency of the addon installed (with demo data), named after a hash of
  what it contains, so it is built once per machine and reused until the dependencies change;
- `comodo_test_installed`, a copy of the template with the addon installed and its asset bundles
  compiled, kept between test runs until the addon changes (its tests aside);
- `comodo_test`, a fresh copy of that for each test run;
- `comodo_demo`, a copy of the template with the addon installed, kept between demo runs.
"""
import argparse
import ast
import collections
import glob
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, '.venv')
RUN_DIR = os.path.join(ROOT, '.run')
DATA_DIR = os.path.join(RUN_DIR, 'data')
ADDON = 'comodo_ssl_reseller'
ODOO = os.path.join(VENV, 'bin', 'odoo')
PYTHON = os.path.join(VENV, 'bin', 'python')
TEMPLATE_PREFIX = 'comodo_tmpl_'
# Installed in the template beside the addon's dependencies: a chart of accounts, without which
# a company without country has no journals and cannot invoice.
TEMPLATE_EXTRA_MODULES = ['l10n_generic_coa']
DEMO_DB = 'comodo_demo'
# COMODO_DB_SUFFIX keeps the test databases of two checkouts on one PostgreSQL apart, so both can
# run `make test` at once (they share the template, which is only ever read).
TEST_DB = 'comodo_test' + os.environ.get('COMODO_DB_SUFFIX', '')
# A copy of the test database for the tests that drive a real Odoo server (and its job runner)
# from outside: what they commit never meets the transactional tests.
SERVER_TEST_DB = TEST_DB + '_server'
DEMO_HTTP_PORT = 8069
# Where the demo's mail sink keeps what Odoo sent, one .eml file a message.
DEMO_MAIL_DIR = os.path.join(RUN_DIR, 'mail')
SANDBOX_PORT = 8090
SANDBOX_TOKEN_PREFIX = 'comodo-sandbox admin token: '
# The demo customer's web server: sshd and nginx (and Apache) of webserver_rig on loopback.
DEMO_SSH_PORT = 8022
DEMO_NGINX_PORT = 8443
DEMO_APACHE_PORT = 8444
DEMO_SITE = 'www.mysite.example.com'
# The demo data's hosted domains, served by the demo nginx.
DEMO_HOSTED_DOMAINS = ('mysite.example.com', 'www.mysite.example.com', 'www.othersite.example.com')
DEMO_TARGET_NAME = 'Demo web server (local nginx)'
# The hosting company's DNS server: bind9 of dns_rig on loopback, holding the demo data's zones
# (each hosted domain's DNS zone), the hosted names pointing at the demo web server.
DEMO_DNS_PORT = 8053
DEMO_DNS_ZONES = ('mysite.example.com', 'othersite.example.com')
# The demo hosted domains' sites (their document roots) on the demo nginx, over plain HTTP and HTTPS:
# the ports standing for the customers' 80 and 443, where the sandbox CA fetches validation files
# (its --port-map) as a CA would from 80 and 443.
DEMO_SITES_HTTP_PORT = 8080
DEMO_SITES_HTTPS_PORT = 8445
# The sandbox's validating mode checks a name still failing again after this many seconds (its
# first check comes at once after each order, reissue and "check again").
DEMO_RECHECK_SECONDS = 60
# Where each of the demo's services listens: `make run`'s fixed ports (a test of the run path starts the
# same services on free ones).
DemoPorts = collections.namedtuple('DemoPorts', ['odoo', 'sandbox', 'ssh', 'nginx', 'apache', 'dns',
                                                 'sites_http', 'sites_https'])
DEMO_PORTS = DemoPorts(DEMO_HTTP_PORT, SANDBOX_PORT, DEMO_SSH_PORT, DEMO_NGINX_PORT, DEMO_APACHE_PORT,
                       DEMO_DNS_PORT, DEMO_SITES_HTTP_PORT, DEMO_SITES_HTTPS_PORT)
DEMO_PORT_USERS = DemoPorts('Odoo', 'the sandbox CA', 'the demo sshd', 'the demo nginx', 'the demo Apache',
                            'the demo DNS server', "the demo sites' HTTP", "the demo sites' HTTPS")
# The whole suite, a folder for each thing its tests need (the root conftest.py says which is which);
# the Odoo servers last, so that the one they share stops with the session instead of idling beside
# the other tests.
TEST_FOLDERS = ('tests/no_odoo', 'tests/repository', ADDON + '/tests', 'tests/odoo_server')
# Capacity of queue_job's channel for CA calls: how many calls to Comodo may be in flight at once.
CA_CHANNEL_CAPACITY = 4
# Installations over SSH (slow when a host does not answer) in a channel of their own: they never
# hold a slot the CA calls need.
INSTALL_CHANNEL_CAPACITY = 2
# pytest's exit code when it collected no test.
NO_TESTS_COLLECTED = 5
# Seconds per test file of a whole-suite run, which `make test` shares out between its two sessions:
# recorded by each such run in this checkout, and kept in the repository for a first run.
RECORDED_DURATIONS = os.path.join(RUN_DIR, 'test-durations.json')
KEPT_DURATIONS = os.path.join(ROOT, 'tools', 'test-durations.json')
# pytest options after which a file's time is not all of its tests' (such a run records none).
PARTIAL_RUN_OPTIONS = ('-k', '-m', '--deselect', '-x', '--exitfirst', '--maxfail', '--lf', '--last-failed')


class StackError(Exception):
    """A set-up step failed; the message says what and what to do."""


def log(message):
    print('stack: %s' % message, flush=True)


def addon_depends():
    with open(os.path.join(ROOT, ADDON, '__manifest__.py')) as handle:
        return ast.literal_eval(handle.read())['depends']


def template_modules():
    return sorted(set(addon_depends()) | set(TEMPLATE_EXTRA_MODULES))


def template_name():
    digest = hashlib.sha256()
    with open(os.path.join(ROOT, 'constraints.txt'), 'rb') as handle:
        digest.update(handle.read())
    digest.update(','.join(template_modules()).encode())
    return TEMPLATE_PREFIX + digest.hexdigest()[:10]


def addon_source_digest(skipped=('__pycache__',)):
    """Changes whenever a file of the addon changes (but in folders named in `skipped`): the demo
    database is then updated."""
    digest = hashlib.sha256()
    # Walked top-down, not sorted first: a folder left out of `dirs` is then not walked.
    for folder, dirs, files in os.walk(os.path.join(ROOT, ADDON)):
        dirs[:] = sorted(d for d in dirs if d not in skipped)
        for name in sorted(files):
            path = os.path.join(folder, name)
            digest.update(path.encode())
            with open(path, 'rb') as handle:
                digest.update(handle.read())
    return digest.hexdigest()


# -- configuration ---------------------------------------------------------------------------------

def encryption_key():
    """The key that encrypts private keys and the reseller password in this checkout's databases.

    Made once and kept in .run (never in a database): the demo database stays readable across runs.
    """
    path = os.path.join(RUN_DIR, 'comodo_key_encryption_key')
    if not os.path.exists(path):
        from cryptography.fernet import Fernet
        os.makedirs(RUN_DIR, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, 'w') as handle:
            handle.write(Fernet.generate_key().decode('ascii'))
    with open(path) as handle:
        return handle.read().strip()


def write_config(name, http_port, smtp_port=None, server_wide_modules='web', dbfilter='', workers=0):
    addons_path = [ROOT, os.path.join(VENV, 'lib', 'python3.7', 'site-packages', 'odoo', 'addons')]
    lines = [
        '[options]',
        'addons_path = %s' % ','.join(addons_path),
        'data_dir = %s' % DATA_DIR,
        'http_interface = 127.0.0.1',
        'http_port = %d' % http_port,
        'server_wide_modules = %s' % server_wide_modules,
        'workers = %d' % workers,
        # No limit_time_* here: Odoo's stock limits (60 s CPU, 120 s real per request or cron
        # run) are what a production server has, and the poll keeps within them by itself.
        'max_cron_threads = 1',
        'list_db = False',
        'dbfilter = %s' % dbfilter,
        'admin_passwd = %s' % hashlib.sha256(os.urandom(16)).hexdigest(),
        'without_demo = False',
        'log_level = info',
        'comodo_key_encryption_key = %s' % encryption_key(),
        '',
        '[queue_job]',
        'channels = root:%d,root.comodo:%d,root.comodo_install:%d' % (
            CA_CHANNEL_CAPACITY + INSTALL_CHANNEL_CAPACITY, CA_CHANNEL_CAPACITY, INSTALL_CHANNEL_CAPACITY),
        '',
    ]
    if smtp_port:
        # Outgoing mail goes to the local mail sink (tools/mail_sink.py), never out of the machine.
        lines[1:1] = ['smtp_server = 127.0.0.1', 'smtp_port = %d' % smtp_port]
    os.makedirs(RUN_DIR, exist_ok=True)
    path = os.path.join(RUN_DIR, name)
    with open(path, 'w') as handle:
        handle.write('\n'.join(lines))
    return path


def port_is_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(('127.0.0.1', port))
        except OSError:
            return False
    return True


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def require_free_port(port, what):
    if not port_is_free(port):
        raise StackError('port %d on 127.0.0.1 is taken, so %s cannot start there. Stop whatever '
                         'listens on it (e.g. `ss -ltnp | grep :%d`) and try again.' % (port, what, port))


# -- databases -------------------------------------------------------------------------------------

def psql_value(query, *args):
    result = subprocess.run(
        ['psql', '-d', 'postgres', '-XAtq', '-c', query] + list(args),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if result.returncode:
        raise StackError('PostgreSQL query failed: %s' % result.stderr.strip())
    return result.stdout.strip()


def database_names(prefix=''):
    names = psql_value('select datname from pg_database').splitlines()
    return [name for name in names if name.startswith(prefix)]


def drop_database(name):
    subprocess.run(['dropdb', '--if-exists', name], check=True)
    shutil.rmtree(os.path.join(DATA_DIR, 'filestore', name), ignore_errors=True)


def clone_database(template, target):
    """A copy of the template in under a second: the database, and its filestore beside it."""
    drop_database(target)
    subprocess.run(['createdb', '-T', template, target], check=True)
    source = os.path.join(DATA_DIR, 'filestore', template)
    if os.path.isdir(source):
        shutil.copytree(source, os.path.join(DATA_DIR, 'filestore', target))


def point_mail_at_sink(database, port):
    """Odoo's outgoing mail servers (base's `localhost:25`) send to the mail sink on `port`.

    The config's smtp_server/smtp_port only apply when the database has no outgoing server.
    """
    subprocess.run(['psql', '-d', database, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c',
                    "UPDATE ir_mail_server SET smtp_host = '127.0.0.1', smtp_port = %d, "
                    "smtp_encryption = 'none', smtp_user = NULL, smtp_pass = NULL" % int(port)],
                   check=True)


def run_odoo(config, database, *args):
    command = [ODOO, '-c', config, '-d', database, '--stop-after-init', '--log-level=warn'] + list(args)
    result = subprocess.run(command)
    if result.returncode:
        raise StackError('Odoo failed (exit %d) running: %s' % (result.returncode, ' '.join(command)))


def ensure_template(config):
    name = template_name()
    if name in database_names():
        return name
    # A checkout with its own COMODO_DB_SUFFIX shares the PostgreSQL with others whose pins may
    # differ: it builds its own template beside theirs and drops none of them.
    for stale in [] if os.environ.get('COMODO_DB_SUFFIX') else database_names(TEMPLATE_PREFIX):
        log('dropping outdated template %s' % stale)
        drop_database(stale)
    modules = ','.join(template_modules())
    log('building template database %s with %s (once per machine; ~2 minutes)' % (name, modules))
    building = name + '_building'
    drop_database(building)
    subprocess.run(['createdb', building], check=True)
    try:
        run_odoo(config, building, '-i', modules)
    except StackError:
        drop_database(building)
        raise
    # Renamed only once complete, so an interrupted build is never mistaken for a template.
    psql_value('ALTER DATABASE "%s" RENAME TO "%s"' % (building, name))
    filestore = os.path.join(DATA_DIR, 'filestore')
    if os.path.isdir(os.path.join(filestore, building)):
        os.rename(os.path.join(filestore, building), os.path.join(filestore, name))
    return name


def install_addon(config, database):
    log('installing %s in %s' % (ADDON, database))
    run_odoo(config, database, '-i', ADDON)


# Compiles every asset bundle the database's pages call (t-call-assets) and commits it.
COMPILE_ASSETS = (
    "import re\n"
    "names = set()\n"
    "for view in env['ir.ui.view'].search([('arch_db', 'like', 't-call-assets')]):\n"
    "    names.update(re.findall(r't-call-assets=\"([^\"]+)\"', view.arch_db))\n"
    "for name in sorted(names):\n"
    "    env['ir.qweb']._get_asset_nodes(name, {}, css=True, js=True)\n"
    "env.cr.commit()\n")


def compile_assets(config, database):
    """The stylesheets compiled with lessc once, in the database: a test's own writes are rolled
    back, so without this every HttpCase test's first page would run lessc again (seconds each)."""
    log('compiling the asset bundles in %s' % database)
    # Through the tests' own interpreter: a bundle's version hashes the paths of its files, which
    # must be the ones the tests' Odoo sees (the odoo script may name another path to the venv).
    result = subprocess.run([PYTHON, ODOO, 'shell', '-c', config, '-d', database, '--no-http',
                             '--log-level=warn'], input=COMPILE_ASSETS.encode())
    if result.returncode:
        raise StackError('could not compile the asset bundles in %s (odoo shell exit %d)'
                         % (database, result.returncode))


# -- processes -------------------------------------------------------------------------------------

def start_sandbox(port, data_dir, *options):
    """The sandbox CA's process, and the admin token it printed after its "listening on" line."""
    command = [PYTHON, '-m', 'comodo_sandbox', '--port', str(port), '--data', data_dir] + list(options)
    process = start_listening(command, 'the sandbox CA did not start (%s): run `make sandbox` to see why.')
    printed = process.stdout.readline()
    if not printed.startswith(SANDBOX_TOKEN_PREFIX):
        stop(process)
        raise StackError('the sandbox CA printed no admin token (%r): run `make sandbox` to see why.' % printed)
    return process, printed[len(SANDBOX_TOKEN_PREFIX):].split()[0]


def demo_push_url(database, odoo_port=DEMO_HTTP_PORT):
    """The demo company's status-push URL on the demo Odoo, for the sandbox to call at each decision
    as Sectigo calls a reseller's (the token is the secret in it, made when the addon was installed)."""
    result = subprocess.run(
        ['psql', '-d', database, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c',
         "SELECT token.token FROM comodo_push_token token JOIN ir_model_data data ON data.res_id = token.id "
         "AND data.model = 'comodo.push.token' AND data.module = '%s' AND data.name = 'push_token_main_company'"
         % ADDON], stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    token = result.stdout.strip()
    if result.returncode or not token:
        raise StackError('the demo company has no status-push token (%s)' % result.stderr.strip())
    return 'http://127.0.0.1:%d/comodo/push/%s' % (odoo_port, token)


def start_mail_sink(port, folder):
    """The SMTP sink Odoo's outgoing mail goes to: each message an .eml file in `folder`."""
    command = [PYTHON, os.path.join(ROOT, 'tools', 'mail_sink.py'), '--port', str(port), '--folder', folder]
    return start_listening(command, 'the mail sink did not start (%s): run it by hand to see why.')


def start_listening(command, failure):
    """Start a helper server and wait for its first line, "... listening on ..."."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, universal_newlines=True)
    line = process.stdout.readline()
    if 'listening on' not in line:
        process.kill()
        raise StackError(failure % ' '.join(command))
    log(line.strip())
    return process


def stop(process):
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


# -- commands --------------------------------------------------------------------------------------

def installed_test_database(config):
    """The template with the addon installed and its asset bundles compiled, kept between test runs:
    a run whose addon changed only in its tests (or not at all) copies it instead of installing the
    addon again (a minute or two on a busy machine)."""
    installed = TEST_DB + '_installed'
    stamp = os.path.join(RUN_DIR, installed + '.source')
    template = ensure_template(config)
    # The bundles' versions hash their files' times, so those are part of what it was made from.
    static = os.path.join(ROOT, ADDON, 'static')
    newest_static = max((os.path.getmtime(os.path.join(folder, name))
                         for folder, _dirs, files in os.walk(static) for name in files), default=0)
    made_from = '%s\n%s\n%s\n%s' % (template, addon_source_digest(skipped=('__pycache__', 'tests')),
                                     newest_static, hashlib.sha256(encryption_key().encode()).hexdigest())
    if installed in database_names() and os.path.exists(stamp):
        with open(stamp) as handle:
            if handle.read() == made_from:
                log('the addon is installed in %s already (only its tests changed, if anything)' % installed)
                return installed
    if os.path.exists(stamp):
        os.remove(stamp)
    clone_database(template, installed)
    install_addon(config, installed)
    compile_assets(config, installed)
    with open(stamp, 'w') as handle:
        handle.write(made_from)
    return installed


def test_durations():
    """{test file: seconds} of the last whole-suite run here (the root conftest.py records them),
    else the figures kept in the repository."""
    for path in (RECORDED_DURATIONS, KEPT_DURATIONS):
        if os.path.exists(path):
            with open(path) as handle:
                return json.load(handle)
    return {}


def suite_halves():
    """The whole suite in two lists of test files and folders of about equal time, each in
    TEST_FOLDERS order, the Odoo servers' tests last in the first: their session shares one server."""
    seconds = test_durations()
    known = sorted(seconds.values())
    unknown = known[len(known) // 2] if known else 1.0

    def weight(unit):
        found = [value for name, value in seconds.items() if name == unit or name.startswith(unit + '/')]
        return sum(found) if found else unknown

    addon_folder = ADDON + '/tests'
    units = [folder for folder in TEST_FOLDERS if folder not in (addon_folder, 'tests/odoo_server')]
    units += sorted(os.path.relpath(path, ROOT)
                    for path in glob.glob(os.path.join(ROOT, addon_folder, 'test_*.py')))
    halves, loads = [['tests/odoo_server'], []], [weight('tests/odoo_server'), 0.0]
    # Longest first, each to the half with less so far: a browser or an install file is minutes.
    for unit in sorted(units, key=weight, reverse=True):
        lighter = loads.index(min(loads))
        halves[lighter].append(unit)
        loads[lighter] += weight(unit)

    def in_suite_order(unit):
        folder = next(folder for folder in TEST_FOLDERS if unit == folder or unit.startswith(folder + '/'))
        return TEST_FOLDERS.index(folder), unit
    return [sorted(half, key=in_suite_order) for half in halves]


def test_sessions(pytest_args):
    """The pytest sessions of a run, as argument lists. Arguments naming tests (a file, a folder, a
    test id) run as asked, in one session. Without any (the whole suite, with the options given),
    the suite runs as two sessions side by side, a core each, on halves of about equal time (so does
    a run naming exactly the suite's four folders)."""
    named = [arg for arg in pytest_args
             if not arg.startswith('-') and os.path.exists(os.path.join(ROOT, arg.split('::')[0]))]
    if named and sorted(path.rstrip('/') for path in named) != sorted(TEST_FOLDERS):
        return [pytest_args]
    pytest_args = [arg for arg in pytest_args if arg not in named]
    if not any(arg.startswith(PARTIAL_RUN_OPTIONS) for arg in pytest_args):
        os.environ['COMODO_TEST_DURATIONS'] = RECORDED_DURATIONS
    return [pytest_args + half for half in suite_halves()]


def prepare_test_database(installed, database, mail_port):
    """A fresh copy of the installed database and its config (an HTTP port of its own)."""
    clone_database(installed, database)
    point_mail_at_sink(database, mail_port)
    return write_config(database + '.conf', http_port=free_port(), smtp_port=mail_port)


def start_pytest(config, database, pytest_args, output=None):
    command = [PYTHON, '-m', 'pytest', '-p', 'no:cacheprovider', '-p', 'no:warnings',
               '--odoo-config', config, '--odoo-database', database] + pytest_args
    log('running %s%s' % (' '.join(command[2:]), ', its output in %s' % output.name if output else ''))
    return subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT if output else None)


def command_test(pytest_args):
    mail_port = free_port()
    # Configs are named after their database, like everything else of a run: two runs of one
    # checkout with their own COMODO_DB_SUFFIX never rewrite each other's config while it is read.
    installed = installed_test_database(write_config(TEST_DB + '_installed.conf', http_port=free_port()))
    sessions = test_sessions(pytest_args or [])
    databases = [TEST_DB] + ['%s_%d' % (TEST_DB, number) for number in range(2, len(sessions) + 1)]
    configs = [prepare_test_database(installed, database, mail_port) for database in databases]
    clone_database(TEST_DB, SERVER_TEST_DB)
    os.environ['COMODO_SERVER_TEST_DB'] = SERVER_TEST_DB
    os.environ['COMODO_SERVER_TEST_CONFIG'] = write_config(
        SERVER_TEST_DB + '.conf', http_port=free_port(), smtp_port=mail_port,
        server_wide_modules='web,queue_job', dbfilter='^%s$' % SERVER_TEST_DB)
    mail_folder = os.path.join(RUN_DIR, 'mail-' + TEST_DB)
    shutil.rmtree(mail_folder, ignore_errors=True)
    # Tests that drive a real server read what it mailed here (tests/odoo_server/test_mail_delivery.py).
    os.environ['COMODO_MAIL_SINK_DIR'] = mail_folder
    mail_sink = start_mail_sink(mail_port, mail_folder)
    outputs, running = [], []
    try:
        # The first session prints as it goes; the others' output follows once they end.
        for number, (config, database, args) in enumerate(zip(configs, databases, sessions)):
            output = open(os.path.join(RUN_DIR, database + '.pytest.log'), 'w+') if number else None
            outputs += [output] if output else []
            running.append(start_pytest(config, database, args or list(TEST_FOLDERS), output))
        codes = [process.wait() for process in running]
        for output in outputs:
            output.seek(0)
            print('\nstack: %s' % output.name, flush=True)
            shutil.copyfileobj(output, sys.stdout)
            sys.stdout.flush()
        if len(codes) > 1:
            log('sessions ended with exit codes %s' % ', '.join(map(str, codes)))
        # A session whose half of the suite the options deselected entirely collected no test
        # (exit code 5): only a run where no session found one says so.
        ran = [code for code in codes if code != NO_TESTS_COLLECTED] or codes
        return max(ran)
    finally:
        for process in running:
            stop(process)
        for output in outputs:
            output.close()
        stop(mail_sink)


def start_demo_webservers(ports=DEMO_PORTS, folder=os.path.join(RUN_DIR, 'webservers')):
    """sshd + nginx on loopback for the demo customers (their sites are added once the demo
    database says where each customer's files go); a new SSH key and host key each run."""
    sys.path.insert(0, ROOT)
    from webserver_rig import WebServerRig
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    rig = WebServerRig(folder, ssh_port=ports.ssh, nginx_port=ports.nginx, apache_port=ports.apache)
    try:
        rig.start()
    except (OSError, RuntimeError) as error:
        rig.stop()
        raise StackError('the demo web servers did not start (%s): is `make webservers` done?' % error)
    return rig


def start_demo_dns(port=DEMO_DNS_PORT, folder=os.path.join(RUN_DIR, 'dns')):
    """bind9 on 127.0.0.1:`port` with the demo zones; a new TSIG key each run."""
    sys.path.insert(0, ROOT)
    from dns_rig import DnsRig, DnsRigError
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    rig = DnsRig(folder, port=port, extra_zones=DEMO_DNS_ZONES,
                 addresses={name: '127.0.0.1' for name in DEMO_HOSTED_DOMAINS})
    try:
        rig.start()
    except (OSError, DnsRigError) as error:
        raise StackError('the demo DNS server did not start (%s): is `make webservers` done?' % error)
    return rig


DEMO_DNS_SERVER_XMLID = 'comodo_ssl_reseller.dns_server_demo'
# Where Odoo's own checks of a name (the pre-flight) look, as the CA does: the demo DNS server, and
# the demo sites' ports in place of 80 and 443 (system parameters; unset, the Internet's). The demo
# DNS server has no root zone: its DNSSEC chains start at its own signed zone's keys, "zone record"
# lines (the sandbox starts there too).
CHECKS_DNS_SERVER_PARAMETER = 'comodo_ssl_reseller.dcv_dns_server'
CHECKS_PORT_MAP_PARAMETER = 'comodo_ssl_reseller.dcv_port_map'
CHECKS_TRUST_ANCHORS_PARAMETER = 'comodo_ssl_reseller.dcv_trust_anchors'
# Printed by the demo database's shell once the DNS server has this run's key.
DNS_LINE = 'demo-dns\t'


def point_demo_dns_at(config, rig, database=DEMO_DB):
    """The demo database's DNS server (its demo record, made again if it was deleted) reaches this
    run's bind9 with this run's TSIG key, encrypted by Odoo as any secret entered on its form; the
    demo's hosted domains without a DNS server are published there, and Odoo's checks ask it."""
    values = rig.server_values()
    anchor = rig.trust_anchor()
    trust_anchors = '\n'.join('%s %s' % (anchor.name.to_text(), key.to_text()) for key in anchor)
    code = (
        "values = %r\n"
        "server = env.ref(%r, raise_if_not_found=False)\n"
        "if not server:\n"
        "    server = env['comodo.dns.server'].create({'name': 'Demo DNS server (local bind9)', 'host': values['host'],\n"
        "                                               'key_name': values['key_name'], 'test_zone': %r})\n"
        "server.write(values)\n"
        "env['comodo.hosted.domain'].search([('name', 'in', %r), ('dns_server_id', '=', False)]).write(\n"
        "    {'dns_server_id': server.id})\n"
        "env['ir.config_parameter'].sudo().set_param(%r, '%%s:%%d' %% (values['host'], values['port']))\n"
        "env['ir.config_parameter'].sudo().set_param(%r, %r)\n"
        "print('%%s%%d' %% (%r, server.id))\n"
        "env.cr.commit()\n" % (values, DEMO_DNS_SERVER_XMLID, DEMO_DNS_ZONES[0], list(DEMO_HOSTED_DOMAINS),
                               CHECKS_DNS_SERVER_PARAMETER, CHECKS_TRUST_ANCHORS_PARAMETER, trust_anchors,
                               DNS_LINE))
    result = subprocess.run([ODOO, 'shell', '-c', config, '-d', database, '--no-http', '--log-level=warn'],
                            input=code.encode(), stdout=subprocess.PIPE)
    lines = [line for line in result.stdout.decode().splitlines() if line.startswith(DNS_LINE)]
    if result.returncode or not lines:
        raise StackError('could not give the demo DNS server its key (odoo shell exit %d)' % result.returncode)
    return int(lines[0][len(DNS_LINE):])


def demo_document_roots(rig):
    """A document root each for the demo customers' domains on the rig's nginx."""
    return {name: rig.path('nginx', 'htdocs', name) for name in DEMO_HOSTED_DOMAINS}


# Printed by the demo database's shell before each hosted domain's site: name, certificate folder
# (relative to the server's) and document root.
SITE_LINE = 'demo-site\t'


def point_demo_customer_at(config, rig, database=DEMO_DB, ports=DEMO_PORTS):
    """The demo database's target for the local nginx, with this run's key and the fingerprint of
    this run's host key (new at every run, known to the rig, so pinned here); the demo customers'
    hosted domains on it get a document root and a site each, whose configuration names the files
    in the customer's own folder (DEMO_SITE in the server's folder if the database has none). Odoo's
    checks fetch files from the demo sites' ports in place of 80 and 443. Returns the sites:
    [(name, certificate subfolder, document root or '')]."""
    values = dict(rig.target_values('nginx'), name=DEMO_TARGET_NAME, verify_delay=1.0)
    code = (
        "import os\n"
        "Target = env['comodo.deploy.target']\n"
        "values = %r\n"
        "target = Target.search([('name', '=', values['name'])], limit=1) or Target.create(values)\n"
        "target.write(values)\n"
        "env.ref('comodo_ssl_reseller.subscription_portal_business').deploy_target_id = target\n"
        "env.ref('comodo_ssl_reseller.subscription_portal2_business').deploy_target_id = target\n"
        "Hosted = env['comodo.hosted.domain']\n"
        "for name, document_root in %r.items():\n"
        "    Hosted.search([('name', '=', name)]).write({'document_root': document_root, 'deploy_target_id': target.id})\n"
        "env['ir.config_parameter'].sudo().set_param(%r, %r)\n"
        "for hosted in Hosted.search([('deploy_target_id', '=', target.id)]):\n"
        "    print('%s%%s\\t%%s\\t%%s' %% (hosted.name, os.path.relpath(hosted.install_folder, target.certificate_folder),\n"
        "                            hosted.document_root or ''))\n"
        "env.cr.commit()\n" % (values, demo_document_roots(rig), CHECKS_PORT_MAP_PARAMETER,
                               '80=%d,443=%d' % (ports.sites_http, ports.sites_https), SITE_LINE))
    result = subprocess.run([ODOO, 'shell', '-c', config, '-d', database, '--no-http', '--log-level=warn'],
                            input=code.encode(), stdout=subprocess.PIPE)
    if result.returncode:
        raise StackError('could not point the demo customer at the local nginx (odoo shell exit %d)'
                         % result.returncode)
    sites = [tuple(line[len(SITE_LINE):].split('\t')) for line in result.stdout.decode().splitlines()
             if line.startswith(SITE_LINE)] or [(DEMO_SITE, '', '')]
    for name, subfolder, _document_root in sites:
        rig.add_site(name, subfolder)
    return sites


def serve_demo_document_roots(rig, sites, ports=DEMO_PORTS):
    """nginx serves each site's document root over plain HTTP and HTTPS on the ports standing for the
    customer's 80 and 443 (HTTPS with the site's certificate, the one Odoo installs): where the
    sandbox CA, as a CA, fetches the validation file Odoo publishes there."""
    sys.path.insert(0, ROOT)
    from webserver_rig import DocumentRootSites
    folder = rig.path('nginx', 'htdocs')
    document_roots = DocumentRootSites(rig, ports.sites_http, ports.sites_https, folder=folder)
    try:
        for name, subfolder, document_root in sites:
            # Only the rig's own folders: a document root typed in for a real server is not made here.
            if document_root.startswith(folder + os.sep):
                document_roots.add(name, document_root=document_root, subfolder=subfolder)
    except (OSError, RuntimeError) as error:
        raise StackError('the demo nginx did not serve the demo sites\' document roots (%s)' % error)
    return document_roots


class DemoStack(object):
    """What `make run` runs for `database` beside PostgreSQL and the mail sink: the hosting company's
    DNS server holding the demo zones, the customers' web server (sshd; nginx serving each hosted
    domain's certificate and its document root), the sandbox CA checking each name as a CA does against
    them and pushing each decision to Odoo, and Odoo with its job runner. Each listens on its port of
    `ports` and keeps its files in `folder`; keys are new at each start. `start()` points the database
    at them; `stop()` stops what started."""

    def __init__(self, config, database=DEMO_DB, ports=DEMO_PORTS, folder=RUN_DIR):
        self.config = config
        self.database = database
        self.ports = ports
        self.folder = folder
        self.odoo_log = os.path.join(folder, 'odoo.log')
        self.dns_server = self.webservers = self.document_roots = self.sandbox = self.odoo = None
        self.sandbox_token = None

    def start(self):
        try:
            self.dns_server = start_demo_dns(self.ports.dns, os.path.join(self.folder, 'dns'))
            point_demo_dns_at(self.config, self.dns_server, self.database)
            self.webservers = start_demo_webservers(self.ports, os.path.join(self.folder, 'webservers'))
            sites = point_demo_customer_at(self.config, self.webservers, self.database, self.ports)
            self.document_roots = serve_demo_document_roots(self.webservers, sites, self.ports)
            self.sandbox, self.sandbox_token = start_sandbox(self.ports.sandbox, os.path.join(self.folder, 'sandbox'),
                                                             *self.sandbox_options())
            self.odoo = subprocess.Popen([ODOO, '-c', self.config, '-d', self.database, '--log-level=info',
                                          '--logfile', self.odoo_log])
            wait_for_http(self.ports.odoo, self.odoo)
        except BaseException:
            self.stop()
            raise
        return self

    def sandbox_options(self):
        """The sandbox validates as a CA does (each name's address from the demo DNS server, its file
        from the demo sites through the port map) and pushes each decision to the demo's Odoo."""
        return ['--validate', '--dns-server', '%s:%d' % (self.dns_server.host, self.dns_server.port),
                '--port-map', self.document_roots.port_map_option,
                '--recheck-after', str(DEMO_RECHECK_SECONDS),
                '--push-url', demo_push_url(self.database, self.ports.odoo)]

    def stop(self):
        stop(self.odoo)
        stop(self.sandbox)
        if self.webservers is not None:
            # The document roots' sites are the rig's nginx's: they stop with it.
            self.webservers.stop()
        if self.dns_server is not None:
            self.dns_server.stop()


def command_run():
    for port, what in zip(DEMO_PORTS, DEMO_PORT_USERS):
        require_free_port(port, what)
    mail_port = free_port()
    config = write_config('demo.conf', http_port=DEMO_HTTP_PORT, smtp_port=mail_port,
                          server_wide_modules='web,queue_job', dbfilter='^%s$' % DEMO_DB)
    # The demo database remembers what it was made from: the template (the addon's dependencies
    # and the pins) and the addon's source.
    stamp = os.path.join(RUN_DIR, DEMO_DB + '.source')
    made_from = open(stamp).read().split('\n') if os.path.exists(stamp) else ['', '']
    template, digest = template_name(), addon_source_digest()
    if DEMO_DB in database_names() and made_from[0] != template:
        # Installing new dependencies into an old demo database trips over their own demo data.
        log('the addon\'s dependencies changed since the last demo run: recreating %s' % DEMO_DB)
        drop_database(DEMO_DB)
    if DEMO_DB not in database_names():
        clone_database(ensure_template(config), DEMO_DB)
        install_addon(config, DEMO_DB)
    elif made_from[1] != digest:
        log('the addon changed since the last demo run: updating %s' % DEMO_DB)
        run_odoo(config, DEMO_DB, '-u', ADDON)
    with open(stamp, 'w') as handle:
        handle.write('%s\n%s' % (template, digest))
    point_mail_at_sink(DEMO_DB, mail_port)

    mail_sink = demo = None
    try:
        mail_sink = start_mail_sink(mail_port, DEMO_MAIL_DIR)
        demo = DemoStack(config).start()
        print(DEMO_BANNER % {'port': DEMO_HTTP_PORT, 'sandbox': SANDBOX_PORT, 'sandbox_token': demo.sandbox_token,
                             'mail': DEMO_MAIL_DIR,
                             'site': DEMO_SITE, 'nginx': DEMO_NGINX_PORT, 'ssh': DEMO_SSH_PORT,
                             'sites_http': DEMO_SITES_HTTP_PORT, 'sites_https': DEMO_SITES_HTTPS_PORT,
                             'htdocs': os.path.relpath(demo.document_roots.folder, ROOT),
                             'recheck': DEMO_RECHECK_SECONDS,
                             'dns': DEMO_DNS_PORT, 'zones': ', '.join(DEMO_DNS_ZONES),
                             'log': demo.odoo_log}, flush=True)
        demo.odoo.wait()
        return demo.odoo.returncode
    except KeyboardInterrupt:
        return 0
    finally:
        if demo is not None:
            demo.stop()
        stop(mail_sink)


DEMO_BANNER = """
  Odoo with comodo_ssl_reseller:  http://127.0.0.1:%(port)d/web
    back office:                  admin / admin
    portal customer:              portal / portal   (http://127.0.0.1:%(port)d/my)
    a second portal customer:     portal2 / portal2 (same web server, domains of its own)
  Sandbox CA (admin page):        http://127.0.0.1:%(sandbox)d/admin/
    admin token:                  %(sandbox_token)s   (also in .run/sandbox/admin-token)
    validates as a CA does:       each name's file or CNAME, through the DNS server below (a failing
                                  name again every %(recheck)d s); pushes each decision to Odoo
  Mails sent (one .eml each):     %(mail)s/
  Demo customer's web server:     nginx on 127.0.0.1:%(nginx)d (SSH 127.0.0.1:%(ssh)d), site %(site)s
    what it serves:               curl -vk --resolve %(site)s:%(nginx)d:127.0.0.1 https://%(site)s:%(nginx)d/
    document roots:               %(htdocs)s/<domain>, served on http://127.0.0.1:%(sites_http)d
                                  and https://127.0.0.1:%(sites_https)d (the sites' ports 80 and 443)
  Hosting company's DNS server:   bind9 on 127.0.0.1:%(dns)d, zones %(zones)s
    what it answers:              dig -p %(dns)d @127.0.0.1 %(site)s
  Odoo log:                       %(log)s
  Ctrl-C stops everything.
"""


def wait_for_http(port, process, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise StackError('Odoo exited (code %s) during start-up: see .run/odoo.log' % process.returncode)
        with socket.socket() as probe:
            if probe.connect_ex(('127.0.0.1', port)) == 0:
                return
        time.sleep(0.5)
    raise StackError('Odoo did not answer on port %d within %d s: see .run/odoo.log' % (port, timeout))


def command_clean(run_dir=RUN_DIR):
    """Forget what `make run` and `make test` made in this checkout, so that the next `make run`
    starts the demo afresh: the databases whose files are in run_dir (the demo's, the tests', the
    template's: without their files they would be broken copies), then run_dir itself (the sandbox
    CA's orders, the mails, the keys).

    A checkout whose file store is a link to another's drops no database: they are the other's.
    """
    filestore = os.path.join(run_dir, 'data', 'filestore')
    if os.path.isdir(filestore) and not os.path.islink(filestore):
        existing = set(database_names('comodo_'))
        for name in sorted(existing.intersection(os.listdir(filestore))):
            log('dropping database %s' % name)
            if subprocess.run(['dropdb', '--if-exists', name]).returncode:
                raise StackError('could not drop %s: stop `make run` and `make test` first' % name)
    shutil.rmtree(run_dir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='command')
    sub.add_parser('run', help='the demo: Odoo on 127.0.0.1:8069 and the sandbox CA')
    sub.add_parser('clean', help="forget the demo and the tests' databases and .run")
    test = sub.add_parser('test', help='the whole test suite on a fresh database')
    test.add_argument('pytest_args', nargs=argparse.REMAINDER, help='pytest arguments instead of the whole suite')
    # parse_known_args: REMAINDER alone refuses pytest arguments that start with a dash (`-k expr`).
    options, unknown = parser.parse_known_args()
    if unknown and options.command != 'test':
        parser.error('unrecognized arguments: %s' % ' '.join(unknown))
    # Odoo looks for lessc (its stylesheet compiler, installed in the venv) on PATH.
    os.environ['PATH'] = os.path.join(VENV, 'bin') + os.pathsep + os.environ.get('PATH', '')
    os.environ.setdefault('PGOPTIONS', '--client-min-messages=warning')
    # Ctrl-C or SIGTERM stop the demo: the children are stopped in `finally` blocks. (SIGINT is
    # set explicitly: a shell starting us in the background would have it ignored.)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        if options.command == 'run':
            return command_run()
        if options.command == 'test':
            return command_test(unknown + options.pytest_args)
        if options.command == 'clean':
            return command_clean()
        parser.print_help()
        return 2
    except StackError as error:
        print('stack: error: %s' % error, file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
