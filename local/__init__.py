"""Byline's local stack: the whole API on 127.0.0.1 with no AWS account and no Docker.

``python -m local serve`` starts moto in server mode, creates the resources template.yaml
declares, seeds demo users, and serves every route of the template through its own handler
the way API Gateway and Lambda would call it. ``python -m local invoke`` runs one function with
one event file, like ``sam local invoke``. The modules, in the order a request meets them:

* :mod:`local.template`    - template.yaml with CloudFormation tags, intrinsics resolved
* :mod:`local.moto_server` - moto in a child process
* :mod:`local.bootstrap`   - the template's resources created on moto
* :mod:`local.seed`        - demo users
* :mod:`local.gateway`     - API Gateway: routes, Cognito authorizer, proxy events, CORS
* :mod:`local.jwt_verify`  - the Cognito authorizer's token checks
* :mod:`local.events`      - the shapes of the events AWS sends
* :mod:`local.runtime`     - Lambda: warm worker processes per function, schedules, SQS, S3
* :mod:`local.docs_ui`     - Swagger UI and the index page
* :mod:`local.outbox`      - the emails the emulated SES accepted, and the /_outbox page

Imports here are lazy: worker processes import :mod:`local.runtime`, which imports this
package first, and a worker should load nothing its function does not need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local.bootstrap import Stack
    from local.gateway import Gateway, LocalHttpServer
    from local.runtime import Runtime, S3Poller, Scheduler, SqsPoller
    from local.seed import DemoUser


@dataclass
class LocalStack:
    """A running gateway, runtime and event sources over a bootstrapped stack.

    moto's lifetime belongs to the caller, so the same moto can outlive several stacks (the
    test session does that).
    """

    stack: Stack
    runtime: Runtime
    gateway: Gateway
    server: LocalHttpServer
    scheduler: Scheduler | None = None
    pollers: list[SqsPoller] = field(default_factory=list)
    s3_pollers: list[S3Poller] = field(default_factory=list)
    users: list[DemoUser] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        stack: Stack,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed_users: bool = True,
        event_sources: bool = True,
        workers_per_function: int = 4,
    ) -> LocalStack:
        from datetime import UTC, datetime

        from local.gateway import Gateway, LocalHttpServer, build_routes
        from local.runtime import Runtime, Scheduler, SqsPoller, function_specs, schedules
        from local.runtime import s3_pollers as find_s3_pollers
        from local.runtime import sqs_mappings as find_sqs_mappings
        from local.seed import DEMO_PASSWORD, seed

        users = seed(stack) if seed_users else []
        specs = function_specs(stack)
        runtime = Runtime(specs, workers_per_function=workers_per_function)
        notes = [f"moto (AWS emulation) at {stack.endpoint}"]
        if users:
            notes.append(
                "demo users: "
                + ", ".join(f"{u.username} ({u.email})" for u in users)
                + f"; password {DEMO_PASSWORD}; id token: python -m local token <username>"
            )
        notes.append("skipped (nothing to emulate): " + ", ".join(stack.skipped_summary()))
        notes += [f"NOT EMULATED: {lid}: {stack.skipped[lid]}" for lid in stack.not_emulated()]
        gateway = Gateway(
            build_routes(stack, {lid: spec.events for lid, spec in specs.items()}),
            runtime,
            region=stack.region,
            account_id=stack.account_id,
            notes=notes,
            extra_index={"moto_endpoint": stack.endpoint, "stage": stack.template.stage},
            outbox_endpoint=stack.endpoint,
        )
        try:
            server = LocalHttpServer(host, port, gateway)
        except OSError:
            runtime.close()
            raise
        for spec in specs.values():  # links in emails lead to this API (workers start lazily)
            if "API_URL" in spec.environment:
                spec.environment["API_URL"] = server.base_url
        local = cls(stack=stack, runtime=runtime, gateway=gateway, server=server, users=users)
        server.start()
        if event_sources:
            now = datetime.now(UTC)
            local.scheduler = Scheduler(
                runtime,
                schedules(specs, stack, now),
                started=now,
                region=stack.region,
                account_id=stack.account_id,
            )
            local.scheduler.start()
            local.pollers = [SqsPoller(runtime, m, stack) for m in find_sqs_mappings(specs, stack)]
            for poller in local.pollers:
                poller.start()
            local.s3_pollers = find_s3_pollers(runtime, stack)
            for s3_poller in local.s3_pollers:
                s3_poller.start()
        return local

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def stop(self) -> None:
        """Stop taking requests, stop event sources, then stop every worker process."""
        self.server.stop()
        if self.scheduler is not None:
            self.scheduler.stop()
        for poller in self.pollers:
            poller.stop()
        for s3_poller in self.s3_pollers:
            s3_poller.stop()
        self.runtime.close()

    def state(self) -> dict[str, Any]:
        """What .local/stack.json records, so ``local invoke`` and tools can find the stack."""
        import os

        return {
            "pid": os.getpid(),
            "api_url": self.base_url,
            "moto_endpoint": self.stack.endpoint,
            "stage": self.stack.template.stage,
            "environment": self.stack.environment(),
            "routes": [
                {"method": r.method, "path": r.path, "function": r.function, "auth": r.protected}
                for r in self.gateway.route_infos()
            ],
            "demo_users": [u.__dict__ for u in self.users],
            "stack": self.stack.to_json(),
        }
