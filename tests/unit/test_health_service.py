from byline.errors import ServiceUnavailable
from byline.services import health
from byline.settings import load_settings

SETTINGS = load_settings({"TABLE_NAME": "byline-test", "STAGE": "test", "BYLINE_VERSION": "9.9.9"})


class FakeTable:
    def __init__(self, error=None):
        self.error = error
        self.keys = []

    def get(self, key, consistent=False):
        self.keys.append(key)
        if self.error:
            raise self.error
        return


def test_reachable_table_reports_ok_with_version_and_stage():
    table = FakeTable()
    report = health.check(table, SETTINGS)
    assert (report.status, report.table, report.version, report.stage) == (
        "ok",
        "reachable",
        "9.9.9",
        "test",
    )
    assert table.keys == [{"PK": "HEALTH", "SK": "HEALTH"}]


def test_throttled_or_unreachable_table_reports_degraded():
    report = health.check(FakeTable(ServiceUnavailable("busy")), SETTINGS)
    assert (report.status, report.table) == ("degraded", "unreachable")


def test_any_other_table_error_reports_degraded():
    report = health.check(FakeTable(RuntimeError("AccessDenied")), SETTINGS)
    assert report.status == "degraded"
