"""The moto child keeps no copy of what it no longer holds.

moto records every model object it creates for its dashboard and never lets one go; each
TransactWriteItems deep-copies the whole table (to roll back a cancelled transaction), so every
transaction used to leave a copy of the table behind. Over the full test suite that grew the
server past 20 GB, until the kernel's OOM killer ended it and every later test lost its AWS.
``local.moto_server.stop_instance_tracking`` is what this guards.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from local.bootstrap import client
from local.moto_server import MotoServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc"),
]

ITEMS = 1000
TRANSACTIONS = 200
ITEM_BYTES = 500


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def test_transactions_on_a_large_table_do_not_grow_the_server():
    with MotoServer(0) as server:
        assert server.pid is not None
        ddb = client("dynamodb", server.endpoint)
        table = f"t{uuid.uuid4().hex[:8]}"
        ddb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for start in range(0, ITEMS, 25):
            ddb.batch_write_item(
                RequestItems={
                    table: [
                        {
                            "PutRequest": {
                                "Item": {"PK": {"S": f"i{n}"}, "B": {"S": "x" * ITEM_BYTES}}
                            }
                        }
                        for n in range(start, start + 25)
                    ]
                }
            )
        # one transaction first, so that allocations made once (the first copy) are not counted
        ddb.transact_write_items(
            TransactItems=[{"Put": {"TableName": table, "Item": {"PK": {"S": "w"}}}}]
        )
        before = _rss_mb(server.pid)
        for n in range(TRANSACTIONS):
            ddb.transact_write_items(
                TransactItems=[{"Put": {"TableName": table, "Item": {"PK": {"S": f"n{n}"}}}}]
            )
        grown = _rss_mb(server.pid) - before
        assert ddb.scan(TableName=table, Select="COUNT")["Count"] == ITEMS + 1 + TRANSACTIONS
    # the leak kept ~0.6 MB per transaction on this table (about 120 MB here); without it the
    # server grows by a few MB of allocator noise at most
    assert grown < 30, f"moto grew by {grown:.0f} MB over {TRANSACTIONS} transactions"
