"""The set-up commands fail with a message that says what to do, never a stack trace."""
import os
import shutil
import socket
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(command, env=None, cwd=ROOT):
    return subprocess.run(command, cwd=cwd, env=dict(os.environ, **(env or {})),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)


def test_bootstrap_names_a_missing_python37(tmp_path):
    # A copy without .venv, so the script has to look for Python 3.7.
    for name in ('tools', 'constraints.txt'):
        source = os.path.join(ROOT, name)
        (shutil.copytree if os.path.isdir(source) else shutil.copy)(source, str(tmp_path / name))
    result = _run(['bash', 'tools/bootstrap.sh'], env={'PYTHON37': '/nonexistent/python3.7'},
                  cwd=str(tmp_path))
    assert result.returncode == 1
    assert 'PYTHON37=/nonexistent/python3.7 is not a working Python 3.7 interpreter' in result.stdout
    assert not (tmp_path / '.venv').exists()


def test_postgres_names_the_server_that_does_not_answer():
    result = _run(['bash', 'tools/postgres.sh'], env={'PGHOST': '127.0.0.1', 'PGPORT': '1'})
    assert result.returncode == 1
    assert 'no PostgreSQL answers at the server the PG* variables name' in result.stdout
    assert 'PGPORT=1' in result.stdout


def test_demo_refuses_a_taken_port():
    sys.path.insert(0, os.path.join(ROOT, 'tools'))
    try:
        import stack
    finally:
        sys.path.pop(0)
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(stack.StackError, match='port %d on 127.0.0.1 is taken' % port):
            stack.require_free_port(port, 'Odoo')


def _stack():
    sys.path.insert(0, os.path.join(ROOT, 'tools'))
    try:
        import stack
    finally:
        sys.path.pop(0)
    return stack


def _database_exists(name):
    return _run(['psql', '-d', 'postgres', '-XAtqc', "select 1 from pg_database where datname = '%s'" % name],
                ).stdout.strip() == '1'


def test_clean_drops_the_databases_whose_files_it_removes(tmp_path):
    # What `make clean` runs: a database left without its files (a template's) would be copied
    # into the next demo broken.
    stack = _stack()
    name = 'comodo_clean_probe_%d' % os.getpid()
    run_dir = tmp_path / '.run'
    (run_dir / 'data' / 'filestore' / name).mkdir(parents=True)
    (run_dir / 'data' / 'filestore' / name / 'attachment').write_text('x')
    subprocess.run(['createdb', name], check=True)
    try:
        stack.command_clean(str(run_dir))
        assert not _database_exists(name)
        assert not run_dir.exists()
    finally:
        subprocess.run(['dropdb', '--if-exists', name], check=True)


def test_clean_in_a_checkout_sharing_anothers_files_drops_nothing(tmp_path):
    stack = _stack()
    name = 'comodo_clean_shared_probe_%d' % os.getpid()
    shared = tmp_path / 'main' / '.run' / 'data' / 'filestore'
    (shared / name).mkdir(parents=True)
    run_dir = tmp_path / 'worktree' / '.run'
    (run_dir / 'data').mkdir(parents=True)
    os.symlink(str(shared), str(run_dir / 'data' / 'filestore'))
    subprocess.run(['createdb', name], check=True)
    try:
        stack.command_clean(str(run_dir))
        assert _database_exists(name), "the other checkout's database stays"
        assert (shared / name).is_dir(), 'and its files'
        assert not run_dir.exists()
    finally:
        subprocess.run(['dropdb', '--if-exists', name], check=True)
