"""``python -m local serve | invoke | sam-env | token``: the local stack's command line.

Heavy imports happen inside the commands: worker processes are started with ``spawn``,
which re-imports this module in every worker, and a worker must not pay for moto or boto3.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local.template import DEFAULT_TEMPLATE, REPO_ROOT

DEFAULT_STATE = Path(os.environ.get("BYLINE_LOCAL_STATE") or REPO_ROOT / ".local" / "stack.json")
"""Where ``serve`` records the running stack and ``invoke``/``token`` look for it;
``BYLINE_LOCAL_STATE`` moves it (a test's stack must not be mistaken for a developer's)."""
LOCAL_STAGE = "local"

log = logging.getLogger("local")


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(name)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _overrides(pairs: list[str]) -> dict[str, str]:
    """``Key=Value`` pairs, as SAM's ``--parameter-overrides`` takes them."""
    result = {"Stage": LOCAL_STAGE}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--parameter-overrides expects Key=Value, got {pair!r}")
        result[key.strip()] = value.strip()
    return result


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE)
    parser.add_argument(
        "--parameter-overrides",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="template parameters (Stage defaults to 'local')",
    )
    parser.add_argument(
        "--state",
        type=Path,
        default=DEFAULT_STATE,
        help="where the running stack records its ports and names (default .local/stack.json)",
    )
    parser.add_argument("--verbose", action="store_true")


# ---------------------------------------------------------------- state file


def write_state(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=2), encoding="utf-8")
    temporary.replace(path)


def live_state(path: Path) -> dict[str, Any] | None:
    """The recorded stack if its process and its moto are still alive, else None."""
    try:
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        os.kill(int(state["pid"]), 0)
        endpoint = urlsplit(state["moto_endpoint"])
        with socket.create_connection((endpoint.hostname, endpoint.port or 80), timeout=1):
            pass
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return state


# ---------------------------------------------------------------- serve


