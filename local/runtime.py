"""Runs the template's functions as Lambda would: one warm process per concurrent request.

Each function gets its own small pool of worker processes (multiprocessing ``spawn``, so no
state leaks from the parent), started on its first invocation and kept warm. A worker sets the
function's environment *before* importing the handler, puts the function's folder and its
layers on ``sys.path``, and loads the handler module from its file under a unique name, so
module-level state (settings, clients, powertools) is per function exactly like in Lambda.

:class:`Runtime` is the dispatcher: anything (the API gateway, the scheduler, the SQS poller,
``local invoke``) calls ``runtime.invoke(logical_id, event)`` and gets an :class:`Invocation`.
A worker that overruns the function's Timeout is killed, as Lambda kills the sandbox.

The event sources at the end deliver Schedule/ScheduleV2, SQS and S3 events from the template
to the dispatcher; each exposes a one-step method (``fire_due``, ``poll_once``) so tests can
drive it with an injected clock instead of waiting.
"""

from __future__ import annotations

import calendar
import contextlib
import importlib.util
import json
import logging
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import ModuleType
from typing import Any

from local.bootstrap import STACK_PROVIDED_VARIABLES, Stack, client
from local.events import s3_event, scheduled_event, sqs_event
from local.moto_server import fake_aws_environment
from local.template import Template, as_env_value

log = logging.getLogger("local.runtime")

PYTHON_RUNTIME_PREFIX = "python"
DEFAULT_TIMEOUT = 3
DEFAULT_MEMORY = 128
INIT_TIMEOUT = 60.0  # importing a handler is slow the first time .pyc files are written
_INHERITED_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TERM", "SYSTEMROOT")


LOCAL_AWS_READ_TIMEOUT = "60"
"""moto answers far slower than AWS under load; a read timeout there makes botocore retry writes
that already happened (the emulator ignores DynamoDB's idempotency tokens)."""


def timeout_factor() -> float:
    """``BYLINE_LOCAL_TIMEOUT_FACTOR`` stretches every function's Timeout: moto on a busy
    2-core machine (a CI runner) can be many times slower than AWS, and a test should fail on
    wrong behaviour, not on a loaded emulator. 1 (exactly the template's Timeout) by default."""
    try:
        return max(1.0, float(os.environ.get("BYLINE_LOCAL_TIMEOUT_FACTOR", "1")))
    except ValueError:
        return 1.0


@dataclass(frozen=True)
class FunctionSpec:
    """Everything a worker needs to become one function; picklable for ``spawn``."""

    logical_id: str
    function_name: str
    code_dir: str
    handler: str
    environment: dict[str, str]
    timeout: float
    memory_mb: int
    python_paths: tuple[str, ...]
    arn: str
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    configured: dict[str, str] = field(default_factory=dict)
    """The variables template.yaml sets (Globals merged with the function's own)."""

    @property
    def module_file(self) -> Path:
        module, _ = self.handler.rsplit(".", 1)
        return Path(self.code_dir, *module.split(".")).with_suffix(".py")

    @property
    def handler_name(self) -> str:
        return self.handler.rsplit(".", 1)[1]

    @property
    def code_folder(self) -> str:
        """The folder name under functions/, which also names its file in events/."""
        return Path(self.code_dir).name


