"""Shared pieces of gvm's Python scripts: the coordinator and worker
processes, a small JSON client, and a dependency-free SVG line plot.

Standard library only, so the scripts run on a fresh Debian with python3.
"""
from __future__ import annotations

import hashlib
import html
import http.client
import json
import os
import secrets
import signal
import shutil
import subprocess
import sys
import threading

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# GVM_BINARIES names a frozen copy of the release executables, so that a
# benchmark piece runs one build from start to end while the tree is rebuilt.
RELEASE = os.environ.get("GVM_BINARIES") or os.path.join(REPO_ROOT, ".build", "release")


def binary(name: str) -> str:
    """Path of a release executable; says how to build it when missing."""
    path = os.path.join(RELEASE, name)
    if not os.access(path, os.X_OK):
        raise SystemExit(f"{path} is missing: build it with `swift build -c release` (or `make release`)")
    return path


TOKEN_ROLES = ("worker", "operator", "reader")


def token_digest(token: str) -> str:
    """What a tokens file lists for a token: the hex SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(token.encode()).hexdigest()


def write_tokens_file(path: str, roles: dict[str, str]) -> dict[str, str]:
    """Makes a fresh random token for each identity in `roles` (name -> role:
    worker, operator or reader) and writes the tokens file `gvm-coordinator
    serve --tokens` reads, `{"tokens": [{"name", "role", "sha256"}]}`, which
    holds the hashes only. Returns name -> token, for the clients to present
    (`Authorization: Bearer TOKEN`)."""
    for name, role in roles.items():
        if role not in TOKEN_ROLES:
            raise ValueError(f"{name}: role {role!r} is not one of {', '.join(TOKEN_ROLES)}")
    tokens = {name: secrets.token_hex(32) for name in roles}
    entries = [{"name": name, "role": role, "sha256": token_digest(tokens[name])} for name, role in roles.items()]
    with open(path, "w") as f:
        json.dump({"tokens": entries}, f, indent=2)
        f.write("\n")
    return tokens


def bearer(token: str | None) -> dict[str, str]:
    """The Authorization header that presents `token`; none without one."""
    return {"Authorization": f"Bearer {token}"} if token else {}


class APIError(RuntimeError):
    pass


class Client:
    """One keep-alive connection; reconnects once if the server closed it.
    With `token`, every request carries `Authorization: Bearer TOKEN`."""

    def __init__(self, host: str, port: int, timeout: float = 120.0, token: str | None = None):
        self.host, self.port, self.timeout, self.token = host, port, timeout, token
        self.connection: http.client.HTTPConnection | None = None
        self.reconnects = 0

    def _connection(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str = "application/json", token: str | None = None) -> tuple[int, bytes]:
        """(status, body). `token` presents another token than the client's for this request."""
        headers = {"Content-Type": content_type} if body is not None else {}
        headers.update(bearer(token or self.token))
        for attempt in (0, 1):
            try:
                connection = self._connection()
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest):
                self.close()
                self.reconnects += 1
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, payload=None, expect=(200, 201),
             content_type: str = "application/json", raw: bytes | None = None):
        body = raw if raw is not None else (None if payload is None else json.dumps(payload).encode())
        status, data = self.request(method, path, body, content_type)
        if status not in expect:
            raise APIError(f"{method} {path} -> {status}: {data[:500].decode(errors='replace')}")
        return json.loads(data) if data else None


