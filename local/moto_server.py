"""moto in server mode, in a child process of its own.

moto keeps its emulated AWS in module-level state. Running ``ThreadedMotoServer`` inside the
process that also runs tests would let any test using ``mock_aws`` reset that state under the
local stack's feet, and would make the gateway share a GIL with every emulated AWS call. A
child process avoids both; it is tied to its parent through a pipe on its stdin, so it exits
when the parent does, even if the parent is killed without cleaning up.

Run as ``python -m local.moto_server --port N``: prints one JSON line with the endpoint once
it is listening, then serves until stdin closes, SIGTERM or SIGINT. ``--scale-patches`` (the
benchmarks' and the tests' ``MotoServer(scale_patches=True)``) replaces two of moto's costs
that grow with the data, see :func:`apply_scale_patches`. Cognito always enforces app client
secrets as real Cognito does, see :func:`enforce_client_secrets`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from types import TracebackType
from typing import IO, Any, Self

from local.template import LOCAL_REGION, REPO_ROOT

DEFAULT_PORT = 4566
HOST = "127.0.0.1"


def fake_aws_environment(endpoint: str, region: str = LOCAL_REGION) -> dict[str, str]:
    """Variables that point boto3 at moto with credentials that can never reach real AWS."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }


REAL_AWS_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_CONFIG_FILE")
"""Removed wherever fake credentials are set, so a developer's real profile is never used."""


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class MotoServer:
    """A moto server child process; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        port: int | None = None,
        *,
        quiet: bool = True,
        scale_patches: bool = False,
        host: str = HOST,
    ) -> None:
        """``port`` None means 4566 when free, else any free port; 0 means any free port.
        ``host`` is the address to listen on: loopback unless containers must reach it (the
        default Docker bridge's 172.17.0.1 for ``sam local`` on Linux; decision 0016)."""
        if port is None:
            port = DEFAULT_PORT if port_is_free(DEFAULT_PORT, host) else 0
        self._port = port
        self._host = host
        self._quiet = quiet
        self._scale_patches = scale_patches
        self._process: subprocess.Popen[str] | None = None
        self.endpoint = ""
        self.signing_key = _new_signing_key()
        """The private JWK (JSON) the emulated Cognito signs tokens with: made here and handed
        to the child, so that the one who started the emulation (a test) can sign tokens as
        the pool does; nothing serves it."""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout: float = 60.0) -> str:
        """Start the child and wait until it listens; returns the endpoint URL."""
        command = [sys.executable, "-m", "local.moto_server", "--port", str(self._port)]
        if self._host != HOST:
            command += ["--host", self._host]
        if self._scale_patches:
            command.append("--scale-patches")
        inherited = os.environ.get("PYTHONPATH")
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), *([inherited] if inherited else [])]),
            SIGNING_KEY_VARIABLE: self.signing_key,
        }
        stderr = _stderr_target(self._quiet)
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
            cwd=REPO_ROOT,
        )
        if hasattr(stderr, "close"):
            stderr.close()
        line = _read_line(self._process.stdout, timeout)
        if not line:
            self.stop()
            raise RuntimeError("moto server did not start (is the port taken?)")
        self.endpoint = str(json.loads(line)["endpoint"])
        return self.endpoint

    def stop(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin:
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
        if process.stdout:
            process.stdout.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _stderr_target(quiet: bool) -> Any:
    """Where the child's stderr goes: ``BYLINE_MOTO_LOG`` names a file to append it to (for
    diagnosing a run), else nowhere when quiet, else the parent's stderr."""
    log = os.environ.get("BYLINE_MOTO_LOG")
    if log:
        return open(log, "a")  # the parent closes its copy once the child has it
    return subprocess.DEVNULL if quiet else None


def _read_line(stream: IO[str] | None, timeout: float) -> str:
    if stream is None:
        return ""
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return result[0].strip() if result else ""


SENT_EMAILS_PATH = "/_byline/sent-emails"
"""Where the moto child serves the raw mail its SES accepted (the outbox's source). moto's own
/moto-api/data.json has it too, but serialises every model of every service to get there, which
takes minutes once the table holds a few thousand items."""


def _sent_emails() -> list[dict[str, Any]]:
    from moto.ses.models import RawMessage, ses_backends

    found: list[dict[str, Any]] = []
    for account in list(ses_backends.keys()):
        for region in list(ses_backends[account].keys()):
            for message in list(ses_backends[account][region].sent_messages):
                if isinstance(message, RawMessage):
                    found.append(
                        {
                            "id": message.id,
                            "source": message.source,
                            "destinations": list(message.destinations),
                            "raw_data": message.raw_data,
                        }
                    )
    return found


class SerialisedDynamoDB:
    """WSGI middleware that lets one DynamoDB or Cognito request run at a time.

    DynamoDB evaluates a condition and applies the write atomically; moto checks and then
    writes with no lock, so two threads of the server can both pass a condition that only one
    should (two likes counted as one user's, two scheduled publishes). moto's Cognito mutates
    plain dicts that concurrent requests iterate, which under parallel sign-ups fails with an
    internal error AWS would never give. Serialising these two services restores the guarantees
    the code relies on; the others (S3 uploads, SQS long polls) stay concurrent.
    """

    SERIALISED = ("DynamoDB_", "AWSCognitoIdentityProviderService.")

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == SENT_EMAILS_PATH:
            body = json.dumps(_sent_emails()).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if not target.startswith(self.SERIALISED):
            return self._app(environ, start_response)
        with self._lock:
            # materialise the body inside the lock: the work happens while it is produced
            return list(self._app(environ, start_response))


def stop_instance_tracking() -> None:
    """Stop moto from keeping every model object it ever creates.

    moto's ``BaseModel.__new__`` appends each new instance to a class-level list so that its
    dashboard (``/moto-api/data.json``) can show them, and nothing ever removes one. DynamoDB's
    TransactWriteItems deep-copies each table it touches to roll back on cancellation, and each
    copied item is such an instance: every transaction left a whole copy of the table behind.
    Over the test suite that grew the server past 20 GB until the kernel killed it. The local
    stack never reads that dashboard (the outbox has :data:`SENT_EMAILS_PATH`), so instances are
    created exactly as before, minus the list.
    """
    from moto.core.common_models import BaseModel

    def untracked_new(cls: type[Any], *args: Any, **kwargs: Any) -> Any:
        return super(BaseModel, cls).__new__(cls)

    BaseModel.__new__ = untracked_new  # type: ignore[method-assign]


def secret_hash(secret: str, client_id: str, username: str) -> str:
    """Cognito's SECRET_HASH: base64(HMAC-SHA256(client secret, username + client id))."""
    import base64
    import hashlib
    import hmac

    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


_SECRET_HASH_IN_BODY = ("sign_up", "confirm_sign_up", "forgot_password", "confirm_forgot_password")
_SECRET_HASH_IN_AUTH_PARAMETERS = ("initiate_auth", "admin_initiate_auth")
_FLOW_PERMISSIONS = {
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "ADMIN_USER_PASSWORD_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH",
    "CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH",
    "REFRESH_TOKEN_AUTH": "ALLOW_REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN": "ALLOW_REFRESH_TOKEN_AUTH",
}


SIGNING_KEY_VARIABLE = "BYLINE_MOTO_SIGNING_KEY"


def _new_signing_key() -> str:
    from joserfc import jwk

    # moto names the key "dummy" in every token's header; the name stays, the key is new
    key = jwk.RSAKey.generate_key(2048, parameters={"kid": "dummy", "alg": "RS256", "use": "sig"})
    return json.dumps(key.as_dict(private=True))


def sign_with_a_key_of_its_own() -> None:
    """Make the emulated Cognito sign tokens with a key made at start, not moto's.

    moto signs every pool's tokens with one RSA key that ships inside the moto package
    (``cognitoidp/resources/jwks-private.json``, kid ``dummy``), so anyone with moto installed
    could mint tokens that the local stack's authorizer accepts for any user. The child makes a
    fresh key (the parent's :attr:`MotoServer.signing_key`, or its own) and serves its public
    half as every pool's JWKS, which is where the local authorizer gets its keys (as API
    Gateway does from Cognito).
    """
    from joserfc import jwk
    from moto.cognitoidp import models, responses

    key = jwk.RSAKey.import_key(
        json.loads(os.environ.get(SIGNING_KEY_VARIABLE) or _new_signing_key())
    )
    public = key.as_dict(private=False)
    responses.CognitoIdpJsonWebKeyResponse.json_web_key = json.dumps({"keys": [public]}).encode()
    original = models.CognitoIdpUserPool.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.json_web_key = key

    models.CognitoIdpUserPool.__init__ = init  # type: ignore[method-assign]


def enforce_client_secrets() -> None:
    """Make the emulated Cognito refuse what real Cognito refuses for a client with a secret.

    moto 5.2.5 checks SECRET_HASH only on the SRP and refresh flows: SignUp, ConfirmSignUp,
    ForgotPassword, ConfirmForgotPassword and USER_PASSWORD_AUTH succeed with nothing but the
    client id, which would let tests pass that real Cognito fails ("Client ... is configured
    with secret but SECRET_HASH was not received"). Here every one of those operations checks
    the hash first (the user name is the one the request names), and InitiateAuth and
    AdminInitiateAuth refuse a flow the client's ExplicitAuthFlows do not allow when it lists
    any (real Cognito falls back to SRP, custom and refresh when the list is empty; moto's
    clients without a list keep moto's behaviour).
    """
    from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.cognitoidp.responses import CognitoIdpResponse

    def find_client(client_id: str) -> Any:
        for account in list(cognitoidp_backends.keys()):
            for region in list(cognitoidp_backends[account].keys()):
                for pool in list(cognitoidp_backends[account][region].user_pools.values()):
                    if client_id in pool.clients:
                        return pool.clients[client_id]
        return None  # moto's own handler reports the unknown client

    def check(parameters: dict[str, Any], in_auth_parameters: bool) -> None:
        client = find_client(str(parameters.get("ClientId", "")))
        if client is None:
            return
        auth = parameters.get("AuthParameters") or {}
        flow = str(parameters.get("AuthFlow", ""))
        allowed = client.extended_config.get("ExplicitAuthFlows") or []
        if in_auth_parameters and allowed and _FLOW_PERMISSIONS.get(flow) not in allowed:
            raise InvalidParameterException(f"{flow} flow not enabled for this client")
        if not client.generate_secret or flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            return  # moto checks the refresh flows against the token's own user
        given = auth.get("SECRET_HASH") if in_auth_parameters else parameters.get("SecretHash")
        username = str(auth.get("USERNAME", "") if in_auth_parameters else parameters["Username"])
        if not given:
            raise NotAuthorizedError(
                f"Client {client.id} is configured with secret but SECRET_HASH was not received"
            )
        if given != secret_hash(client.secret, client.id, username):
            raise NotAuthorizedError(f"Unable to verify secret hash for client {client.id}")

    def checked(operation: str, in_auth_parameters: bool) -> Any:
        original = getattr(CognitoIdpResponse, operation)

        def run(self: CognitoIdpResponse) -> Any:
            check(self.parameters, in_auth_parameters)
            return original(self)

        return run

    for operation in _SECRET_HASH_IN_BODY:
        setattr(CognitoIdpResponse, operation, checked(operation, False))
    for operation in _SECRET_HASH_IN_AUTH_PARAMETERS:
        setattr(CognitoIdpResponse, operation, checked(operation, True))


def skip_per_request_overheads() -> None:
    """Take out two costs moto's server pays on every request, whatever the data:

    * Finding the service of a request starts with ``list_of_moto_modules()``, which lists
      moto's package folder and stats each of its ~200 entries, on every request (about 7% of
      the server's CPU in the test suite). The folder does not change while the server runs,
      so it is listed once.
    * werkzeug logs one line per request; the child's stderr is usually /dev/null. Warnings
      and errors are still logged (``BYLINE_MOTO_LOG``).
    """
    import functools
    import logging

    from moto import backends

    backends.list_of_moto_modules = functools.cache(
        lambda listed=backends.list_of_moto_modules: tuple(listed())
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def apply_scale_patches() -> None:
    """Take out two costs of moto that grow with the data and make large runs quadratic,
    keeping what every call does:

    * TransactWriteItems deep-copies every table it touches, once per operation, to roll back
      a cancelled transaction: seconds per transaction once a table holds tens of thousands
      of items. Here moto's own code runs unchanged, but its "copy" of a table is a marker,
      and a rollback restores copies of just the items the transaction names.
    * SendMessage on a standard queue computes every queue attribute, three of them by
      walking every message, to read one attribute FIFO queues alone have.
    """
    import copy
    import types

    from moto.dynamodb import models as dynamodb_models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.sqs.models import Queue, SQSBackend

    class TableMarker:
        def __init__(self, table: Table) -> None:
            self.table = table

    def deepcopy(value: Any, memo: Any = None) -> Any:
        return TableMarker(value) if isinstance(value, Table) else copy.deepcopy(value, memo)

    dynamodb_models.copy = types.SimpleNamespace(deepcopy=deepcopy)  # type: ignore[attr-defined,assignment]
    transact = DynamoDBBackend.transact_write_items

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        saved = []
        for entry in transact_items:
            with contextlib.suppress(Exception):  # moto reports a bad operation itself
                _, op = next(iter(entry.items()))
                table = self.get_table(op["TableName"])
                item = op.get("Item") or {}
                key = op.get("Key") or {
                    a: item[a] for a in (table.hash_key_attr, table.range_key_attr) if a
                }
                hash_key, range_key = self.get_keys_value(table, key)
                before = table.get_item(hash_key, range_key)
                saved.append((table, hash_key, range_key, copy.deepcopy(before)))
        try:
            transact(self, transact_items)
        finally:
            rolled_back = False
            for name, value in list(self.tables.items()):
                if isinstance(value, TableMarker):
                    self.tables[name] = value.table
                    rolled_back = True
            for table, hash_key, range_key, before in reversed(saved if rolled_back else []):
                if range_key is None:
                    if before is None:
                        table.items.pop(hash_key, None)
                    else:
                        table.items[hash_key] = before  # type: ignore[assignment]
                elif before is None:
                    table.items[hash_key].pop(range_key, None)
                else:
                    table.items[hash_key][range_key] = before

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]

    attributes: Any = vars(Queue)["attributes"]  # the property itself
    sending = threading.local()

    def queue_attributes(self: Queue) -> dict[str, Any]:
        if getattr(sending, "active", False) and not self.fifo_queue:
            return {}  # all the send path reads is ContentBasedDeduplication, a FIFO attribute
        return attributes.fget(self)  # type: ignore[no-any-return]

    Queue.attributes = property(queue_attributes)  # type: ignore[method-assign,assignment]
    send = SQSBackend.send_message

    def send_message(self: SQSBackend, *args: Any, **kwargs: Any) -> Any:
        sending.active = True
        try:
            return send(self, *args, **kwargs)
        finally:
            sending.active = False

    SQSBackend.send_message = send_message  # type: ignore[method-assign]


def _serve(port: int, listen: str = HOST) -> int:
    """Child side: serve until the parent closes our stdin or asks us to stop."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import make_server

    class Server(ThreadedMotoServer):
        def _server_entry(self) -> None:
            app = SerialisedDynamoDB(DomainDispatcherApplication(create_backend_app))
            self._server = make_server(
                self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    server = Server(ip_address=listen, port=port, verbose=False)
    try:
        server.start()
    except OSError as error:
        print(f"moto could not listen on {listen}:{port}: {error}", file=sys.stderr)
        return 1
    host, bound = server.get_host_and_port()
    stop = threading.Event()
    reason: list[str] = []

    def on_signal(signum: int, _frame: Any) -> None:
        reason.append(f"signal {signal.Signals(signum).name}")
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)

    def wait_for_parent() -> None:
        sys.stdin.read()  # returns at EOF: the parent closed the pipe or died
        reason.append("stdin closed")
        stop.set()

    threading.Thread(target=wait_for_parent, daemon=True).start()
    print(json.dumps({"endpoint": f"http://{host}:{bound}"}), flush=True)
    stop.wait()
    print(f"moto server stopping: {', '.join(reason)}", file=sys.stderr, flush=True)
    server.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default=HOST, help="address to listen on (default loopback)")
    parser.add_argument("--scale-patches", action="store_true")
    args = parser.parse_args(argv)
    stop_instance_tracking()
    skip_per_request_overheads()
    sign_with_a_key_of_its_own()
    enforce_client_secrets()
    if args.scale_patches:
        apply_scale_patches()
    return _serve(args.port, args.host)


if __name__ == "__main__":
    sys.exit(main())