def function_specs(stack: Stack) -> dict[str, FunctionSpec]:
    """A spec for every Python function of the template, with its environment resolved."""
    template = stack.template
    resolver = stack.resolver
    specs: dict[str, FunctionSpec] = {}
    for logical_id in template.of_type("AWS::Serverless::Function"):
        if not resolver.is_included(logical_id):
            continue
        raw = template.properties(logical_id)
        props = resolver.resolve(raw)
        runtime = str(props.get("Runtime", ""))
        if not runtime.startswith(PYTHON_RUNTIME_PREFIX) or "CodeUri" not in props:
            log.warning("%s: only Python functions with a CodeUri run locally", logical_id)
            continue
        code_dir = (template.root / str(props["CodeUri"])).resolve()
        name = str(stack.ref(logical_id))
        # Less what the local stack provides itself (moto's endpoint, not the template's "").
        configured = {
            k: as_env_value(v)
            for k, v in ((props.get("Environment") or {}).get("Variables") or {}).items()
            if k not in STACK_PROVIDED_VARIABLES
        }
        memory = int(props.get("MemorySize", DEFAULT_MEMORY))
        specs[logical_id] = FunctionSpec(
            logical_id=logical_id,
            function_name=name,
            code_dir=str(code_dir),
            handler=str(props.get("Handler", "app.lambda_handler")),
            environment=lambda_environment(stack, name, memory, str(code_dir), props)
            | configured
            | fake_aws_environment(stack.endpoint, stack.region)
            | {"POWERTOOLS_TRACE_DISABLED": "true", "AWS_READ_TIMEOUT": LOCAL_AWS_READ_TIMEOUT},
            timeout=float(props.get("Timeout", DEFAULT_TIMEOUT)) * timeout_factor(),
            memory_mb=memory,
            python_paths=(str(code_dir), *layer_paths(template, raw.get("Layers") or [])),
            arn=str(stack.get_att(logical_id, "Arn")),
            events=dict(props.get("Events") or {}),
            configured=configured,
        )
    return specs


def lambda_environment(
    stack: Stack, name: str, memory: int, code_dir: str, props: Mapping[str, Any]
) -> dict[str, str]:
    """The variables the Lambda runtime itself sets, plus a clean minimum of the host's."""
    inherited = {k: os.environ[k] for k in _INHERITED_VARIABLES if k in os.environ}
    return inherited | {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]local",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{props.get('Runtime', 'python3.13')}",
        "LAMBDA_TASK_ROOT": code_dir,
        "_HANDLER": str(props.get("Handler", "app.lambda_handler")),
        "TZ": ":UTC",
    }


def layer_paths(template: Template, layers: list[Any]) -> list[str]:
    """Directories of the template's own layers (``!Ref`` to a LayerVersion), as on /opt/python."""
    paths: list[str] = []
    for layer in layers:
        if isinstance(layer, dict) and isinstance(layer.get("Ref"), str):
            resource = template.resources.get(layer["Ref"], {})
            content = (resource.get("Properties") or {}).get("ContentUri")
            if resource.get("Type") == "AWS::Serverless::LayerVersion" and content:
                root = (template.root / str(content)).resolve()
                python = root / "python"
                paths.append(str(python if python.is_dir() else root))
    return paths


# ---------------------------------------------------------------- inside the worker


class LambdaContext:
    """The context object of the Python runtime (awslambdaric), attribute for attribute.

    ``memory_limit_in_mb`` is a string there too: it is read from the environment.
    """

    def __init__(self, spec: FunctionSpec, request_id: str, deadline_ms: int) -> None:
        self.aws_request_id = request_id
        self.function_name = spec.function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec.arn
        self.memory_limit_in_mb = str(spec.memory_mb)
        self.log_group_name = f"/aws/lambda/{spec.function_name}"
        self.log_stream_name = spec.environment.get("AWS_LAMBDA_LOG_STREAM_NAME", "local")
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)


def load_handler(spec: FunctionSpec) -> Callable[[Any, Any], Any]:
    """Import a function's handler from its file under a module name unique to the function."""
    for path in reversed(spec.python_paths):
        if path not in sys.path:
            sys.path.insert(0, path)
    module_name = f"byline_local_fn_{spec.logical_id}"
    module_spec = importlib.util.spec_from_file_location(module_name, spec.module_file)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load {spec.module_file}")
    module: ModuleType = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    handler = getattr(module, spec.handler_name, None)
    if not callable(handler):
        raise AttributeError(f"{spec.module_file} has no function {spec.handler_name}")
    return handler  # type: ignore[no-any-return]


def error_payload(error: BaseException, error_type: str | None = None) -> dict[str, Any]:
    """How Lambda reports an unhandled exception to the invoker."""
    return {
        "errorMessage": str(error),
        "errorType": error_type or type(error).__name__,
        "requestId": "",
        "stackTrace": traceback.format_tb(error.__traceback__),
    }


