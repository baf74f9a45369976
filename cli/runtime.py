"""The Temporal runtime of a command, ended while the interpreter is still whole.

The SDK's core runs in Rust threads of a runtime of its own. The default runtime lives in a module global
until the interpreter is torn down, and when those threads are still alive then, one of them can touch the
interpreter mid-finalisation: the process aborts (``Fatal Python error: PyGILState_Release``, exit 134)
after the command has printed its whole answer. So every client of a command runs on this runtime, which
is let go at exit (atexit runs before finalisation): the last reference dropped shuts the runtime down
and joins its threads, with the interpreter still running."""

import atexit
import gc
import traceback

from temporalio.bridge.client import RPCError as CoreRPCError
from temporalio.runtime import Runtime, TelemetryConfig

_runtime: Runtime | None = None


def command_runtime() -> Runtime:
    """The one runtime of this process's commands (several commands in one process, as in tests, share it)."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(telemetry=TelemetryConfig())
        atexit.register(release)
    return _runtime


def release() -> None:
    """Let the runtime go; clients still held by finished frames (an exception's traceback) are collected with it."""
    global _runtime
    _runtime = None
    _unhook_failed_calls()
    gc.collect()


def _unhook_failed_calls() -> None:
    """Empty the frames of every failed call's error, so that no client outlives the command through them.

    The asyncio future a failed call completed stays referenced from the SDK's core after the command, now and
    then (a reference Python's garbage collector cannot see), and with it the error it holds, whose traceback's
    frames hold the client and so the runtime: its threads then live on into the interpreter's teardown."""
    for obj in gc.get_objects():
        if isinstance(obj, CoreRPCError) and obj.__traceback__ is not None:
            traceback.clear_frames(obj.__traceback__)
