"""Warm Jupyter kernels: one IPython kernel kept alive per report worker process, reused for
every school's notebook, with a clean user namespace for each notebook.

Why: starting a kernel and importing what the school notebook needs (IPython display, DuckDB,
``hocba_audit.report_school``) costs about 1.5-2.5 s per notebook; the notebook's own work is a
few hundred milliseconds. Papermill's maintainers point at a custom engine for this
(nteract/papermill#326, #616): papermill's default engine starts and shuts down a kernel per
notebook, and passing it a running kernel manager (``km=``) leaves a kernel client (three
ZeroMQ channels) open per notebook and waits >= 0.2 s for each new client to be ready.
``WarmEngine`` (registered as ``hocba-warm``) runs the notebook with papermill's own client
(parameters, error banner, cell metadata, partial notebook on failure are papermill's) on the
worker's ``WarmKernel`` and its one kernel client.

Clean namespace: before each notebook the kernel runs ``get_ipython().reset(new_session=True)``
(the user namespace, ``In``/``Out``, the output cache and the input history are cleared -- the
``%reset -f`` magic keeps the input history; imported modules stay in ``sys.modules``, which is
the point), goes back to the notebook's folder and restarts execution counts at 1, so
the executed notebook is numbered as a fresh kernel would number it. What ``%reset`` does not
undo is process-wide state a notebook might change (environment variables, monkeypatched
modules, module-level caches); the report notebooks change none of it, and module caches that
exist (``labels``: profile labels, subject names) are configuration, identical for every school.
``tests/test_kernel_pool.py`` checks that a name defined by one notebook is not visible to the
next on the same kernel, and that the namespace equals a fresh kernel's.

Robustness: the kernel talks over IPC sockets in a private temporary folder (no TCP ports, so no
port races between the two workers' kernels); a kernel found dead before a notebook is restarted;
a kernel that dies during a notebook (``DeadKernelError``) is restarted and the notebook run
once more; a timed-out or interrupted notebook restarts the kernel before the next one. The
kernel is shut down, and its folder removed, by ``shutdown()`` (the report pool registers it
to run when the worker process exits); a kernel whose worker is killed exits by itself
(ipykernel polls its parent process).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

ENGINE_NAME = "hocba-warm"

#: Run (silently, no history) before each notebook: a fresh user namespace in ``cwd``.
_RESET = """\
get_ipython().reset(new_session=True)
__import__("os").chdir({cwd!r})
get_ipython().execution_count = 1
"""


class KernelError(RuntimeError):
    """The warm kernel could not start or run a control command (a ``RuntimeError`` so that the
    report worker retries it like any kernel-start failure)."""


class WarmKernel:
    """One IPython kernel reused across notebooks.

    Args:
        kernel_name: the Jupyter kernel spec.
        preload: modules imported once when the kernel starts (kept across resets).
        startup_timeout: seconds to wait for the kernel to answer after start.
    """

    def __init__(self, kernel_name: str = "python3", preload: tuple[str, ...] = (),
                 startup_timeout: float = 60.0) -> None:
        self.kernel_name = kernel_name
        self.preload = preload
        self.startup_timeout = startup_timeout
        self.km: Any = None
        #: one client for the kernel's life, shared by the reset commands and papermill's
        #: notebook client (a new client per notebook costs >= 0.2 s in ``wait_for_ready``,
        #: and a second client would queue every notebook's IOPub output unread)
        self.kc: Any = None
        self._dir: str | None = None
        self.starts = 0  # kernels started so far (1 = never restarted)
        self.notebooks = 0  # notebooks run on this object
        self._ready = False
        self._dirty = False  # a notebook ended abnormally: restart before the next one

    # ---- life cycle -----------------------------------------------------------------------

    def launch(self) -> None:
        """Start the kernel process without waiting for it (``ensure_ready`` waits)."""
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self._discard()
        self._dir = tempfile.mkdtemp(prefix="hocba-kernel-")
        env = dict(os.environ)
        env["JUPYTER_RUNTIME_DIR"] = os.path.join(self._dir, "runtime")
        env["IPYTHONDIR"] = os.path.join(self._dir, "ipython")
        env.pop("PYDEVD_USE_FRAME_EVAL", None)
        self.km = AsyncKernelManager(
            kernel_name=self.kernel_name, transport="ipc", ip=os.path.join(self._dir, "k"),
            connection_file=os.path.join(self._dir, "kernel.json"))
        try:
            run_sync(self.km.start_kernel)(
                env=env, cwd=os.getcwd(),
                extra_arguments=["--HistoryManager.hist_file=:memory:"])
        except Exception as exc:
            self._discard()
            raise KernelError(f"Kernel '{self.kernel_name}' could not start: {exc}") from exc
        self.starts += 1
        self._ready = False
        self._dirty = False

    def ensure_ready(self) -> None:
        """Start (or restart) the kernel if it is missing or dead; wait until it answers and
        has imported ``preload``."""
        if self.km is None or self._dirty or not self.alive():
            self.launch()
        if self._ready:
            return
        from jupyter_core.utils import run_sync

        try:
            self.kc = self.km.client()
            self.kc.start_channels()
            run_sync(self.kc.wait_for_ready)(timeout=self.startup_timeout)
            self.kc.allow_stdin = False
        except Exception as exc:
            self._discard()
            raise KernelError(f"Kernel '{self.kernel_name}' did not answer: {exc}") from exc
        if self.preload:
            self.run("\n".join(f"import {m}" for m in self.preload))
        self._ready = True

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        if self.km is None:
            return False
        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False

    @property
    def pid(self) -> int | None:
        prov = getattr(self.km, "provisioner", None)
        proc = getattr(prov, "process", None)
        return getattr(proc, "pid", None)

    def shutdown(self) -> None:
        """Stop the kernel and remove its folder; safe to call more than once."""
        self._discard()

    def _discard(self) -> None:
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:
                pass
            self.kc = None
        if self.km is not None:
            try:
                if run_sync(self.km.is_alive)():
                    run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:
                pass
            try:
                run_sync(self.km.cleanup_resources)()
            except Exception:
                pass
            self.km = None
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        self._ready = False

    # ---- commands -------------------------------------------------------------------------

    def run(self, code: str, timeout: float = 60.0) -> None:
        """Run ``code`` silently (no output, no history); raise ``KernelError`` if it fails.
        (Its IOPub messages are skipped by the next notebook's client: they have another
        parent message.)"""
        from jupyter_core.utils import run_sync

        kc = self.kc
        msg_id = kc.execute(code, silent=True, store_history=False)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._dirty = True
                raise KernelError(f"Kernel command timed out: {code[:60]!r}")
            try:
                reply = run_sync(kc.get_shell_msg)(timeout=min(left, 1.0))
            except Exception:  # queue.Empty: check the kernel is still there
                if not self.alive():
                    self._dirty = True
                    raise KernelError("Kernel died during a command.") from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if reply["content"].get("status") != "ok":
            c = reply["content"]
            raise KernelError(f"Kernel command failed: {c.get('ename')}: {c.get('evalue')}")

    def reset(self, cwd: str | os.PathLike) -> None:
        """A fresh user namespace in ``cwd``, execution counts from 1."""
        self.run(_RESET.format(cwd=str(Path(cwd).absolute())))

    def prepare(self, cwd: str | os.PathLike) -> None:
        """Ready for the next notebook: alive (restarted if not), namespace reset."""
        self.ensure_ready()
        try:
            self.reset(cwd)
        except KernelError:
            self._dirty = True
            self.ensure_ready()
            self.reset(cwd)

    def mark_dirty(self) -> None:
        """Restart the kernel before the next notebook (it may still be busy or broken)."""
        self._dirty = True

    def __enter__(self) -> "WarmKernel":
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def _engine():
    """The ``hocba-warm`` papermill engine class (papermill imported on first use)."""
    from nbclient.exceptions import DeadKernelError
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    class WarmEngine(NBClientEngine):
        """Papermill's nbclient engine on a ``WarmKernel`` (``warm_kernel=`` engine argument)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None,
                                     warm_kernel: WarmKernel | None = None, **kwargs):
            if warm_kernel is None:
                return super().execute_managed_notebook(
                    nb_man, kernel_name, log_output=log_output, stdout_file=stdout_file,
                    stderr_file=stderr_file, start_timeout=start_timeout,
                    execution_timeout=execution_timeout, **kwargs)
            kwargs = remove_args(["input_path", "timeout", "startup_timeout", "km"], **kwargs)
            cwd = os.getcwd()  # papermill runs the engine inside execute_notebook's cwd
            for attempt in (1, 2):
                warm_kernel.prepare(cwd)
                client = PapermillNotebookClient(nb_man, km=warm_kernel.km, **merge_kwargs(
                    kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                    kernel_name=kernel_name, log=logger, log_output=log_output,
                    stdout_file=stdout_file, stderr_file=stderr_file))
                client.kc = warm_kernel.kc  # the kernel's client: kept open, not stopped here
                try:
                    return client.execute(cleanup_kc=False)
                except DeadKernelError:
                    warm_kernel.mark_dirty()
                    if attempt == 2:
                        raise
                    # run it again from the top on a new kernel
                    for cell in nb_man.nb.cells:
                        if cell.cell_type == "code":
                            cell.outputs, cell.execution_count = [], None
                except BaseException:
                    warm_kernel.mark_dirty()  # timeout, interrupt: the kernel may still be busy
                    raise
                finally:
                    warm_kernel.notebooks += 1
            return None  # not reached

    papermill_engines.register(ENGINE_NAME, WarmEngine)
    return WarmEngine


_REGISTERED = False


def register_engine() -> None:
    """Register the ``hocba-warm`` engine with papermill (idempotent)."""
    global _REGISTERED
    if not _REGISTERED:
        _engine()
        _REGISTERED = True
