"""Several Odoo servers on one database behind a load balancer, as a hosting company runs them past
one machine (the README's "Several Odoo servers on one database"): each server's configuration, and a
TCP load balancer on loopback standing in for nginx or HAProxy. tests/odoo_server/test_two_servers.py
and `tools/bench_poll.py --servers 2` run the servers so."""
import itertools
import os
import re
import socket
import threading

import stack

JOB_UUID_IN_URL = re.compile(r'[?&]job_uuid=([0-9a-f-]+)')


def server_configs(base_config, folder, count):
    """(configurations, load balancer) for `count` Odoo servers on the database of `base_config`, each
    a copy of it on ports of its own. The first runs queue_job's job runner with the channels of
    `base_config`, and sends every job through the load balancer (started, in front of all of them);
    the others have `channels = root:0`, which keeps queue_job from starting a runner there: one job
    runner per database. Each configuration is (path, HTTP port)."""
    with open(base_config) as handle:
        options, queue_job = handle.read().split('[queue_job]')
    ports = [stack.free_port() for _number in range(count)]
    balancer = LoadBalancer(ports).start()
    runner_lines = [queue_job.strip(), 'host = 127.0.0.1', 'port = %d' % balancer.port]
    configs = []
    for number, port in enumerate(ports):
        path = os.path.join(folder, 'server-%d.conf' % (number + 1))
        queue_job_lines = runner_lines if number == 0 else ['channels = root:0']
        with open(path, 'w') as handle:
            handle.write('%s\nlongpolling_port = %d\n\n[queue_job]\n%s\n' % (
                re.sub(r'(?m)^http_port = \d+$', 'http_port = %d' % port, options).rstrip('\n'),
                stack.free_port(), '\n'.join(queue_job_lines)))
        configs.append((path, port))
    return configs, balancer


class LoadBalancer(object):
    """A TCP load balancer on loopback in front of the Odoo servers, as nginx or HAProxy is in
    production: each connection goes to the server with the fewest requests in progress that
    accepts it, the next in turn among equals (HAProxy's `balance leastconn`), so the job runner's
    requests reach every server, and none reach a dead one. (Plain turns would send every other
    request to one server: with each placement followed by one short job of another kind, every
    placement went to the same server.) A job sent again goes to the
    server it was first sent to while that one accepts it (HAProxy's `stick on url_param(job_uuid)`):
    the runner sends a job again when the server has not answered within a second and the job is
    not started yet, and without this the job would run where a worker first took it, maybe on the
    runner's own server, leaving the other server no poll job to be killed in. Remembers where each
    request went (Odoo answers one request per connection)."""

    def __init__(self, ports):
        self.ports = list(ports)
        self.routed = []  # (request line, server port)
        self._turns = itertools.cycle(self.ports)
        self._in_progress = dict.fromkeys(self.ports, 0)
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.bind(('127.0.0.1', 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._closed = False

    def start(self):
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self):
        self._closed = True
        self._listener.close()

    def ports_of(self, fragment):
        """The servers the requests whose line contains `fragment` went to."""
        with self._lock:
            return [port for line, port in self.routed if fragment in line]

    def _accept(self):
        while not self._closed:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        with client:
            head = client.recv(65536)
            line = head.split(b'\r\n', 1)[0].decode('latin-1')
            if not head:
                return
            upstream = self._connect(self._first_port_of_job(line))
            if upstream is None:
                return
            port = upstream.getpeername()[1]
            with self._lock:
                self.routed.append((line, port))
            try:
                with upstream:
                    upstream.sendall(head)
                    answer = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
                    answer.start()
                    _pump(client, upstream)
                    answer.join()
            finally:
                with self._lock:
                    self._in_progress[port] -= 1

    def _first_port_of_job(self, request_line):
        """The server the job this request runs was first sent to, else None."""
        job_uuid = JOB_UUID_IN_URL.search(request_line)
        ports = job_uuid and self.ports_of(job_uuid.group(1))
        return ports[0] if ports else None

    def _connect(self, first_choice=None):
        """A connection to `first_choice` if it accepts, else to the least busy server that does;
        counted as in progress on it (None when no server accepts)."""
        candidates = [first_choice] if first_choice else []
        with self._lock:
            turn = self.ports.index(next(self._turns))
            candidates += sorted(self.ports, key=lambda port: (
                self._in_progress[port], (self.ports.index(port) - turn) % len(self.ports)))
        for port in candidates:
            upstream = _connect_to(port)
            if upstream is not None:
                with self._lock:
                    self._in_progress[port] += 1
                return upstream
        return None


def _connect_to(port):
    try:
        return socket.create_connection(('127.0.0.1', port), timeout=5)
    except OSError:
        return None


def _pump(source, target):
    source.settimeout(None)
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    try:
        target.shutdown(socket.SHUT_WR)
    except OSError:
        pass