def serve(args: argparse.Namespace) -> int:
    from local import LocalStack
    from local.bootstrap import bootstrap
    from local.moto_server import MotoServer
    from local.template import Template

    template = Template.load(args.template, _overrides(args.parameter_overrides))
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    moto = MotoServer(args.moto_port, host=args.moto_host)
    local: LocalStack | None = None
    try:
        endpoint = moto.start()
        log.info("moto listening on %s", endpoint)
        stack = bootstrap(template, endpoint)
        try:
            local = LocalStack.start(stack, host=args.host, port=args.port)
        except OSError as error:
            print(f"cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
            return 2
        write_state(args.state, local.state())
        print(_banner(local, endpoint), flush=True)
        stop.wait()
        print("\nstopping…", file=sys.stderr, flush=True)
    finally:
        if local is not None:
            local.stop()
        moto.stop()
        with contextlib.suppress(FileNotFoundError):
            args.state.unlink()
    return 0


def _banner(local: Any, endpoint: str) -> str:
    base = local.base_url
    routes = ", ".join(
        f"{r.method} {r.path}" + (" (auth)" if r.protected else "")
        for r in local.gateway.route_infos()
    )
    skipped = ", ".join(local.stack.skipped_summary()) or "none"
    users = ", ".join(u.username for u in local.users)
    lines = [
        "",
        "Byline local stack",
        f"  API         {base}    Swagger UI {base}/docs",
        f"  outbox      {base}/_outbox    (the emails the local SES accepted)",
        f"  moto        {endpoint}",
        f"  routes      {routes}",
        f"  demo users  {users} (<name>@example.com), password "
        f"{local.users[0].password if local.users else '-'}",
        "  id token    .venv/bin/python -m local token admin",
        f"  skipped     {skipped}",
        *[f"  WARNING     {lid} is not emulated locally" for lid in local.stack.not_emulated()],
        "",
        f"Try: curl {base}/health",
        "Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- invoke


def invoke(args: argparse.Namespace) -> int:
    """Run one function with one event, then (``--drain``) the functions the template maps to
    SQS queues, until those queues are empty: a planner invocation is a whole digest cycle."""
    from local.bootstrap import Stack, bootstrap
    from local.moto_server import MotoServer
    from local.runtime import (
        Runtime,
        SqsPoller,
        drain,
        function_specs,
        sqs_mappings,
        wait_until_empty,
    )
    from local.template import Template

    event = _read_event(args.event)
    state = live_state(args.state)
    if state is not None:
        template = Template.load(state["stack"]["template"], state["stack"]["parameters"])
    else:
        template = Template.load(args.template, _overrides(args.parameter_overrides))
    logical_id = resolve_function(args.function, template)
    with contextlib.ExitStack() as cleanup:
        if state is not None:
            log.info("using the running local stack (moto at %s)", state["moto_endpoint"])
            stack = Stack.from_json(state["stack"])
        else:
            moto = cleanup.enter_context(MotoServer(0))
            log.info("no running local stack; started a temporary moto at %s", moto.endpoint)
            stack = bootstrap(template, moto.endpoint)
            if args.seed:
                from local.seed import seed

                seed(stack)
                log.info("seeded the demo users, articles and the reader's digest subscription")
        draining = args.drain if args.drain is not None else state is None
        specs = function_specs(stack)
        mappings = sqs_mappings(specs, stack)
        wanted = {logical_id, *(m.logical_id for m in mappings if draining)}
        runtime = Runtime(
            {lid: specs[lid] for lid in wanted}, workers_per_function=1, stdout_to_stderr=True
        )
        cleanup.callback(runtime.close)
        mail_before = _outbox_ids(stack.endpoint)
        if args.time:  # after seeding: "now" is later than the demo data
            event = _timed(event, _event_time(args.time))
            if args.time == "next-hour" and isinstance(event.get("detail"), dict):
                # the demo plans the seeded reader's next digest now, knowingly ahead of time
                event["detail"] = {**event["detail"], "plan_ahead": True}
        invocation = runtime.invoke(logical_id, event)
        output = invocation.result if invocation.ok else invocation.error
        print(json.dumps(output, indent=2), flush=True)
        log.info("%s finished in %.0f ms", logical_id, invocation.duration_ms)
        pollers = [SqsPoller(runtime, mapping, stack) for mapping in mappings if draining]
        drain(pollers)
        if mappings and not wait_until_empty(mappings, stack):
            log.warning("messages are still in flight on the mapped queues (failed, or slow)")
        print(_invoke_summary(stack.endpoint, pollers, mail_before, draining), file=sys.stderr)
    drained_ok = all(p.failed_invocations == 0 and p.deleted == p.received for p in pollers)
    return 0 if invocation.ok and drained_ok else 1


def _outbox_ids(endpoint: str) -> set[str]:
    from local.outbox import sent_emails

    return {email.id for email in sent_emails(endpoint)}


def _invoke_summary(
    endpoint: str, pollers: list[Any], mail_before: set[str], draining: bool
) -> str:
    from local.outbox import sent_emails

    lines = []
    if not draining:
        lines.append(
            "queues not drained here: the running stack's own SQS pollers delivered what this "
            "invocation queued (--drain drains here too)"
        )
    for poller in pollers:
        mapping = poller.mapping
        queue = mapping.queue_url.rsplit("/", 1)[-1]
        left = poller.received - poller.deleted
        lines.append(
            f"drained {queue} -> {mapping.logical_id}: {poller.received} message(s) in "
            f"{poller.batches} batch(es), {poller.deleted} done"
            + (f", {left} failed (left for the queue's retry)" if left else "")
            + (
                f", {poller.failed_invocations} failed invocation(s)"
                if poller.failed_invocations
                else ""
            )
        )
    emails = sent_emails(endpoint)
    new = [email for email in emails if email.id not in mail_before]
    lines.append(f"outbox: {len(new)} new email(s), {len(emails)} in all")
    lines += [f"  to {', '.join(e.recipients)}: {e.subject}" for e in new[:20]]
    return "\n".join(lines)


def resolve_function(name: str, template: Any) -> str:
    """A logical id, or a function's folder name (``health``) for convenience."""
    functions = template.of_type("AWS::Serverless::Function")
    if name in functions:
        return name
    for logical_id in functions:
        code_uri = str(template.properties(logical_id).get("CodeUri", ""))
        if Path(code_uri).name == name:
            return str(logical_id)
    raise SystemExit(f"no function {name!r} in the template; functions: {', '.join(functions)}")


def _event_time(value: str) -> str:
    from datetime import UTC, datetime, timedelta

    if value == "next-hour":
        moment = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    elif value == "now":
        moment = datetime.now(UTC)
    else:
        moment = datetime.fromisoformat(value).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _timed(event: Any, moment: str) -> Any:
    """A scheduled event naming ``moment`` (its ``time``); an SNS event whose messages were
    published then, and whose SES records are about mail sent then (events/ses_feedback.json:
    feedback about mail sent before the subscriber last subscribed changes nothing)."""
    records = event.get("Records") if isinstance(event, dict) else None
    if not (isinstance(records, list) and records and "Sns" in records[0]):
        return {**event, "time": moment}
    timed = []
    for record in records:
        sns = dict(record["Sns"], Timestamp=moment)
        try:
            message = json.loads(sns["Message"])
            for part in ("mail", "bounce", "complaint"):
                if isinstance(message.get(part), dict) and "timestamp" in message[part]:
                    message[part]["timestamp"] = moment
            sns["Message"] = json.dumps(message)
        except (ValueError, AttributeError):
            pass  # not JSON: delivered as it is
        timed.append({**record, "Sns": sns})
    return {**event, "Records": timed}


def _read_event(source: str) -> Any:
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except ValueError as error:
        raise SystemExit(f"{source} is not JSON: {error}") from error


# ---------------------------------------------------------------- sam-env


def sam_env(args: argparse.Namespace) -> int:
    """SAM's --env-vars file for the running stack (local/sam_env.py says what is in it)."""
    from local.bootstrap import Stack
    from local.sam_env import (
        DEFAULT_CONTAINER_HOST,
        container_endpoint,
        listens_on_loopback_only,
        sam_env_document,
        summary,
    )

    state = live_state(args.state)
    if state is None:
        print(
            f"no running local stack ({args.state}); start one first: `make dev` "
            "(on Linux `make dev MOTO_HOST=172.17.0.1`, so that containers reach its moto)",
            file=sys.stderr,
        )
        return 1
    moto = str(state["moto_endpoint"])
    endpoint = container_endpoint(moto, args.container_host or DEFAULT_CONTAINER_HOST)
    if listens_on_loopback_only(moto) and sys.platform.startswith("linux"):
        log.warning(
            "moto listens on %s, which Docker containers on Linux cannot reach: restart the "
            "stack with `make dev MOTO_HOST=172.17.0.1` (Docker Desktop forwards "
            "host.docker.internal to this machine's loopback; Linux does not)",
            moto,
        )
    document = sam_env_document(Stack.from_json(state["stack"]), endpoint)
    text = json.dumps(document, indent=2) + "\n"
    if args.write is None:
        sys.stdout.write(text)
        return 0
    args.write.parent.mkdir(parents=True, exist_ok=True)
    args.write.write_text(text, encoding="utf-8")
    print(f"wrote {args.write}: {summary(document)}", file=sys.stderr)
    return 0


# ---------------------------------------------------------------- token


def token(args: argparse.Namespace) -> int:
    from local.bootstrap import Stack
    from local.seed import DEMO_PASSWORD, login

    state = live_state(args.state)
    if state is None:
        print("no running local stack; start one with `make dev`", file=sys.stderr)
        return 1
    tokens = login(Stack.from_json(state["stack"]), args.username, args.password or DEMO_PASSWORD)
    print(tokens["AccessToken"] if args.access else tokens["IdToken"])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve_parser = commands.add_parser("serve", help="run the whole API locally")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=3000)
    serve_parser.add_argument(
        "--moto-host",
        default="127.0.0.1",
        help="address moto listens on (default loopback; 172.17.0.1, the default Docker "
        "bridge, lets `sam local` containers on Linux reach it: make sam-env)",
    )
    serve_parser.add_argument(
        "--moto-port",
        type=int,
        default=None,
        help="moto's port (default 4566 when free, else any free port; 0 for any)",
    )
    _add_common(serve_parser)
    serve_parser.set_defaults(run=serve)

    invoke_parser = commands.add_parser("invoke", help="run one function with one event")
    invoke_parser.add_argument("function", help="logical id (HealthFunction) or folder (health)")
    invoke_parser.add_argument("event", help="event JSON file, or - for stdin")
    invoke_parser.add_argument(
        "--drain",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="afterwards, run the functions mapped to SQS queues until the queues are empty "
        "(default: on with a temporary stack, off with a running one, whose pollers do it)",
    )
    invoke_parser.add_argument(
        "--time",
        help="for a scheduled event, the moment its `time` names: ISO 8601 (replay a missed "
        "digest slot), next-hour (the seeded reader's next digest) or now; for an SNS event, "
        "when its messages (and the mail an SES record is about) were sent",
    )
    invoke_parser.add_argument(
        "--seed",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="seed a temporary stack's demo data first (default: on)",
    )
    _add_common(invoke_parser)
    invoke_parser.set_defaults(run=invoke)

    sam_env_parser = commands.add_parser(
        "sam-env",
        help="write SAM's --env-vars file that points `sam local` at the running stack",
    )
    sam_env_parser.add_argument(
        "--write",
        type=Path,
        metavar="FILE",
        help="write the file here (default: print it)",
    )
    sam_env_parser.add_argument(
        "--container-host",
        default=None,
        help="this machine as the Lambda containers name it (default host.docker.internal)",
    )
    _add_common(sam_env_parser)
    sam_env_parser.set_defaults(run=sam_env)

    token_parser = commands.add_parser("token", help="print a demo user's id token")
    token_parser.add_argument("username", nargs="?", default="admin")
    token_parser.add_argument("--password")
    token_parser.add_argument("--access", action="store_true", help="the access token instead")
    _add_common(token_parser)
    token_parser.set_defaults(run=token)

    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
