"""Helpers for test_azure.py: a local HTTPS page server with a certificate
made at test time, the stand-in Functions host run as a user runs it, and a
parser for the memory_profiler-style reports it prints.

Usable by hand too:  python3 tests/e2e/azure_support.py serve DIR
(makes DIR/cert.pem, serves the page on https://127.0.0.1:<port>/ until
interrupted, and prints the environment to give the host)."""
import http.client
import http.server
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("MEMLINE_BUILD", os.path.join(ROOT, "build"))
LIB = os.environ.get("MEMLINE_LIB", os.path.join(BUILD, "libmemline.so"))
APP = os.path.join(ROOT, "examples", "azure-functions")
MEMLINE = os.path.join(ROOT, "scripts", "memline")
FUNCHOST = os.path.join(ROOT, "scripts", "funchost")
SETUP = os.path.join(ROOT, "scripts", "setup-azure")

PREFIX = "memory_profiler_logs: "
TS_RE = re.compile(r"^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\] (.*)$")


# ---- the page ----

def make_page(size=200_000):
    """A deterministic ASCII page of about `size` bytes (text length ==
    byte length, so both triggers' bodies can be checked exactly)."""
    line = b"<p>memline azure-functions test page: the quick brown fox jumps over the lazy dog</p>\n"
    body = line * (size // len(line) + 1)
    return b"<!doctype html>\n<html><body>\n" + body[:size] + b"\n</body></html>\n"


def make_cert(directory):
    """A self-signed certificate for 127.0.0.1 and localhost (openssl)."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
         "-out", cert, "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True, timeout=60)
    return cert, key


class PageServer:
    """HTTPS on 127.0.0.1 (a free port), serving one page at every path."""

    def __init__(self, directory, page):
        self.page = page
        self.cert, key = make_cert(directory)
        self.hits = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                outer.hits += 1
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(outer.page)))
                self.end_headers()
                self.wfile.write(outer.page)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.url = "https://127.0.0.1:%d/" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def app_env(self):
        """The app settings that point the demo at this server."""
        return {"TARGET_URL": self.url, "REQUESTS_CA_BUNDLE": self.cert,
                "SSL_CERT_FILE": self.cert}

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the host ----

class Host:
    """scripts/funchost started the way a user starts it, in its own process
    group (so teardown reaches the worker too), its console collected."""

    def __init__(self, argv, env, transcript=None):
        self.argv = argv
        self.transcript = transcript
        self.lines = []                     # console lines, as printed
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            with self._cond:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def wait_for(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self.lines):
                if self.proc.poll() is not None and not self._reader.is_alive():
                    raise AssertionError("host exited (%s) while waiting for %s:\n%s"
                                         % (self.proc.returncode, what, self.console()))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out waiting for %s:\n%s" % (what, self.console()))
                self._cond.wait(min(left, 0.5))

    def wait_ready(self, timeout=60):
        self.wait_for(lambda ls: any(TS_RE.match(l) and l.endswith("] Host started.")
                                     for l in ls), timeout, "the host to start")

    def console(self, last=200):
        with self._cond:
            return "\n".join(self.lines[-last:])

    @property
    def pid(self):
        return self.proc.pid

    def worker_pid(self):
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    cmd = f.read().split(b"\0")
            except OSError:
                continue
            if ppid == self.pid and any(c.endswith(b"worker.py") for c in cmd):
                return int(d)
        return None

    def cpu_seconds(self, pid=None):
        """utime + stime of the host process (or `pid`) so far."""
        with open("/proc/%d/stat" % (pid or self.pid)) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def maps(self, pid=None):
        with open("/proc/%d/maps" % (pid or self.pid)) as f:
            return f.read()

    def stop(self):
        """SIGTERM to the whole group (host and worker), SIGKILL if needed."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)   # anything left behind
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait(timeout=10)
        self._reader.join(timeout=10)

    def records(self):
        """The transcript: RpcLogs and worker console lines as received."""
        if not self.transcript or not os.path.exists(self.transcript):
            return []
        with open(self.transcript) as f:
            return [json.loads(l) for l in f if l.strip()]


def get(port, path, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


# ---- reports ----

ROW_RE = re.compile(r"^ *(\d+) +(-?\d+(?:\.\d+)?) MiB +(-?\d+(?:\.\d+)?) MiB +(\d+)   (.*)$")
IDLE_RE = re.compile(r"^ *(\d+) {41}(.*)$")
HEADER = "Line #    Mem usage    Increment  Occurrences   Line Contents"


class Report:
    def __init__(self, filename):
        self.filename = filename
        self.header = False
        self.rule = False
        self.rows = {}      # lineno -> (mem MiB, inc MiB, occurrences, text) or (None, None, None, text)

    @property
    def function(self):
        for n in sorted(self.rows):
            m = re.search(r"def (\w+)", self.rows[n][3])
            if m:
                return m.group(1)
        return None

    @property
    def entry_mem(self):
        return self.rows[min(self.rows)][0]

    def row(self, text):
        """The row whose source text, stripped, is `text`."""
        for n, r in self.rows.items():
            if r[3].strip() == text:
                return r
        raise KeyError(text)

    def __repr__(self):
        return "Report(%s, %r)" % (self.filename, self.rows)


def report_messages(console_lines):
    """The report lines (without the prefix) from the host's console:
    '[timestamp] memory_profiler_logs: ...'."""
    out = []
    for line in console_lines:
        m = TS_RE.match(line)
        if m and m.group(2).startswith(PREFIX):
            out.append(m.group(2)[len(PREFIX):])
    return out


def parse_reports(messages):
    reports, cur = [], None
    for msg in messages:
        if msg.startswith("Filename: "):
            cur = Report(msg[len("Filename: "):])
            reports.append(cur)
        elif cur is None:
            continue
        elif msg == HEADER:
            cur.header = True
        elif msg and set(msg) == {"="}:
            cur.rule = True
        else:
            m = ROW_RE.match(msg)
            if m:
                cur.rows[int(m.group(1))] = (float(m.group(2)), float(m.group(3)),
                                             int(m.group(4)), m.group(5))
                continue
            m = IDLE_RE.match(msg)
            if m:
                cur.rows[int(m.group(1))] = (None, None, None, m.group(2))
    return reports


# ---- by hand ----

def _serve(directory):
    os.makedirs(directory, exist_ok=True)
    srv = PageServer(directory, make_page())
    print("serving %d bytes on %s; give the host:" % (len(srv.page), srv.url))
    for k, v in srv.app_env().items():
        print("export %s=%s" % (k, v))
    sys.stdout.flush()
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    srv.close()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        _serve(sys.argv[2])
    else:
        sys.exit("usage: azure_support.py serve DIR")
