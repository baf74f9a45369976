"""The workflow code keeps to what replays the same every time. The worker runs workflows without the SDK's sandbox
(worker.workflow_runner), so nothing checks at run time the calls they make: a workflow that read the clock, drew
random numbers, slept or did I/O would run, and one that kept state at module level would share it with every other
workflow of the process. Read here from the source of the workflows and of the planning they call: such code fails
this test; the recorded histories (test_replay.py) catch a change of order."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What workflow code runs, beside temporalio's own workflow API (workflow.now(), workflow.random(), workflow.uuid4()).
CHECKED = sorted([*(ROOT / "workflows").glob("*.py"), *(ROOT / "planning").glob("*.py")])
# Calls whose answer differs between a run and its replay, or that wait or reach outside.
FORBIDDEN_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "monotonic"),
    ("time", "perf_counter"),
    ("time", "sleep"),
    ("asyncio", "sleep"),
    ("uuid", "uuid1"),
    ("uuid", "uuid4"),
    ("os", "getenv"),
    ("os", "urandom"),
}
FORBIDDEN_NAMES = {"open", "input", "print"}
# Calls that make something changeable, which bound at module level every workflow of the worker would share.
MUTABLE_CONSTRUCTORS = {"list", "dict", "set", "defaultdict", "OrderedDict", "Counter", "deque", "bytearray"}
# Modules that reach outside the process or read the host's state.
FORBIDDEN_IMPORTS = {"random", "secrets", "socket", "subprocess", "httpx", "aiosmtplib", "sqlalchemy", "requests"}


def _problems(source: str, filename: str) -> list[str]:
    tree = ast.parse(source, filename)
    found = _shared_state(tree, filename)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            if (
                isinstance(function, ast.Attribute)
                and isinstance(function.value, ast.Name)
                and (function.value.id, function.attr) in FORBIDDEN_CALLS
            ):
                found.append(f"{filename}:{node.lineno}: {function.value.id}.{function.attr}()")
            elif isinstance(function, ast.Name) and function.id in FORBIDDEN_NAMES:
                found.append(f"{filename}:{node.lineno}: {function.id}()")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) == ("os", "environ"):
                found.append(f"{filename}:{node.lineno}: os.environ")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [alias.name for alias in node.names]
            found += [
                f"{filename}:{node.lineno}: import {name}" for name in names if name.split(".")[0] in FORBIDDEN_IMPORTS
            ]
        elif isinstance(node, ast.Global):
            found.append(f"{filename}:{node.lineno}: global")
    return found


def _shared_state(tree: ast.Module, filename: str) -> list[str]:
    """Module-level names bound to something that can change (a list, dict or set): state that every workflow of the
    worker would share and that a replay would not see as it was (``global`` statements are named by the caller)."""
    found = []
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        mutable = isinstance(value, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp | ast.SetComp) or (
            isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in MUTABLE_CONSTRUCTORS
        )
        if mutable:
            found.append(f"{filename}:{node.lineno}: module-level {type(value).__name__.lower()}")
    return found


@pytest.mark.parametrize("path", CHECKED, ids=lambda path: str(path.relative_to(ROOT)))
def test_workflow_code_reads_no_clock_randomness_or_outside_world(path: Path):
    assert not _problems(path.read_text(), str(path.relative_to(ROOT)))


@pytest.mark.parametrize(
    "line",
    [
        "from datetime import datetime\nstarted = datetime.now()",
        "import time\ntime.sleep(1)",
        "import asyncio\nawait asyncio.sleep(5)",
        "import random\nchoice = random.choice([1, 2])",
        "import uuid\nkey = uuid.uuid4()",
        "import os\nzone = os.environ['TZ']",
        "policy = open('policy.json').read()",
        "import httpx",
        "SEEN = set()",
        "ROLES = {'hr': 'HR'}",
        "QUEUE: list[str] = []",
        "def note(case):\n    global LAST\n    LAST = case",
    ],
)
def test_a_call_that_differs_on_replay_is_named(line: str):
    assert _problems(line.replace("await ", ""), "workflows/example.py")