def _worker_main(spec: FunctionSpec, conn: Connection, stdout_to_stderr: bool) -> None:
    """The body of a worker process: become the function, then serve invocations."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    if stdout_to_stderr:
        sys.stdout.flush()
        os.dup2(2, 1)
    os.environ.clear()
    os.environ.update(spec.environment)
    time.tzset()
    with contextlib.suppress(OSError):
        os.chdir(spec.code_dir)
    try:
        handler = load_handler(spec)
    except BaseException as error:  # the init phase failed: Lambda reports and retries later
        traceback.print_exc()
        conn.send(("init_error", error_payload(error, "Runtime.ImportModuleError")))
        return
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        event_json, request_id, deadline_ms = message
        context = LambdaContext(spec, request_id, deadline_ms)
        try:
            result = handler(json.loads(event_json), context)
        except Exception as error:
            traceback.print_exc()
            payload = error_payload(error)
            payload["requestId"] = request_id
            conn.send(("error", payload))
            continue
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        try:
            conn.send(("ok", json.dumps(result)))
        except (TypeError, ValueError) as error:
            conn.send(("error", error_payload(error, "Runtime.MarshalError")))


# ---------------------------------------------------------------- the parent's side


@dataclass(frozen=True)
class Invocation:
    """The outcome of one invocation: a result, a function error, or a timeout."""

    request_id: str
    result: Any = None
    error: dict[str, Any] | None = None
    timed_out: bool = False
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


class _Worker:
    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


WORKER_START_METHOD = "spawn"
"""How worker processes start. ``spawn`` (the default, what ``make dev`` and ``local invoke``
use): a new interpreter per worker, which imports everything itself, as a Lambda cold start
does. ``forkserver`` (what tests/conftest.py sets for the test process, which starts a worker
for every function it reaches, on each pytest worker): the workers are forked from one server
process that was itself started fresh (nothing of the test process's state is in it) and has
imported only :data:`WORKER_PRELOAD`, third-party libraries that read no configuration when
imported; each worker still clears and sets its function's environment before it imports the
layer and the handler. That saves each worker the interpreter start, re-importing the parent's
``__main__`` (pytest) and importing boto3 and pydantic."""

WORKER_PRELOAD = (
    "__main__",
    "local.runtime",
    "boto3",
    "botocore.client",
    "botocore.session",
    "pydantic.main",
)
"""Not powertools: it reads ``AWS_EXECUTION_ENV`` when imported (for its user agent), which
the function's environment sets."""


def stop_worker_server() -> None:
    """Stop the forkserver (if one was started) and wait for it, so that it and the workers it
    reaped are accounted to this process and nothing outlives it."""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    if server is not None and getattr(server, "_forkserver_pid", None) is not None:
        server._stop()


def _worker_context() -> Any:
    if WORKER_START_METHOD != "forkserver":
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(WORKER_PRELOAD))
    return context


class _Pool:
    """Up to ``size`` warm workers of one function; callers wait when all are busy."""

    def __init__(self, spec: FunctionSpec, size: int, stdout_to_stderr: bool) -> None:
        self.spec = spec
        self._size = size
        self._stdout_to_stderr = stdout_to_stderr
        self._idle: list[_Worker] = []
        self._count = 0
        self._all: set[_Worker] = set()
        self._cond = threading.Condition()
        self._closed = False

    @contextlib.contextmanager
    def worker(self) -> Iterator[_Worker]:
        worker = self._acquire()
        healthy = False
        try:
            yield worker
            healthy = True
        finally:
            self._release(worker, healthy)

    def _acquire(self) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("the runtime is shutting down")
                if self._idle:
                    return self._idle.pop()
                if self._count < self._size:
                    self._count += 1
                    break
                self._cond.wait()
        try:
            worker = self._start()
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise
        with self._cond:
            self._all.add(worker)
        return worker

    def _start(self) -> _Worker:
        context = _worker_context()
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=_worker_main,
            args=(self.spec, child_end, self._stdout_to_stderr),
            name=f"lambda:{self.spec.logical_id}",
            daemon=True,
        )
        process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        if not parent_end.poll(INIT_TIMEOUT):
            worker.kill()
            raise InitError({"errorMessage": "init timed out", "errorType": "Runtime.InitError"})
        try:
            status, payload = parent_end.recv()
        except (EOFError, OSError) as error:
            worker.kill()
            raise InitError(error_payload(error, "Runtime.ExitError")) from error
        if status != "ready":
            worker.kill()
            raise InitError(payload)
        return worker

    def _release(self, worker: _Worker, healthy: bool) -> None:
        with self._cond:
            if healthy and not self._closed and worker.process.is_alive():
                self._idle.append(worker)
            else:
                self._all.discard(worker)
                self._count -= 1
                worker.kill()
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            workers = list(self._all)
            self._idle.clear()
            self._cond.notify_all()
        for worker in workers:
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send(None)
        for worker in workers:
            worker.process.join(2)
            worker.kill()


