"""Session fixtures every test may use. moto starts once per session; everything else is built
on it lazily, so a unit test that asks for none of these pays nothing.

``moto_endpoint`` -> str
    A moto server (``ThreadedMotoServer`` in a child process, see local/moto_server.py for
    why not in this process) on 127.0.0.1 and a free port, with its scale patches
    (``apply_scale_patches``: a transaction no longer deep-copies the whole table, which, with a
    worker's table growing all session, was the largest cost of the run). Sets in os.environ
    for the whole session: AWS_ENDPOINT_URL, fake credentials,
    AWS_REGION/AWS_DEFAULT_REGION=us-east-1, POWERTOOLS_TRACE_DISABLED=true,
    POWERTOOLS_METRICS_NAMESPACE=Byline.

``stack_resources`` -> StackResources
    template.yaml's resources created on that moto with Stage=test, and the variables
    ``Globals.Function.Environment`` gives every function (TABLE_NAME, USER_POOL_ID, ...)
    set in os.environ so handlers and services work in-process. The layer's cached settings
    and clients are reset so they see them. ``stack_resources["TABLE_NAME"]`` reads one;
    ``.environment`` is all of them; ``.stack`` is the :class:`local.bootstrap.Stack`
    (``.stack.ref("Table")``, ``.stack.get_att("UserPool", "Arn")``).

``demo_users`` -> list[local.seed.DemoUser]
    The seeded users admin, editor, author and reader (password ``local.seed.DEMO_PASSWORD``),
    one per group.

``local_stack`` -> local.LocalStack
    The whole local stack (gateway, runtime with warm worker processes per function) over
    ``stack_resources``, seeded, on 127.0.0.1 and a free port. Schedules, SQS and S3 pollers
    are *not* running: tests trigger them (``local_stack.runtime.invoke(...)``) so nothing
    fires behind a test's back.

``local_api`` -> str
    ``local_stack``'s base URL, e.g. ``http://127.0.0.1:40123`` (no trailing slash).

``function_specs_by_id`` -> dict[str, local.runtime.FunctionSpec]
    Every function of the template as the local runtime runs it: code folder, handler,
    resolved environment (``.configured`` is what template.yaml sets), timeout, events.

``invoke_handler`` -> Callable[[str, dict], dict]
    ``invoke_handler("HealthFunction", event)`` calls the function's handler in this process
    (its module loaded from functions/<dir>/app.py under a unique name, kept warm for the
    session) with the function's own environment applied during the call and a Lambda-like
    context, and returns what the handler returned.

``id_token`` -> Callable[[str], str]
    ``id_token("admin")`` logs a seeded demo user in (USER_PASSWORD_AUTH against moto) and
    returns the Cognito id token, ready for ``Authorization: Bearer <token>``.

Integration tests are marked ``pytest.mark.integration``.

Layout, workers and markers (for the next engineer)
---------------------------------------------------
* ``tests/unit``: pure logic and services against in-memory fakes (tests/support/memory_table.py);
  ``make test-fast`` runs it alone. Its conftest makes moto and the local stack refuse to start,
  so a test there that needs them fails at once: put it in ``tests/integration``.
  ``tests/template``: what needs ``.venv-sam`` or a ``sam build``. ``tests/integration``: moto.
* ``tests/support``: every helper two test modules share. A test module never imports another
  (tests/unit/test_test_layout.py fails when one does); fixtures shared by many live here.
* ``make pytest`` runs pytest-xdist workers (``-n auto --dist loadfile``: one per core, each test
  module whole on one worker). Every fixture above is session-scoped, which under xdist means
  *per worker*: each worker starts its own moto on a free port, its own template stack and
  Cognito pool, its own local stack on a free port. So never assume one process: no fixed
  ports, no shared files outside ``tmp_path``/``tmp_path_factory`` (``.local/`` is the
  developer's stack), no counts of what the whole run created (another worker's users are not
  in your moto, and yours are not alone in it: count what your test made). A module's tests run
  in file order on one worker, so a module-scoped fixture is built once.
  ``PYTEST_WORKERS=0 make pytest`` (or plain ``pytest``) runs serially in one process.
* ``@pytest.mark.slow`` marks the long suites (a minute or more of CPU each); ``pytest -m "not
  slow" tests/integration`` leaves them out while iterating. ``make test`` runs everything.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

import local.runtime
from local import LocalStack
from local.bootstrap import Stack, bootstrap
from local.moto_server import REAL_AWS_VARIABLES, MotoServer, fake_aws_environment
from local.runtime import FunctionSpec, LambdaContext, function_specs, load_handler
from local.seed import DemoUser, login, seed
from local.template import Template
from tests.support.layer_caches import reset_layer_caches

TEST_STAGE = "test"

# Functions keep the template's Timeout in make dev; under test, on a busy CI runner, give the
# emulator room: a timeout here would be the machine's, not the code's (local/runtime.py).
os.environ.setdefault("BYLINE_LOCAL_TIMEOUT_FACTOR", "4")
os.environ.setdefault(
    "AWS_READ_TIMEOUT", "60"
)  # in-process handlers, as local/runtime.py gives workers


def _parse_each_template_once() -> None:
    """template.yaml is parsed by many tests (each ``Template.load`` with other parameters):
    PyYAML takes about 0.6 s of CPU per parse, a deep copy of the parsed body about 0.01 s. So in
    the test process each distinct text is parsed once and every load gets its own copy (a
    test may change what it loaded). Keyed by the text: an edited file is parsed again."""
    import copy

    import local.template

    parse = local.template.load_yaml
    parsed: dict[str, Any] = {}

    def load_yaml(text: str) -> Any:
        if text not in parsed:
            parsed[text] = parse(text)
        return copy.deepcopy(parsed[text])

    local.template.load_yaml = load_yaml


_parse_each_template_once()

# Lambda workers forked from one clean, preloaded server process instead of each started from
# scratch (local/runtime.py, WORKER_START_METHOD): a test run starts one per function it reaches.
local.runtime.WORKER_START_METHOD = "forkserver"


def pytest_unconfigure(config: pytest.Config) -> None:
    local.runtime.stop_worker_server()


def _read_each_botocore_file_once() -> None:
    """Every boto3 client is made from a session of its own (byline/aws.py: once per execution
    environment in Lambda), and each new session's loader reads and parses botocore's JSON again:
    the service model, endpoints, partitions, retry rules. Tests that reset the layer's caches
    (test_faults resets them per run, for fresh retry quotas) made that the test process's
    largest cost, about 0.1 s of CPU per client. So in the test process each file is parsed
    once and shared: botocore treats what it loaded as read-only (its own per-loader cache hands
    every client of a session the same objects)."""
    from botocore.loaders import JSONFileLoader

    load_file = JSONFileLoader.load_file
    loaded: dict[str, Any] = {}

    def load_each_file_once(self: JSONFileLoader, file_path: str) -> Any:
        if file_path not in loaded:
            loaded[file_path] = load_file(self, file_path)
        return loaded[file_path]

    JSONFileLoader.load_file = load_each_file_once  # type: ignore[method-assign]


_read_each_botocore_file_once()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    with pytest.MonkeyPatch.context() as patch, MotoServer(port=0, scale_patches=True) as server:
        for name in REAL_AWS_VARIABLES:
            patch.delenv(name, raising=False)
        for name, value in fake_aws_environment(server.endpoint).items():
            patch.setenv(name, value)
        patch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
        patch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Byline")
        reset_layer_caches()
        _SIGNING_KEYS[server.endpoint] = server.signing_key
        yield server.endpoint
    reset_layer_caches()


_SIGNING_KEYS: dict[str, str] = {}


@pytest.fixture(scope="session")
def pool_signing_key(moto_endpoint: str) -> dict[str, Any]:
    """The private JWK the emulated Cognito signs id tokens with (kid ``dummy``): a test signs
    tokens as the pool would, to show what the authorizer and the functions do with claims."""
    import json

    parsed: dict[str, Any] = json.loads(_SIGNING_KEYS[moto_endpoint])
    return parsed


@dataclass(frozen=True)
class StackResources:
    """The bootstrapped stack and the environment its functions share."""

    stack: Stack
    environment: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.environment[name]


@pytest.fixture(scope="session")
def stack_resources(moto_endpoint: str) -> Iterator[StackResources]:
    template = Template.load(overrides={"Stage": TEST_STAGE})
    stack = bootstrap(template, moto_endpoint)
    environment = stack.environment()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        reset_layer_caches()
        yield StackResources(stack=stack, environment=environment)
    reset_layer_caches()


@pytest.fixture(scope="session")
def demo_users(stack_resources: StackResources) -> list[DemoUser]:
    return seed(stack_resources.stack)


@pytest.fixture(scope="session")
def local_stack(
    stack_resources: StackResources, demo_users: list[DemoUser]
) -> Iterator[LocalStack]:
    stack = LocalStack.start(stack_resources.stack, port=0, seed_users=False, event_sources=False)
    stack.users = demo_users
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def local_api(local_stack: LocalStack) -> str:
    return local_stack.base_url


@pytest.fixture(scope="session")
def function_specs_by_id(stack_resources: StackResources) -> dict[str, FunctionSpec]:
    return function_specs(stack_resources.stack)


@pytest.fixture(scope="session")
def invoke_handler(
    function_specs_by_id: dict[str, FunctionSpec],
) -> Callable[..., Any]:
    handlers: dict[str, Callable[[Any, Any], Any]] = {}

    def invoke(logical_id: str, event: dict[str, Any]) -> Any:
        spec = function_specs_by_id[logical_id]
        with pytest.MonkeyPatch.context() as patch:
            for name, value in spec.configured.items():
                patch.setenv(name, value)
            if logical_id not in handlers:
                handlers[logical_id] = load_handler(spec)
            deadline_ms = int(time.time() * 1000 + spec.timeout * 1000)
            context = LambdaContext(spec, str(uuid.uuid4()), deadline_ms)
            return handlers[logical_id](event, context)

    return invoke


@pytest.fixture(scope="session")
def id_token(stack_resources: StackResources, demo_users: list[DemoUser]) -> Callable[[str], str]:
    passwords = {user.username: user.password for user in demo_users}

    def token(username: str) -> str:
        tokens = login(stack_resources.stack, username, passwords[username])
        return str(tokens["IdToken"])

    return token
