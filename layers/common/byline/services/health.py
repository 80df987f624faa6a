"""Whether this deployment can serve requests: the version and that the table answers."""

from __future__ import annotations

from byline.data.keys import health as health_key
from byline.data.table import Table
from byline.errors import ServiceUnavailable
from byline.models.health import Health
from byline.observability import logger
from byline.settings import Settings


def check(table: Table, settings: Settings) -> Health:
    try:
        table.get(health_key())
        reachable = True
    except ServiceUnavailable:
        reachable = False
    except Exception:  # any other refusal (missing table, denied) still means "not serving"
        logger.exception("Health check could not read the table")
        reachable = False
    return Health(
        status="ok" if reachable else "degraded",
        version=settings.version,
        stage=settings.stage,
        table="reachable" if reachable else "unreachable",
    )
