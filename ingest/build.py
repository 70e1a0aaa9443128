"""Atomic warehouse builds: `dbt build` into a new file beside the served warehouse, swapped in
only when every model and test has passed.

The dashboard opens the served file (`yibao.duckdb`) read-only for each query. A build never
writes to it: dbt builds `yibao.duckdb.build`, the result is checkpointed and fsynced, and
`os.replace` puts it on the served path in one step. Connections opened before the swap keep
reading the old file (its inode lives until they close); connections opened after see the new
build. A failed or interrupted build removes its file; a SIGKILLed one leaves the file, which the
next build removes. One build per served file at a time (`yibao.duckdb.lock`, flock).

dbt runs as a child process rather than through dbtRunner in this process: this process then
never holds dbt's threads or a DuckDB connection while a build runs, so a SIGINT/SIGTERM is
handled at once (stop dbt, remove its file) instead of waiting for a query in a worker thread;
dbt's global flags and logging stay out of the CLI; and the build is the same `dbt build` that
`dbt` users run, whose run_results.json names the failing nodes.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import fcntl
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.errors import IngestError

PROJECT_DIR = Path(__file__).resolve().parents[1]
STOP_GRACE_SECONDS = 10          # after SIGTERM, dbt gets this long before SIGKILL
FAILED_STATUSES = ("error", "fail", "runtime error")
_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

Echo = Callable[[str], None]


class BuildError(IngestError):
    """A build that did not produce a new served warehouse; the served file is unchanged."""

    exit_code = 1


class BuildRefused(BuildError):
    """A build or rollback that could not start (another build running, nothing to roll back)."""

    exit_code = 2


class BuildInterrupted(BuildError):
    """SIGINT, SIGTERM or SIGHUP arrived during the build."""

    def __init__(self, signum: int, message: str | None = None):
        self.signum = signum
        self.exit_code = 128 + signum
        super().__init__(message or f"interrupted by {_signal_name(signum)}")


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


@dataclass(frozen=True)
class BuildFiles:
    """The files a build uses beside the served warehouse. Temporary ones all start with
    `<served>.build`, so that a stale one left by a killed build is found by name."""

    served: Path

    def _sibling(self, suffix: str) -> Path:
        return self.served.with_name(self.served.name + suffix)

    @property
    def build(self) -> Path:
        """The file dbt builds into. Its name is the same for every build: dbt's partial parse
        is keyed on the profile's path, so a new name per build would re-parse the project."""
        return self._sibling(".build")

    @property
    def previous(self) -> Path:
        return self._sibling(".previous")

    @property
    def lock(self) -> Path:
        return self._sibling(".lock")

    @property
    def previous_link(self) -> Path:
        return self._sibling(".build-previous")

    @property
    def rollback_link(self) -> Path:
        return self._sibling(".build-rollback")

    def temporary(self) -> list[Path]:
        """Every temporary file present: the build file, its WAL and half-made links."""
        return sorted(self.served.parent.glob(glob.escape(self.served.name) + ".build*"))


@dataclass(frozen=True)
class BuildResult:
    served: Path
    nodes: int
    warnings: int
    seconds: float
    copy_seconds: float          # copying the served file into the build file (selections only)
    swap_seconds: float          # checkpoint, fsync and rename
    previous: Path | None


def wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