class InitError(Exception):
    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("errorMessage", "init failed"))
        self.payload = payload


class Runtime:
    """The dispatcher: invoke any function of the stack by logical id with any event."""

    def __init__(
        self,
        specs: Mapping[str, FunctionSpec],
        *,
        workers_per_function: int = 4,
        stdout_to_stderr: bool = False,
    ) -> None:
        self.specs = dict(specs)
        self._pools = {
            lid: _Pool(spec, workers_per_function, stdout_to_stderr) for lid, spec in specs.items()
        }

    def invoke(self, logical_id: str, event: Any, *, request_id: str | None = None) -> Invocation:
        if logical_id not in self._pools:
            raise KeyError(f"no function {logical_id} in the template")
        request_id = request_id or str(uuid.uuid4())
        spec = self.specs[logical_id]
        started = time.monotonic()
        try:
            with self._pools[logical_id].worker() as worker:
                return self._invoke_on(worker, spec, event, request_id, started)
        except InitError as error:
            log.error("%s failed to initialise: %s", logical_id, error)
            return Invocation(request_id, error=error.payload, duration_ms=_since(started))
        except _Crashed as crashed:
            log.error("%s %s: %s", logical_id, request_id, crashed)
            return crashed.invocation

    def _invoke_on(
        self, worker: _Worker, spec: FunctionSpec, event: Any, request_id: str, started: float
    ) -> Invocation:
        deadline_ms = int(time.time() * 1000 + spec.timeout * 1000)
        worker.conn.send((json.dumps(event), request_id, deadline_ms))
        if not worker.conn.poll(spec.timeout):
            worker.kill()
            message = f"Task timed out after {spec.timeout:.2f} seconds"
            log.error("%s %s: %s", spec.logical_id, request_id, message)
            return Invocation(
                request_id,
                error={"errorMessage": message, "errorType": "Sandbox.Timedout"},
                timed_out=True,
                duration_ms=_since(started),
            )
        try:
            status, payload = worker.conn.recv()
        except (EOFError, OSError) as error:
            worker.kill()
            code = worker.process.exitcode
            message = f"Runtime exited with error: exit status {code}"
            raise _Crashed(
                Invocation(
                    request_id,
                    error={"errorMessage": message, "errorType": "Runtime.ExitError"},
                    duration_ms=_since(started),
                )
            ) from error
        if status == "ok":
            return Invocation(request_id, result=json.loads(payload), duration_ms=_since(started))
        return Invocation(request_id, error=payload, duration_ms=_since(started))

    def close(self) -> None:
        """Stop every worker; safe to call more than once."""
        for pool in self._pools.values():
            pool.close()


class _Crashed(Exception):
    def __init__(self, invocation: Invocation) -> None:
        super().__init__(invocation.error)
        self.invocation = invocation


def _since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


# ---------------------------------------------------------------- schedules

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


class ScheduleError(ValueError):
    """A schedule expression the local scheduler does not understand."""