class Coordinator:
    """`gvm-coordinator serve` on a port of its choosing; its log goes to a file.
    With `tokens_file` (see write_tokens_file) it serves with `--tokens`, and
    `token` is the one its client() presents by default."""

    def __init__(self, db_path: str, log_path: str, port: int = 0, host: str = "127.0.0.1",
                 binary_path: str | None = None, serve_args: list[str] | None = None,
                 tokens_file: str | None = None, token: str | None = None):
        self.token = token
        self.log_file = open(log_path, "ab")
        self.process = subprocess.Popen(
            [binary_path or binary("gvm-coordinator"), "serve", "--db", db_path, "--host", host, "--port", str(port)]
            + (["--tokens", tokens_file] if tokens_file else []) + (serve_args or []),
            stdout=subprocess.PIPE, stderr=self.log_file, cwd=REPO_ROOT)
        assert self.process.stdout is not None
        first = self.process.stdout.readline().decode().strip()
        if not first.startswith("listening on http://"):
            self.process.kill()
            raise RuntimeError(f"unexpected first line from the coordinator: {first!r} (log: {log_path})")
        self.url = first.removeprefix("listening on ").rstrip("/")
        hostport = self.url.removeprefix("http://")
        self.host, _, port_text = hostport.rpartition(":")
        self.port = int(port_text)
        self.drainer = threading.Thread(target=self._drain, daemon=True)
        self.drainer.start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.log_file.write(line)

    @property
    def pid(self) -> int:
        return self.process.pid

    def client(self, token: str | None = None) -> Client:
        """A client presenting `token`, else the coordinator's default token (if any)."""
        return Client(self.host, self.port, token=token or self.token)

    def stop(self) -> int | None:
        stop_process(self.process)
        # The rest of its output goes to the log before the files close.
        self.drainer.join(timeout=5)
        if not self.drainer.is_alive():
            assert self.process.stdout is not None
            self.process.stdout.close()
        self.log_file.close()
        return self.process.returncode


class Worker:
    """`gvm-worker run` against a coordinator; its output goes to a log file.
    With `token`, the worker presents it (as GVM_TOKEN, off its command line)."""

    def __init__(self, coordinator_url: str, name: str, log_path: str, extra: list[str], token: str | None = None):
        self.log_file = open(log_path, "ab")
        env = {**os.environ, "GVM_TOKEN": token} if token else None
        self.process = subprocess.Popen(
            [binary("gvm-worker"), "run", "--coordinator", coordinator_url, "--name", name] + extra,
            stdout=self.log_file, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env)

    def stop(self) -> int | None:
        stop_process(self.process)
        self.log_file.close()
        return self.process.returncode


def add_binary_options(parser) -> None:
    """--binary and --build, for the benchmarks that measure a coordinator."""
    default = os.path.relpath(os.path.join(RELEASE, "gvm-coordinator"), REPO_ROOT)
    parser.add_argument("--binary", help=f"coordinator binary (default {default}, built when missing)")
    parser.add_argument("--build", action="store_true",
                        help=f"run swift build -c release --product gvm-coordinator first, even when {default} exists")


def ensure_binary(path: str | None, build: bool, log=print) -> str:
    """The coordinator binary a benchmark measures: `path` if given, else the
    release build, built first when missing or when `build` is set."""
    if path:
        path = path if os.path.isabs(path) else os.path.join(REPO_ROOT, path)
        if not os.access(path, os.X_OK):
            sys.exit(f"--binary {path}: not an executable file")
        return path
    path = os.path.join(RELEASE, "gvm-coordinator")
    if build or not os.access(path, os.X_OK):
        reason = "--build" if build else f"{os.path.relpath(path, REPO_ROOT)} is missing"
        log(f"{reason}: swift build -c release --product gvm-coordinator (minutes on a clean tree)...")
        subprocess.run(["swift", "build", "-c", "release", "--product", "gvm-coordinator"],
                       cwd=REPO_ROOT, check=True)
    return path


def newer_sources(binary_path: str) -> list[str]:
    """Sources changed after the binary was built (so the figures may not describe them)."""
    built = os.path.getmtime(binary_path)
    newer = []
    for top in ("Sources", "Package.swift", "Package.resolved"):
        root = os.path.join(REPO_ROOT, top)
        if os.path.isfile(root):
            candidates = [root]
        else:
            candidates = [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]
        newer += [os.path.relpath(c, REPO_ROOT) for c in candidates if os.path.getmtime(c) > built]
    return sorted(newer)