@contextmanager
def build_lock(files: BuildFiles) -> Iterator[None]:
    """Hold the served file's build lock, or refuse: builds never run side by side."""
    files.served.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(files.lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "unknown"
            raise BuildRefused(
                f"another build of {files.served} is running ({holder}); builds never run side "
                f"by side: wait for it to finish, then build again.") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {dt.datetime.now():%Y-%m-%d %H:%M:%S}\n".encode(), 0)
        yield
    finally:
        os.close(fd)        # releases the lock; the lock file itself stays (removing it would race)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(paths: Sequence[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


@contextmanager
def _signals_raise() -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into BuildInterrupted, once: a second signal during the
    clean-up is ignored, so that the clean-up runs to its end."""
    state = {"raised": False}

    def handler(signum, _frame):
        if not state["raised"]:
            state["raised"] = True
            raise BuildInterrupted(signum)

    try:
        saved = {s: signal.signal(s, handler) for s in _SIGNALS}
    except ValueError:                  # not the main thread: signals stay as they are
        yield
        return
    try:
        yield
    finally:
        for s, previous in saved.items():
            signal.signal(s, previous)


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn that makes the kernel SIGKILL dbt when this process dies (Linux), so that a
    SIGKILLed build leaves no dbt writing on behind it."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)          # PR_SET_PDEATHSIG
        if os.getppid() != parent:                       # the parent died before prctl
            os._exit(1)
    return preexec


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM dbt's process group, then SIGKILL it if it does not end in time."""
    for sig, wait in ((signal.SIGTERM, STOP_GRACE_SECONDS), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


def _dbt_executable() -> str:
    beside = Path(sys.executable).parent / "dbt"
    found = str(beside) if beside.exists() else shutil.which("dbt")
    if not found:
        raise BuildRefused("dbt is not installed in this environment (pip install -e . installs it).")
    return found


def _run(command: list[str], env: dict[str, str], echo: Echo, tail: deque[str],
         started: Callable[[int], None] = lambda pid: None) -> int:
    """Run a dbt command, echoing its output line by line; stop it if this process is told to."""
    proc = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True, preexec_fn=_die_with_parent())
    try:
        started(proc.pid)
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace")
            tail.append(line.rstrip())
            echo(line)
        return proc.wait()
    finally:
        if proc.poll() is None:
            _stop(proc)
        proc.stdout.close()


def _failures(run_results: Path) -> tuple[list[str], int, int, int]:
    """The failing nodes of a dbt run (unique id and first line of the message), and the
    number of nodes run, warned and skipped."""
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    failed = []
    for r in results:
        if r["status"] in FAILED_STATUSES:
            message = (r.get("message") or r["status"]).strip().splitlines()
            failed.append(f"{r['unique_id']} ({message[0][:200] if message else r['status']})")
    warned = sum(r["status"] == "warn" for r in results)
    skipped = sum(r["status"] == "skipped" for r in results)
    return failed, len(results), warned, skipped


def _checkpoint(path: Path) -> None:
    """Fold dbt's WAL into the file, so that the swapped-in warehouse is one self-contained file."""
    con = duckdb.connect(str(path))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
    if wal(path).exists():
        raise BuildError(f"{wal(path)} is still there after CHECKPOINT; the build was not swapped in.")


def _swap(files: BuildFiles, keep_previous: bool) -> Path | None:
    """Put the build on the served path in one rename; the replaced file becomes `.previous`
    (a hard link: no copy) when asked."""
    previous = None
    if keep_previous and files.served.exists():
        files.previous_link.unlink(missing_ok=True)
        os.link(files.served, files.previous_link)
        os.replace(files.previous_link, files.previous)
        previous = files.previous
    os.replace(files.build, files.served)
    _fsync(files.served.parent)          # make the renames durable
    return previous


def build(served: Path, landing: Path, *, select: Sequence[str] = (), exclude: Sequence[str] = (),
          fail_fast: bool = False, docs: bool = False, keep_previous: bool = True,
          target_path: Path | None = None, echo: Echo = print) -> BuildResult:
    """Build the warehouse into `<served>.build` and swap it onto `served` if every model and
    test passed. With `select`/`exclude` the build starts from a copy of the served file, so the
    nodes not selected keep their current tables; without, it starts from an empty file.

    Raises BuildRefused (another build running, no landing), BuildError (dbt failed: the
    message names the failing nodes) or BuildInterrupted; in each case the served file is
    unchanged and the build file removed.
    """
    served, landing = served.absolute(), landing.absolute()
    files = BuildFiles(served)
    if not landing.exists():
        raise BuildRefused(f"{landing}: no landing database; run `python -m ingest load DIR` first.")
    partial = bool(select or exclude)
    if partial and not served.exists():
        raise BuildRefused(f"{served}: no served warehouse to rebuild a selection in; run a full "
                           "build (without --select/--exclude) first.")
    target = (target_path or Path(os.environ.get("DBT_TARGET_PATH", PROJECT_DIR / "target"))).absolute()
    dbt = _dbt_executable()
    env = {**os.environ, "YIBAO_WAREHOUSE": str(files.build), "YIBAO_LANDING": str(landing)}
    env.setdefault("DBT_PROFILES_DIR", str(PROJECT_DIR))
    common = ["--target-path", str(target)]
    if target_path is not None:
        common += ["--log-path", str(target / "logs")]
    if not sys.stdout.isatty():
        common.append("--no-use-colors")
    command = [dbt, "build", *common]
    if select:
        command += ["--select", *select]
    if exclude:
        command += ["--exclude", *exclude]
    if fail_fast:
        command.append("--fail-fast")

    start = time.monotonic()
    with build_lock(files), _signals_raise():
        swapped = False
        try:
            for stale in files.temporary():      # we hold the lock: no live build owns them
                stale.unlink()
                echo(f"build: removed {stale.name}, left by a build that was killed\n")
            copy_start = time.monotonic()
            if partial:
                shutil.copyfile(served, files.build)
                if wal(served).exists():
                    shutil.copyfile(wal(served), wal(files.build))
            copy_seconds = time.monotonic() - copy_start
            tail: deque[str] = deque(maxlen=15)
            (target / "run_results.json").unlink(missing_ok=True)
            code = _run(command, env, echo, tail, started=lambda pid: echo(
                f"build: dbt (pid {pid}) builds into {files.build.name}; {served} serves "
                "until every model and test has passed\n"))
            run_results = target / "run_results.json"
            if not run_results.exists():
                how = (f"was killed by {_signal_name(-code)}" if code < 0
                       else f"stopped (exit code {code}) before it ran any node")
                raise BuildError(f"dbt build {how}; {served} is unchanged and the partial build was "
                                 "removed. Last lines of dbt:\n" + "\n".join(tail))
            failed, nodes, warned, skipped = _failures(run_results)
            if code != 0 or failed:
                listed = "; ".join(failed[:10]) + (f"; and {len(failed) - 10} more" if len(failed) > 10 else "")
                raise BuildError(
                    f"dbt build failed, so {served} is unchanged and the new build was removed. "
                    f"Failed: {listed or 'see dbt output'} ({len(failed)} failed, {skipped} skipped "
                    f"of {nodes}; details in {run_results}).")
            if nodes == 0:
                raise BuildError(f"the selection matched no dbt node; {served} is unchanged.")
            if docs:
                code = _run([dbt, "docs", "generate", *common], env, echo, tail)
                if code != 0:
                    raise BuildError(f"dbt docs generate failed on the new build (exit code {code}); "
                                     f"{served} is unchanged. Last lines of dbt:\n" + "\n".join(tail))
            swap_start = time.monotonic()
            _checkpoint(files.build)
            _fsync(files.build)
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)   # the swap runs to its end
            try:
                previous = _swap(files, keep_previous)
                swapped = True
                swap_seconds = time.monotonic() - swap_start
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        except OSError as exc:                  # disk full, permissions, …
            if swapped:
                raise
            raise BuildError(f"the build could not be completed ({exc}); {served} is unchanged and "
                             "the partial build was removed.") from exc
        except BuildInterrupted as exc:
            name = _signal_name(exc.signum)
            if swapped:
                raise BuildInterrupted(exc.signum, f"{name} arrived just after the new build was "
                                       f"swapped in: {served} is the new build.") from None
            raise BuildInterrupted(exc.signum, f"build interrupted by {name}: dbt was stopped and "
                                   f"the partial build removed; {served} is unchanged.") from None
        finally:
            if not swapped:
                _remove([files.build, wal(files.build), files.previous_link])
    return BuildResult(served, nodes, warned, time.monotonic() - start, copy_seconds, swap_seconds, previous)


def rollback(served: Path) -> Path:
    """Swap `<served>.previous` back onto the served path; the build it replaces becomes the
    new `.previous`, so a second rollback undoes the first."""
    served = served.absolute()
    files = BuildFiles(served)
    with build_lock(files):
        if not files.previous.exists():
            raise BuildRefused(f"{files.previous}: no previous build to roll back to "
                               "(builds keep one unless run with --no-keep-previous).")
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)   # three renames, run to the end
        try:
            if served.exists():
                files.rollback_link.unlink(missing_ok=True)
                os.link(served, files.rollback_link)
            os.replace(files.previous, served)
            if files.rollback_link.exists():
                os.replace(files.rollback_link, files.previous)
            _fsync(served.parent)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    return served