def _cron_field(text: str, low: int, high: int, names: Mapping[str, int]) -> set[int] | None:
    """The values a cron field allows; None for ``*`` and ``?`` (anything)."""
    if text in ("*", "?"):
        return None
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            first, last = part.split("-", 1)
            start, end = _cron_value(first, names), _cron_value(last, names)
        else:
            start = _cron_value(part, names)
            end = high if "/" in text else start
        if not low <= start <= high or not low <= end <= high:
            raise ScheduleError(f"{text!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


def _cron_value(text: str, names: Mapping[str, int]) -> int:
    upper = text.upper()
    if upper in names:
        return names[upper]
    if not text.isdigit():
        raise ScheduleError(f"{text!r} is not supported locally (L, W and # are not)")
    return int(text)


@dataclass(frozen=True)
class Cron:
    """An EventBridge cron expression: minutes hours day-of-month month day-of-week year."""

    minutes: set[int] | None
    hours: set[int] | None
    days: set[int] | None
    months: set[int] | None
    weekdays: set[int] | None  # 1 = Sunday, as EventBridge counts
    years: set[int] | None

    @classmethod
    def parse(cls, fields: str) -> Cron:
        parts = fields.split()
        if len(parts) != 6:
            raise ScheduleError(f"cron({fields}) needs 6 fields")
        return cls(
            minutes=_cron_field(parts[0], 0, 59, {}),
            hours=_cron_field(parts[1], 0, 23, {}),
            days=_cron_field(parts[2], 1, 31, {}),
            months=_cron_field(parts[3], 1, 12, _MONTHS),
            weekdays=_cron_field(parts[4], 1, 7, _DAYS),
            years=_cron_field(parts[5], 1970, 2199, {}),
        )

    def matches_day(self, moment: datetime) -> bool:
        weekday = (moment.weekday() + 1) % 7 + 1  # Monday=0 in Python; Sunday=1 in cron
        return (
            (self.years is None or moment.year in self.years)
            and (self.months is None or moment.month in self.months)
            and (self.days is None or moment.day in self.days)
            and (self.weekdays is None or weekday in self.weekdays)
        )

    def next_after(self, moment: datetime) -> datetime:
        candidate = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = candidate + timedelta(days=366 * 5)
        while candidate < limit:
            if not self.matches_day(candidate):
                candidate = (candidate + timedelta(days=1)).replace(hour=0, minute=0)
            elif self.hours is not None and candidate.hour not in self.hours:
                candidate = (candidate + timedelta(hours=1)).replace(minute=0)
            elif self.minutes is not None and candidate.minute not in self.minutes:
                candidate += timedelta(minutes=1)
            else:
                return candidate
        raise ScheduleError("the cron expression never fires")


def next_fire(expression: str, after: datetime, started: datetime) -> datetime:
    """When a ``rate(...)`` or ``cron(...)`` schedule next fires after ``after``.

    Rates count from ``started`` (when the rule was created); crons are evaluated in UTC.
    """
    expression = expression.strip()
    if rate := _RATE.match(expression):
        amount, unit = int(rate.group(1)), rate.group(2).rstrip("s")
        period = timedelta(**{f"{unit}s": amount})
        if period <= timedelta(0):
            raise ScheduleError(f"{expression}: the rate must be positive")
        elapsed = max(after - started, timedelta(0))
        return started + period * (elapsed // period + 1)
    if cron := _CRON.match(expression):
        return Cron.parse(cron.group(1)).next_after(after)
    raise ScheduleError(f"{expression!r} is neither rate(...) nor cron(...)")


@dataclass
class Schedule:
    logical_id: str
    event_name: str
    expression: str
    rule_arn: str
    input: Any | None
    v2: bool
    next_at: datetime


def schedules(specs: Mapping[str, FunctionSpec], stack: Stack, now: datetime) -> list[Schedule]:
    """Every enabled Schedule and ScheduleV2 event of the template's functions."""
    found: list[Schedule] = []
    for spec in specs.values():
        for name, event in spec.events.items():
            kind, props = event.get("Type"), event.get("Properties") or {}
            if kind not in ("Schedule", "ScheduleV2"):
                continue
            enabled = props.get("Enabled", True) is not False and str(
                props.get("State", "ENABLED")
            ).upper() not in ("DISABLED", "FALSE")
            if not enabled:
                continue
            expression = str(props.get("Schedule") or props.get("ScheduleExpression"))
            rule = str(props.get("Name") or f"{spec.function_name}{name}")
            service = "scheduler" if kind == "ScheduleV2" else "events"
            resource = "schedule/default" if kind == "ScheduleV2" else "rule"
            found.append(
                Schedule(
                    logical_id=spec.logical_id,
                    event_name=name,
                    expression=expression,
                    rule_arn=f"arn:aws:{service}:{stack.region}:{stack.account_id}:{resource}/{rule}",
                    input=json.loads(props["Input"]) if props.get("Input") else None,
                    v2=kind == "ScheduleV2",
                    next_at=next_fire(expression, now, now),
                )
            )
    return found


class Scheduler:
    """Fires schedule events at their times; ``fire_due(now)`` is one step of the loop."""

    def __init__(
        self,
        runtime: Runtime,
        entries: list[Schedule],
        *,
        started: datetime,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        region: str = "us-east-1",
        account_id: str = "123456789012",
    ) -> None:
        self._runtime = runtime
        self.entries = entries
        self._started = started
        self._clock = clock
        self._region = region
        self._account_id = account_id
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def event_for(self, entry: Schedule, moment: datetime) -> Any:
        """Input replaces the event when given; EventBridge Scheduler sends ``{}`` without it."""
        if entry.input is not None:
            return entry.input
        if entry.v2:
            return {}
        return scheduled_event(
            entry.rule_arn, moment, region=self._region, account_id=self._account_id
        )

    def fire_due(self, now: datetime) -> list[tuple[Schedule, Invocation]]:
        fired: list[tuple[Schedule, Invocation]] = []
        for entry in self.entries:
            if entry.next_at <= now:
                invocation = self._runtime.invoke(entry.logical_id, self.event_for(entry, now))
                log.info(
                    "schedule %s.%s (%s) → %s",
                    entry.logical_id,
                    entry.event_name,
                    entry.expression,
                    "ok" if invocation.ok else invocation.error,
                )
                fired.append((entry, invocation))
                entry.next_at = next_fire(entry.expression, now, self._started)
        return fired

    def start(self) -> None:
        if not self.entries:
            return
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = self._clock()
            wait = min(e.next_at for e in self.entries) - now
            if wait.total_seconds() > 0:
                self._stop.wait(min(wait.total_seconds(), 30))
                continue
            try:
                self.fire_due(now)
            except Exception:
                log.exception("the scheduler failed to fire")

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(10)


# ---------------------------------------------------------------- SQS event source mapping


@dataclass(frozen=True)
class SqsMapping:
    logical_id: str
    queue_arn: str
    queue_url: str
    batch_size: int
    window_seconds: float
    report_failures: bool


def sqs_mappings(specs: Mapping[str, FunctionSpec], stack: Stack) -> list[SqsMapping]:
    """Every enabled SQS event of the template's functions, with its queue's URL."""
    urls = {
        str(attrs.get("Arn")): str(attrs.get("QueueUrl"))
        for attrs in stack.attributes.values()
        if "QueueUrl" in attrs
    }
    found: list[SqsMapping] = []
    for spec in specs.values():
        for event in spec.events.values():
            props = event.get("Properties") or {}
            if event.get("Type") != "SQS" or props.get("Enabled", True) is False:
                continue
            arn = str(props["Queue"])
            if arn not in urls:
                log.warning("%s: queue %s is not part of the local stack", spec.logical_id, arn)
                continue
            found.append(
                SqsMapping(
                    logical_id=spec.logical_id,
                    queue_arn=arn,
                    queue_url=urls[arn],
                    batch_size=int(props.get("BatchSize", 10)),
                    window_seconds=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                    report_failures="ReportBatchItemFailures"
                    in (props.get("FunctionResponseTypes") or []),
                )
            )
    return found


class SqsPoller:
    """Lambda's SQS event source mapping: receive a batch, invoke, delete what succeeded."""

    def __init__(self, runtime: Runtime, mapping: SqsMapping, stack: Stack) -> None:
        self._runtime = runtime
        self.mapping = mapping
        self._region = stack.region
        self._sqs = client("sqs", stack.endpoint, stack.region)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.batches = 0
        self.received = 0
        self.deleted = 0
        self.failed_invocations = 0

    def _receive(self, wait_seconds: int) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        deadline = time.monotonic() + self.mapping.window_seconds
        while len(messages) < self.mapping.batch_size:
            received = self._sqs.receive_message(
                QueueUrl=self.mapping.queue_url,
                MaxNumberOfMessages=min(10, self.mapping.batch_size - len(messages)),
                WaitTimeSeconds=wait_seconds,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            messages.extend(received)
            if not received or time.monotonic() >= deadline:
                break
        return messages

    def poll_once(self, wait_seconds: int = 1) -> Invocation | None:
        """Receive one batch and deliver it; None when the queue had nothing."""
        messages = self._receive(wait_seconds)
        if not messages:
            return None
        invocation = self._runtime.invoke(
            self.mapping.logical_id,
            sqs_event(messages, self.mapping.queue_arn, region=self._region),
        )
        done = self._succeeded(messages, invocation)
        self.batches += 1
        self.received += len(messages)
        self.deleted += len(done)
        self.failed_invocations += 0 if invocation.ok else 1
        for message in messages:
            if message["MessageId"] in done:
                self._sqs.delete_message(
                    QueueUrl=self.mapping.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return invocation

    def _succeeded(self, messages: list[dict[str, Any]], invocation: Invocation) -> set[str]:
        """Ids to delete. A failed invocation or an unusable failure report keeps them all."""
        ids = {m["MessageId"] for m in messages}
        if not invocation.ok:
            return set()
        if not self.mapping.report_failures:
            return ids
        result = invocation.result
        if result is None or result == {}:
            return ids
        failures = result.get("batchItemFailures") if isinstance(result, dict) else None
        if failures is None:
            return ids
        failed: set[str] = set()
        for failure in failures:
            identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
            if not identifier or identifier not in ids:
                return set()  # Lambda treats a malformed report as a failure of the whole batch
            failed.add(identifier)
        return ids - failed

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._loop, name=f"sqs:{self.mapping.logical_id}", daemon=True
        )
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                log.exception("polling %s failed", self.mapping.queue_url)
                self._stop.wait(5)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(10)


def drain(pollers: list[SqsPoller], *, max_batches: int = 1_000) -> int:
    """Deliver what the mapped queues hold, round after round, until a round finds every
    queue empty; returns the batches delivered. What a function fails to process stays
    invisible for its queue's visibility timeout, so failures end the loop too."""
    batches = 0
    while batches < max_batches:
        delivered = sum(1 for poller in pollers if poller.poll_once(wait_seconds=0) is not None)
        if not delivered:
            return batches
        batches += delivered
    log.warning("stopped draining after %d batches: the queues keep filling", batches)
    return batches


def wait_until_empty(
    mappings: list[SqsMapping], stack: Stack, *, timeout: float = 30.0, interval: float = 0.5
) -> bool:
    """Wait until no mapped queue holds a message, visible or in flight (another process's
    pollers are delivering them); False when ``timeout`` ran out first."""
    sqs = client("sqs", stack.endpoint, stack.region)
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    deadline = time.monotonic() + timeout
    while True:
        waiting = sum(
            int(value)
            for mapping in mappings
            for value in sqs.get_queue_attributes(QueueUrl=mapping.queue_url, AttributeNames=names)[
                "Attributes"
            ].values()
        )
        if not waiting:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


# ---------------------------------------------------------------- S3 event notifications

CREATED_EVENT = "ObjectCreated:Post"
"""What the local stack calls every new object. A listing cannot tell a PUT from a POST; the
template's only S3 trigger watches browser uploads, which are presigned POSTs."""


@dataclass(frozen=True)
class S3Notification:
    """One ``Type: S3`` event of a function: which bucket, events and key filter."""

    logical_id: str
    event_name: str
    bucket: str
    events: tuple[str, ...]
    prefix: str = ""
    suffix: str = ""

    def wants(self, key: str) -> bool:
        created = any(e in ("s3:ObjectCreated:*", f"s3:{CREATED_EVENT}") for e in self.events)
        return created and key.startswith(self.prefix) and key.endswith(self.suffix)


def s3_notifications(specs: Mapping[str, FunctionSpec], stack: Stack) -> list[S3Notification]:
    """Every S3 event of the template's functions on a bucket of the local stack."""
    buckets = {str(stack.ref(lid)) for lid in stack.of_type("AWS::S3::Bucket")}
    found: list[S3Notification] = []
    for spec in specs.values():
        for name, event in spec.events.items():
            if event.get("Type") != "S3":
                continue
            props = event.get("Properties") or {}
            bucket = str(props.get("Bucket"))
            if bucket not in buckets:
                log.warning(
                    "%s.%s: bucket %s is not in the local stack", spec.logical_id, name, bucket
                )
                continue
            events = props.get("Events") or []
            events = (events,) if isinstance(events, str) else tuple(events)
            if not any(e.startswith("s3:ObjectCreated:") for e in events):
                log.warning("%s.%s: only ObjectCreated events are emulated", spec.logical_id, name)
            rules = ((props.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
            filters = {str(r["Name"]).lower(): str(r["Value"]) for r in rules}
            found.append(
                S3Notification(
                    logical_id=spec.logical_id,
                    event_name=name,
                    bucket=bucket,
                    events=events,
                    prefix=filters.get("prefix", ""),
                    suffix=filters.get("suffix", ""),
                )
            )
    return found


class S3Poller:
    """S3's event notifications for one bucket. moto invokes no Lambda function, so this lists
    the bucket's object versions and invokes the subscribed functions for each version it has
    not seen, oldest first. Versions present when it starts are not announced (S3 notifies only
    of objects created after the notification was configured). ``poll_once`` is one step."""

    def __init__(
        self,
        runtime: Runtime,
        notifications: list[S3Notification],
        stack: Stack,
        *,
        interval: float = 1.0,
    ) -> None:
        buckets = {n.bucket for n in notifications}
        if len(buckets) != 1:
            raise ValueError(f"an S3 poller watches one bucket, not {sorted(buckets)}")
        self._runtime = runtime
        self.bucket = buckets.pop()
        self.notifications = notifications
        self._region = stack.region
        self._interval = interval
        self._s3 = client("s3", stack.endpoint, stack.region)
        self._seen = {self._identity(v) for v in self._versions()}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _versions(self) -> Iterator[dict[str, Any]]:
        for page in self._s3.get_paginator("list_object_versions").paginate(Bucket=self.bucket):
            yield from page.get("Versions", [])

    @staticmethod
    def _identity(version: Mapping[str, Any]) -> tuple[str, str, str, str]:
        """A version id alone would do in a versioned bucket; an unversioned one says "null"."""
        modified = version["LastModified"]
        return version["Key"], str(version.get("VersionId")), version["ETag"], str(modified)

    def poll_once(self) -> list[tuple[S3Notification, Invocation]]:
        """Announce every new object version to the functions whose filter it matches."""
        fresh = [v for v in self._versions() if self._identity(v) not in self._seen]
        fresh.sort(key=lambda v: v["LastModified"])
        delivered: list[tuple[S3Notification, Invocation]] = []
        for version in fresh:
            self._seen.add(self._identity(version))
            for notification in self.notifications:
                if notification.wants(version["Key"]):
                    delivered.append((notification, self._deliver(notification, version)))
        return delivered

    def _deliver(self, notification: S3Notification, version: Mapping[str, Any]) -> Invocation:
        event = s3_event(
            bucket=self.bucket,
            key=version["Key"],
            size=int(version.get("Size", 0)),
            etag=version["ETag"],
            version_id=version.get("VersionId"),
            sequencer=f"{time.time_ns():018X}",
            event_time=version["LastModified"],
            configuration_id=f"{notification.logical_id}{notification.event_name}",
            event_name=CREATED_EVENT,
            region=self._region,
        )
        invocation = self._runtime.invoke(notification.logical_id, event)
        log.info(
            "s3 %s/%s → %s: %s",
            self.bucket,
            version["Key"],
            notification.logical_id,
            "ok" if invocation.ok else invocation.error,
        )
        return invocation

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=f"s3:{self.bucket}", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.poll_once()
            except Exception:
                log.exception("watching bucket %s failed", self.bucket)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(10)


def s3_pollers(runtime: Runtime, stack: Stack) -> list[S3Poller]:
    """One poller per bucket that has S3 events, primed with the bucket's current objects."""
    by_bucket: dict[str, list[S3Notification]] = {}
    for notification in s3_notifications(runtime.specs, stack):
        by_bucket.setdefault(notification.bucket, []).append(notification)
    return [S3Poller(runtime, found, stack) for found in by_bucket.values()]
