"""Bounded load on a local stack of its own, on 127.0.0.1 only: ``make load`` (or
``python -m bench.load --requests 3000 --clients 16``).

It starts moto and the whole API on free loopback ports, seeds the demo users, signs up readers,
publishes articles, then runs a fixed number of mixed requests from concurrent clients (threads
with their own keep-alive sessions): reads of listings, articles, comments, tags and the feed,
and writes: likes, unlikes, comments and profile edits. Each client owns its readers, so what it
did is known exactly; afterwards every article's like and comment counts, its comment listing
and the tag's counter are checked against that ledger. It stops after ``--requests`` requests
or ``--max-seconds``, whichever comes first, and prints (and writes to
``.local/reports/load.json``) the error count and latency percentiles.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / ".local" / "reports" / "load.json"
PASSWORD = "Correct-horse-42"  # noqa: S105 - the throwaway readers the run signs up
WEIGHTS = {
    "list articles": 20,
    "read article": 20,
    "read comments": 10,
    "list tags": 8,
    "site feed": 5,
    "like": 12,
    "unlike": 8,
    "comment": 10,
    "edit profile": 7,
}


@dataclass
class Reader:
    username: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Ledger:
    """What the clients did, exactly: the truth the stored counts are checked against."""

    likes: dict[tuple[str, str], bool] = field(default_factory=dict)
    comments: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Sample:
    operation: str
    status: int
    seconds: float
    ok: bool
    warm_up: bool
    started: float


def _json(response: requests.Response) -> Any:
    return response.json() if response.content else None


def sign_up(base: str, session: requests.Session) -> Reader:
    name = "load" + uuid.uuid4().hex[:10]
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    response = session.post(f"{base}/auth/signup", json={**body, "display_name": name}, timeout=30)
    response.raise_for_status()
    confirm = {"username": name, "code": "123456"}
    session.post(f"{base}/auth/confirm", json=confirm, timeout=30).raise_for_status()
    return Reader(name, log_in(base, session, name, PASSWORD))


def log_in(base: str, session: requests.Session, login: str, password: str) -> str:
    response = session.post(
        f"{base}/auth/login", json={"login": login, "password": password}, timeout=30
    )
    response.raise_for_status()
    return str(response.json()["id_token"])


def publish_articles(base: str, token: str, tag: str, count: int) -> list[dict[str, Any]]:
    auth = {"Authorization": f"Bearer {token}"}
    articles = []
    for i in range(count):
        body = {"title": f"Load {tag} {i}", "body": "Some **text**. " * 50, "tags": [tag]}
        created = requests.post(f"{base}/articles", json=body, headers=auth, timeout=30)
        created.raise_for_status()
        article = created.json()
        published = requests.post(
            f"{base}/articles/{article['id']}/publish", json={}, headers=auth, timeout=30
        )
        published.raise_for_status()
        articles.append(published.json())
    return articles


class Client(threading.Thread):
    def __init__(
        self,
        base: str,
        readers: list[Reader],
        articles: list[dict[str, Any]],
        tag: str,
        budget: Budget,
        ledger: Ledger,
        seed: int,
    ) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.readers = readers
        self.articles = articles
        self.tag = tag
        self.budget = budget
        self.ledger = ledger
        self.random = random.Random(seed)
        self.session = requests.Session()
        self.samples: list[Sample] = []

    def run(self) -> None:
        operations = list(WEIGHTS)
        weights = list(WEIGHTS.values())
        while (ticket := self.budget.take()) is not None:
            operation = self.random.choices(operations, weights)[0]
            started = time.perf_counter()
            try:
                status, ok = self.do(operation)
            except requests.RequestException:
                status, ok = 0, False
            elapsed = time.perf_counter() - started
            warm_up = ticket < self.budget.warm
            self.samples.append(Sample(operation, status, elapsed, ok, warm_up, started))

    def do(self, operation: str) -> tuple[int, bool]:
        article = self.random.choice(self.articles)
        reader = self.random.choice(self.readers)
        base, get = self.base, self.session.get
        if operation == "list articles":
            response = get(f"{base}/articles?tag={self.tag}&limit=20", timeout=30)
            return response.status_code, response.status_code == 200
        if operation == "read article":
            response = get(f"{base}/articles/{article['slug']}", timeout=30)
            return response.status_code, response.status_code == 200
        if operation == "read comments":
            response = get(f"{base}/articles/{article['id']}/comments", timeout=30)
            return response.status_code, response.status_code == 200
        if operation == "list tags":
            response = get(f"{base}/tags", timeout=30)
            return response.status_code, response.status_code == 200
        if operation == "site feed":
            response = get(f"{base}/feed.xml", timeout=30)
            return response.status_code, response.status_code == 200
        if operation in {"like", "unlike"}:
            method = self.session.put if operation == "like" else self.session.delete
            response = method(f"{base}/articles/{article['id']}/like", headers=reader.auth,
                              timeout=30)  # fmt: skip
            if response.status_code == 200:
                with self.ledger.lock:
                    self.ledger.likes[(reader.username, article["id"])] = operation == "like"
            return response.status_code, response.status_code == 200
        if operation == "comment":
            response = self.session.post(
                f"{base}/articles/{article['id']}/comments",
                json={"body": f"Comment {uuid.uuid4().hex[:6]}"},
                headers=reader.auth,
                timeout=30,
            )
            if response.status_code == 201:
                with self.ledger.lock:
                    self.ledger.comments[article["id"]] += 1
            return response.status_code, response.status_code == 201
        response = self.session.patch(
            f"{base}/me", json={"bio": f"Bio {uuid.uuid4().hex[:8]}"}, headers=reader.auth,
            timeout=30,
        )  # fmt: skip
        return response.status_code, response.status_code == 200


class Budget:
    """A fixed number of requests (the first ``warm`` of them warm-up) and a deadline, shared
    by the clients."""

    def __init__(self, requests_: int, warm: int, seconds: float) -> None:
        self.total = requests_ + warm
        self.warm = warm
        self.taken = 0
        self.deadline = time.monotonic() + seconds
        self.lock = threading.Lock()

    def take(self) -> int | None:
        """The request's number, or None when the budget or the time is spent."""
        with self.lock:
            if self.taken >= self.total or time.monotonic() > self.deadline:
                return None
            self.taken += 1
            return self.taken - 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def check_consistency(
    base: str, articles: list[dict[str, Any]], tag: str, ledger: Ledger
) -> list[str]:
    """Every stored count against the ledger; the problems found (none, we hope)."""
    problems = []
    likes = Counter(article for (_, article), liked in ledger.likes.items() if liked)
    for article in articles:
        stored = requests.get(f"{base}/articles/{article['slug']}", timeout=30).json()
        if stored["like_count"] != likes[article["id"]]:
            problems.append(
                f"{article['slug']}: {stored['like_count']} likes, {likes[article['id']]} made"
            )
        if stored["comment_count"] != ledger.comments[article["id"]]:
            problems.append(
                f"{article['slug']}: {stored['comment_count']} comments counted, "
                f"{ledger.comments[article['id']]} made"
            )
        listed, cursor = 0, None
        while True:
            params: dict[str, str | int] = {"limit": 100}
            if cursor:
                params["cursor"] = cursor
            page = requests.get(
                f"{base}/articles/{article['id']}/comments", params=params, timeout=30
            ).json()
            listed += sum(1 + len(t.get("replies", [])) for t in page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        if listed != ledger.comments[article["id"]]:
            problems.append(f"{article['slug']}: {listed} comments listed")
    counted = requests.get(f"{base}/tags/{tag}", timeout=30).json()["articles"]
    if counted != len(articles):
        problems.append(f"tag {tag}: {counted} articles counted, {len(articles)} published")
    return problems


def run(
    requests_: int, warm: int, clients: int, readers_per_client: int, seconds: float, seed: int
) -> dict[str, Any]:
    from local import LocalStack
    from local.bootstrap import bootstrap
    from local.moto_server import MotoServer
    from local.seed import DEMO_PASSWORD
    from local.template import Template

    moto = MotoServer(0)
    endpoint = moto.start()
    stack_ = None
    try:
        stack = bootstrap(Template.load(overrides={"Stage": "load"}), endpoint)
        stack_ = LocalStack.start(stack, host="127.0.0.1", port=0, event_sources=False)
        base = stack_.base_url
        assert base.startswith("http://127.0.0.1:"), base
        setup = requests.Session()
        author = log_in(base, setup, "author", DEMO_PASSWORD)
        tag = "load" + uuid.uuid4().hex[:6]
        articles = publish_articles(base, author, tag, 8)
        readers = [sign_up(base, setup) for _ in range(clients * readers_per_client)]
        ledger = Ledger()
        budget = Budget(requests_, warm, seconds)
        workers = [
            Client(base, readers[i::clients], articles, tag, budget, ledger, seed + i)
            for i in range(clients)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        samples = [s for w in workers for s in w.samples if not s.warm_up]
        elapsed = max(s.started + s.seconds for s in samples) - min(s.started for s in samples)
        problems = check_consistency(base, articles, tag, ledger)
    finally:
        if stack_ is not None:
            stack_.stop()
        moto.stop()
    return report(samples, elapsed, clients, problems)


def report(
    samples: list[Sample], elapsed: float, clients: int, problems: list[str]
) -> dict[str, Any]:
    def figures(group: list[Sample]) -> dict[str, Any]:
        ms = [s.seconds * 1000 for s in group]
        return {
            "requests": len(group),
            "errors": sum(not s.ok for s in group),
            "server_errors": sum(s.status >= 500 or s.status == 0 for s in group),
            "p50_ms": round(statistics.median(ms), 1) if ms else 0,
            "p95_ms": round(percentile(ms, 95), 1),
            "p99_ms": round(percentile(ms, 99), 1),
            "max_ms": round(max(ms), 1) if ms else 0,
        }

    by_operation: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_operation[sample.operation].append(sample)
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "throughput_rps": round(len(samples) / elapsed, 1) if elapsed else 0,
        "overall": figures(samples),
        "statuses": dict(sorted(Counter(s.status for s in samples).items())),
        "by_operation": {op: figures(group) for op, group in sorted(by_operation.items())},
        "consistency_problems": problems,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="total requests (bound)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument(
        "--warm-up", type=int, default=300, help="requests first, not measured (cold starts)"
    )
    parser.add_argument("--readers-per-client", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=300, help="time bound")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    result = run(
        args.requests,
        args.warm_up,
        args.clients,
        args.readers_per_client,
        args.max_seconds,
        args.seed,
    )
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    failed = result["overall"]["server_errors"] or result["consistency_problems"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