def cpu_model() -> str | None:
    """The CPU's model name, as benchmark rows record it (floating point and
    speed differ between CPUs); None where /proc/cpuinfo does not say."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return None


def git_revision() -> str | None:
    try:
        revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                                  capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        return revision + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def freeze_binaries(folder: str) -> str:
    """Copies the release executables to `folder` with a COMMIT file naming
    the tree they were built from, for a benchmark piece to run through
    GVM_BINARIES=folder while the tree moves on. Build first
    (`swift build -c release`)."""
    os.makedirs(folder, exist_ok=True)
    for name in ("gvm-coordinator", "gvm-worker", "gvm-model"):
        shutil.copy2(os.path.join(REPO_ROOT, ".build", "release", name), os.path.join(folder, name))
    commit = git_revision() or "unknown"
    with open(os.path.join(folder, "COMMIT"), "w") as f:
        f.write(commit + "\n")
    return commit


def binaries_commit() -> str | None:
    """The tree the executables in use were built from, when they are a
    frozen copy (GVM_BINARIES with the COMMIT file freeze_binaries writes);
    None for .build/release, whose build the scripts cannot date."""
    folder = os.environ.get("GVM_BINARIES")
    if not folder:
        return None
    try:
        with open(os.path.join(folder, "COMMIT")) as f:
            return f.read().strip() or None
    except OSError:
        return None


def stop_process(process: subprocess.Popen, grace: float = 20) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_checked(arguments: list[str], **kwargs) -> str:
    """Runs a command, echoing nothing; its output, or an exit with its error."""
    result = subprocess.run(arguments, capture_output=True, text=True, cwd=REPO_ROOT, **kwargs)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(arguments)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


# Chain-of-thought-like filler for the benchmarks' simulated responses.
STEPS = [
    "First, let me restate the problem in my own words so that nothing is lost. We are asked for a single "
    "value, and the constraints say it must be a positive integer. Let x denote the unknown quantity.",
    "Substituting the given relation, we get x^2 - {a}x + {b} = 0. The discriminant is {a}^2 - 4*{b} = {d}, "
    "which tells us how many real roots to expect before we compute anything else.",
    "Let me double-check the arithmetic: {a} times {a} is {aa}, and four times {b} is {b4}. Subtracting gives "
    "{d}, so the earlier line is consistent.",
    "Now consider the case where x is even. Then x = 2k for some integer k, and the equation becomes "
    "4k^2 - {a2}k + {b} = 0, which has no integer solution because the left side is odd when k is.",
    "Alternatively, we can use Vieta's formulas: the roots r and s satisfy r + s = {a} and rs = {b}. Since we "
    "only need the smaller root, it is enough to bound it from above.",
    "Wait, I should verify the boundary case separately. If x = 1, then 1 - {a} + {b} = {c}, and the "
    "problem requires this to vanish, so we need to check whether {c} equals zero in this instance.",
    "Taking the expression modulo 3 gives a quick sanity check: {a} mod 3 = {am}, {b} mod 3 = {bm}, and the "
    "residues agree with the candidate answer, so no contradiction appears.",
    "Hmm, that approach is getting complicated. Let me step back and simplify the fraction {b}/{a} first: "
    "the greatest common divisor of the numerator and denominator is {g}.",
    "Summing the telescoping series term by term, each pair of consecutive terms cancels except the first and "
    "the last, leaving 1 - 1/({a} + 1), which simplifies neatly.",
    "Putting the pieces together, every case except one leads to a contradiction, and the remaining case "
    "gives exactly the value we found above.",
]


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def reasoning_text(rng, limit: int) -> str:
    """Steps drawn from STEPS with `rng` (a random.Random), joined by blank
    lines and cut to `limit` characters."""
    parts: list[str] = []
    length = 0
    while length < limit:
        a, b = rng.randint(3, 97), rng.randint(2, 500)
        step = rng.choice(STEPS).format(
            a=a, b=b, d=a * a - 4 * b, aa=a * a, b4=4 * b, a2=2 * a, c=1 - a + b,
            am=a % 3, bm=b % 3, g=_gcd(a, b))
        parts.append(step)
        length += len(step) + 2
    return "\n\n".join(parts)[:limit]


PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


def svg_line_plot(series: list[dict], title: str, x_label: str, y_label: str,
                  width: int = 760, height: int = 440, y_range: tuple[float, float] | None = None,
                  x_range: tuple[float, float] | None = None) -> str:
    """A line plot as SVG text. Each series is {"label", "points": [(x, y)],
    optional "color", "dash", "band" ([(x, low, high)], drawn as a shaded
    region), "errors" ([(x, low, high)], drawn as error bars) and "markers"
    (default True)}. Series with the same label share a legend entry (for
    example one arm's seeds)."""
    left, right, top, bottom = 70, 190, 40, 55
    xs = [x for s in series for x, _ in s["points"]]
    ys = [y for s in series for _, y in s["points"]]
    ys += [v for s in series for _, low, high in s.get("band", []) + s.get("errors", []) for v in (low, high)]
    if not xs:
        xs, ys = [0, 1], [0, 1]
    x0, x1 = x_range if x_range else (min(xs), max(xs))
    y0, y1 = y_range if y_range else (min(ys), max(ys))
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y1 = y0 + 1
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * plot_w

    def py(y: float) -> float:
        return top + plot_h - (y - y0) / (y1 - y0) * plot_h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="14" font-weight="bold">{html.escape(title)}</text>']
    for i in range(6):
        gy = y0 + (y1 - y0) * i / 5
        gx = x0 + (x1 - x0) * i / 5
        out.append(f'<line x1="{left}" y1="{py(gy):.1f}" x2="{left + plot_w}" y2="{py(gy):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{py(gy) + 4:.1f}" text-anchor="end">{gy:.3g}</text>')
        out.append(f'<text x="{px(gx):.1f}" y="{top + plot_h + 18}" text-anchor="middle">{gx:.4g}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 12}" text-anchor="middle">{html.escape(x_label)}</text>')
    out.append(f'<text transform="translate(16 {top + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle">'
               f'{html.escape(y_label)}</text>')
    colors: dict[str, str] = {}
    for s in series:
        color = s.get("color") or colors.get(s["label"]) or PALETTE[len(colors) % len(PALETTE)]
        colors.setdefault(s["label"], color)
        if s.get("band"):
            outline = [(x, high) for x, _, high in s["band"]] + [(x, low) for x, low, _ in reversed(s["band"])]
            region = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in outline)
            out.append(f'<polygon points="{region}" fill="{color}" fill-opacity="0.15" stroke="none"/>')
        for x, low, high in s.get("errors", []):
            out.append(f'<line x1="{px(x):.1f}" y1="{py(low):.1f}" x2="{px(x):.1f}" y2="{py(high):.1f}" '
                       f'stroke="{color}" stroke-width="1.5"/>')
        points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in s["points"])
        dash = f' stroke-dasharray="{s["dash"]}"' if s.get("dash") else ""
        if len(s["points"]) > 1:
            out.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.8"{dash}/>')
        if s.get("markers", True):
            for x, y in s["points"]:
                out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.5" fill="{color}"/>')
    for i, (label, color) in enumerate(colors.items()):
        ly = top + 10 + i * 20
        out.append(f'<line x1="{left + plot_w + 14}" y1="{ly}" x2="{left + plot_w + 38}" y2="{ly}" '
                   f'stroke="{color}" stroke-width="2.5"/>')
        out.append(f'<text x="{left + plot_w + 44}" y="{ly + 4}">{html.escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
