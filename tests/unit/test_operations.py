"""template.yaml keeps the operations promises of PRODUCT.md and docs/DEPLOY.md.

Every function has its alarm, its log group with retention and its sample event; every
asynchronous path ends in a dead-letter queue whose depth is alarmed; every alarm reaches a
topic CloudWatch can actually publish to; the dashboard renders; optional pieces (custom domain,
alarm email, reserved concurrency) exist only when their parameters ask for them. (The stack's
resource budget, counted with .venv-sam, is tests/template/test_resource_budget.py.) A function
added without its alarm fails here on purpose:
docs/DEPLOY.md ("Adding a function") shows what to add.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from byline.http.headers import SECURITY_HEADERS
from local.template import REPO_ROOT, Resolver, Template, references, strip_quotes

ROOT = REPO_ROOT

TEMPLATE = Template.load()
BODY: dict[str, Any] = TEMPLATE.body
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE.resources
FUNCTIONS: dict[str, dict[str, Any]] = {
    logical_id: TEMPLATE.properties(logical_id)  # Globals merged in, as SAM does
    for logical_id in TEMPLATE.of_type("AWS::Serverless::Function")
}
ALARM_TOPIC = {"Ref": "AlarmTopic"}

# Event sources that invoke a function asynchronously: Lambda queues the event and, after its
# retries, drops it unless the function has a dead-letter queue or an on-failure destination.
ASYNC_EVENTS = {
    "Schedule",
    "ScheduleV2",
    "EventBridgeRule",
    "CloudWatchEvent",
    "S3",
    "SNS",
    "CloudWatchLogs",
    "IoTRule",
}
# Of those, the ones delivered by an EventBridge rule or schedule, which has a target DLQ too.
RULE_EVENTS = {"Schedule", "ScheduleV2", "EventBridgeRule", "CloudWatchEvent"}
# Pollers whose failed batches must go somewhere: a redrive policy (SQS) or OnFailure (streams).
STREAM_EVENTS = {"DynamoDB", "Kinesis", "MSK", "SelfManagedKafka"}


def of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in RESOURCES.items() if r.get("Type") == kind}


def properties(logical_id: str) -> dict[str, Any]:
    return dict(RESOURCES[logical_id].get("Properties") or {})


def queue_ids(value: Any) -> set[str]:
    """The SQS queues of this template a value refers to."""
    return {
        lid for lid in references(value) if RESOURCES.get(lid, {}).get("Type") == "AWS::SQS::Queue"
    }


def metric_stats(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """Every metric an alarm reads, whether it is a single-metric alarm or metric math."""
    if "MetricName" in alarm:
        return [
            {
                "Namespace": alarm["Namespace"],
                "MetricName": alarm["MetricName"],
                "Dimensions": alarm.get("Dimensions", []),
            }
        ]
    return [q["MetricStat"]["Metric"] for q in alarm.get("Metrics", []) if "MetricStat" in q]


def dimension(metric: dict[str, Any], name: str) -> Any:
    return next((d["Value"] for d in metric.get("Dimensions", []) if d["Name"] == name), None)


def condition_holds(name: str, **parameters: str) -> bool:
    template = Template.load(overrides=parameters)
    return Resolver(template, lookup=_NoResources()).condition(name)


class _NoResources:
    def ref(self, logical_id: str) -> Any:
        raise AssertionError(f"a condition refers to the resource {logical_id}")

    def get_att(self, logical_id: str, attribute: str) -> Any:
        raise AssertionError(f"a condition refers to {logical_id}.{attribute}")


# ---------------------------------------------------------------- every function


def test_every_function_has_an_alarm_on_its_errors_and_throttles() -> None:
    missing = []
    for name in FUNCTIONS:
        alarm = RESOURCES.get(f"{name}Alarm")
        if alarm is None or alarm["Type"] != "AWS::CloudWatch::Alarm":
            missing.append(f"{name}: no {name}Alarm")
            continue
        props = alarm["Properties"]
        watched = {
            m["MetricName"]
            for m in metric_stats(props)
            if m["Namespace"] == "AWS/Lambda" and dimension(m, "FunctionName") == {"Ref": name}
        }
        if watched != {"Errors", "Throttles"}:
            missing.append(f"{name}Alarm watches {sorted(watched)}, not Errors and Throttles")
        returned = [q for q in props.get("Metrics", []) if q.get("ReturnData", True)]
        if len(returned) != 1 or "Expression" not in returned[0]:
            missing.append(f"{name}Alarm must alarm on one expression adding both metrics")
        if (props["ComparisonOperator"], props["Threshold"]) != ("GreaterThanThreshold", 0):
            missing.append(f"{name}Alarm must fire on any error or throttle (> 0)")
    assert not missing, "See docs/DEPLOY.md, 'Adding a function':\n" + "\n".join(missing)


def test_every_function_has_a_log_group_with_retention() -> None:
    missing = [
        name
        for name in FUNCTIONS
        if properties(f"{name}LogGroup").get("RetentionInDays") != {"Ref": "LogRetentionDays"}
        if f"{name}LogGroup" in RESOURCES
    ] + [name for name in FUNCTIONS if f"{name}LogGroup" not in RESOURCES]
    assert not missing, f"functions without a {{Name}}LogGroup kept LogRetentionDays: {missing}"


def test_every_log_group_in_the_template_expires_its_logs() -> None:
    log_groups = of_type("AWS::Logs::LogGroup")
    assert "ApiAccessLogGroup" in log_groups
    forever = [lid for lid, r in log_groups.items() if "RetentionInDays" not in r["Properties"]]
    assert not forever, f"log groups kept forever: {forever}"


def test_every_function_has_a_sample_event_file() -> None:
    missing = [
        f"{name}: events/{Path(str(props['CodeUri'])).name}.json"
        for name, props in FUNCTIONS.items()
        if not (ROOT / "events" / f"{Path(str(props['CodeUri'])).name}.json").is_file()
    ]
    assert not missing, "no sample event:\n" + "\n".join(missing)


# ---------------------------------------------------------------- dead-letter queues


def test_every_asynchronous_path_ends_in_a_dead_letter_queue() -> None:
    problems = []
    async_targets: set[str] = set()
    for name, props in FUNCTIONS.items():
        for event_name, event in (props.get("Events") or {}).items():
            kind, event_props = event["Type"], event.get("Properties") or {}
            if kind in ASYNC_EVENTS:
                async_targets.add(name)
            if kind in RULE_EVENTS and "DeadLetterConfig" not in event_props:
                problems.append(
                    f"{name}.{event_name} ({kind}): the rule target has no DeadLetterConfig"
                )
            if kind == "SQS":
                for queue in queue_ids(event_props.get("Queue")):
                    if "RedrivePolicy" not in properties(queue):
                        problems.append(f"{name}.{event_name}: queue {queue} has no RedrivePolicy")
            if kind in STREAM_EVENTS and not (
                (event_props.get("DestinationConfig") or {}).get("OnFailure")
            ):
                problems.append(f"{name}.{event_name} ({kind}): no DestinationConfig.OnFailure")
    for bucket, resource in of_type("AWS::S3::Bucket").items():
        notifications = resource["Properties"].get("NotificationConfiguration") or {}
        for config in notifications.get("LambdaConfigurations", []):
            targets = references(config.get("Function")) & set(FUNCTIONS)
            if not targets:
                problems.append(f"{bucket}: a notification's function is not in this template")
            async_targets |= targets
    for name in sorted(async_targets):
        props = FUNCTIONS[name]
        on_failure = ((props.get("EventInvokeConfig") or {}).get("DestinationConfig") or {}).get(
            "OnFailure"
        )
        if not props.get("DeadLetterQueue") and not on_failure:
            problems.append(f"{name} is invoked asynchronously but has no DeadLetterQueue")
    for queue, resource in of_type("AWS::SQS::Queue").items():
        if "DeadLetter" not in queue and "RedrivePolicy" not in resource["Properties"]:
            problems.append(f"queue {queue} has no RedrivePolicy (and is not a dead-letter queue)")
    assert not problems, "\n".join(problems)


def dead_letter_targets() -> dict[str, str]:
    """Every queue used as a dead-letter target, and by what."""
    found: dict[str, str] = {}
    for name, props in FUNCTIONS.items():
        for queue in queue_ids((props.get("DeadLetterQueue") or {}).get("TargetArn")):
            found[queue] = f"{name}.DeadLetterQueue"
        destination = ((props.get("EventInvokeConfig") or {}).get("DestinationConfig") or {}).get(
            "OnFailure"
        )
        for queue in queue_ids(destination):
            found[queue] = f"{name}.EventInvokeConfig"
        for event_name, event in (props.get("Events") or {}).items():
            event_props = event.get("Properties") or {}
            for key in ("DeadLetterConfig", "DestinationConfig"):
                for queue in queue_ids(event_props.get(key)):
                    found[queue] = f"{name}.{event_name}.{key}"
    for queue, resource in of_type("AWS::SQS::Queue").items():
        for target in queue_ids(resource["Properties"].get("RedrivePolicy")):
            found[target] = f"{queue}.RedrivePolicy"
    return found


def test_every_dead_letter_target_is_a_queue_named_dead_letter() -> None:
    misnamed = {q: by for q, by in dead_letter_targets().items() if "DeadLetter" not in q}
    assert not misnamed, (
        f"dead-letter queues must have DeadLetter in their logical id (so their depth is "
        f"alarmed): {misnamed}"
    )


def test_every_dead_letter_queue_keeps_messages_14_days_and_alarms_on_depth() -> None:
    queues = [q for q in of_type("AWS::SQS::Queue") if "DeadLetter" in q]
    assert queues, "the scheduled publisher, at least, has a dead-letter queue"
    problems = []
    for queue in queues:
        if str(properties(queue).get("MessageRetentionPeriod")) != "1209600":
            problems.append(f"{queue}: MessageRetentionPeriod must be 1209600 (14 days)")
        alarm = RESOURCES.get(f"{queue}DepthAlarm")
        if alarm is None:
            problems.append(f"{queue}: no {queue}DepthAlarm")
            continue
        props = alarm["Properties"]
        metric = metric_stats(props)[0]
        if (metric["Namespace"], metric["MetricName"]) != (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
        ) or dimension(metric, "QueueName") != {"Fn::GetAtt": [queue, "QueueName"]}:
            problems.append(f"{queue}DepthAlarm must watch {queue}'s visible messages")
        if (props["ComparisonOperator"], props["Threshold"]) != ("GreaterThanThreshold", 0):
            problems.append(f"{queue}DepthAlarm must fire on the first message")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- alarms and their topic


def test_every_alarm_notifies_the_alarm_topic() -> None:
    alarms = of_type("AWS::CloudWatch::Alarm")
    silent = [
        lid for lid, a in alarms.items() if a["Properties"].get("AlarmActions") != [ALARM_TOPIC]
    ]
    assert not silent, f"alarms that notify nobody: {silent}"
    names = [a["Properties"].get("AlarmName") for a in alarms.values()]
    assert all(isinstance(n, dict) and "${Stage}" in n["Fn::Sub"] for n in names), (
        "alarm names must include the stage (they are unique per account and region)"
    )


def test_alarm_topic_uses_a_customer_managed_key_that_cloudwatch_may_use() -> None:
    topic = properties("AlarmTopic")
    # alias/aws/sns would encrypt too, but its key policy does not admit CloudWatch, so alarm
    # notifications would silently never arrive.
    assert topic["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    key = properties("AlarmTopicKey")
    assert key["EnableKeyRotation"] is True
    grants = [
        s
        for s in key["KeyPolicy"]["Statement"]
        if s["Effect"] == "Allow" and s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert grants, "the key policy does not admit cloudwatch.amazonaws.com"
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(grants[0]["Action"])


def test_alarm_email_is_subscribed_only_when_one_is_given() -> None:
    subscription = RESOURCES["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"] == {
        "TopicArn": ALARM_TOPIC,
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }
    assert BODY["Parameters"]["AlarmEmail"]["Default"] == ""
    assert condition_holds("HasAlarmEmail", AlarmEmail="ops@example.com")
    assert not condition_holds("HasAlarmEmail")


def test_api_alarms_watch_the_5xx_rate_and_the_p99_latency_of_this_stage() -> None:
    api_name = properties("Api")["Name"]
    rate = properties("ApiServerErrorRateAlarm")
    metrics = {m["MetricName"]: m for m in metric_stats(rate)}
    assert set(metrics) == {"5XXError", "Count"}
    for metric in metrics.values():
        assert metric["Namespace"] == "AWS/ApiGateway"
        assert dimension(metric, "ApiName") == api_name
        assert dimension(metric, "Stage") == {"Ref": "Stage"}
    expression = next(q["Expression"] for q in rate["Metrics"] if q.get("ReturnData", True))
    assert "errors / requests" in expression
    latency = properties("ApiLatencyAlarm")
    assert (latency["Namespace"], latency["MetricName"]) == ("AWS/ApiGateway", "Latency")
    assert latency["ExtendedStatistic"] == "p99"
    assert dimension(latency, "ApiName") == api_name


def test_ses_bounce_rate_is_alarmed_before_ses_reviews_the_account() -> None:
    bounce = properties("SesBounceRateAlarm")
    assert (bounce["Namespace"], bounce["MetricName"]) == ("AWS/SES", "Reputation.BounceRate")
    assert bounce["ComparisonOperator"] == "GreaterThanThreshold"
    assert 0 < bounce["Threshold"] < 0.05


INSIGHTS_QUERY = (
    "SELECT SUM({metric}) FROM SCHEMA(Byline, service, stage) WHERE stage = '${{Stage}}'"
)
"""A Metrics Insights query over this stage's series of one custom metric (not SQL)."""


def test_custom_metric_alarms_cover_every_function_of_their_stage_through_metrics_insights() -> (
    None
):
    for alarm, metric in (
        ("UnhandledErrorsAlarm", "UnhandledErrors"),
        ("DomainEventFailuresAlarm", "DomainEventFailures"),
        ("DigestsUnconfirmedAlarm", "DigestsUnconfirmed"),
        ("DigestsNotBuiltAlarm", "DigestsNotBuilt"),
    ):
        query = INSIGHTS_QUERY.format(metric=metric)
        (returned,) = properties(alarm)["Metrics"]
        assert returned["Expression"] == {"Fn::Sub": query}
        assert metric in emitted_metric_names(), f"nothing emits {metric}"


# ---------------------------------------------------------------- dashboard


def emitted_metric_names() -> set[str]:
    """Custom metric names the code emits (metrics.add_metric(name="...")."""
    names: set[str] = set()
    for source in [*ROOT.glob("layers/common/byline/**/*.py"), *ROOT.glob("functions/*/*.py")]:
        text = source.read_text("utf-8")
        names |= set(re.findall(r"add_metric\(\s*name=\"(\w+)\"", text))
        # a function that names its metrics in a table: METRICS = {"outcome": "MetricName", ...}
        for table in re.findall(r"^METRICS = \{(.*?)^\}", text, re.MULTILINE | re.DOTALL):
            names |= set(re.findall(r":\s*\"(\w+)\"", table))
    return names


def rendered_dashboard() -> dict[str, Any]:
    body = properties("Dashboard")["DashboardBody"]
    assert set(body) == {"Fn::Sub"}
    assert isinstance(body["Fn::Sub"], str)
    known = set(BODY["Parameters"]) | set(RESOURCES) | {"AWS::Region", "AWS::AccountId"}

    def placeholder(match: re.Match[str]) -> str:
        name = match.group(1).split(".", 1)[0]
        assert name in known, f"the dashboard refers to unknown ${{{match.group(1)}}}"
        return f"<{match.group(1)}>"

    return json.loads(re.sub(r"\$\{([^}!]+)\}", placeholder, body["Fn::Sub"]))


def test_dashboard_shows_api_functions_table_and_byline_metrics() -> None:
    dashboard = rendered_dashboard()
    series: set[tuple[str, str]] = set()
    expressions: list[str] = []
    for widget in dashboard["widgets"]:
        for row in widget["properties"].get("metrics", []):
            if isinstance(row[0], dict):
                expressions.append(row[0]["expression"])
            else:
                series.add((row[0], row[1]))
    assert {
        ("AWS/ApiGateway", "Count"),
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/ApiGateway", "Latency"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Duration"),
        ("AWS/DynamoDB", "ReadThrottleEvents"),
        ("AWS/DynamoDB", "WriteThrottleEvents"),
    } <= series
    byline = {
        m
        for e in expressions
        for m in re.findall(r"\{Byline,service,stage\} stage=\"<Stage>\" MetricName=\"(\w+)\"", e)
    }
    assert {"ArticlesPublished", "DomainEventFailures", "UnhandledErrors"} <= byline
    assert byline <= emitted_metric_names(), "the dashboard shows metrics nothing emits"


# ---------------------------------------------------------------- optional pieces


def test_custom_domain_exists_only_when_domain_and_certificate_are_both_given() -> None:
    for logical_id in ("ApiDomain", "ApiDomainMapping"):
        assert RESOURCES[logical_id]["Condition"] == "HasCustomDomain"
    for output in ("ApiCustomDomainUrl", "ApiDomainTarget"):
        assert BODY["Outputs"][output]["Condition"] == "HasCustomDomain"
    mapping = properties("ApiDomainMapping")
    assert mapping["RestApiId"] == {"Ref": "Api"}
    assert mapping["DomainName"] == {"Ref": "ApiDomain"}
    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    assert condition_holds(
        "HasCustomDomain", DomainName="api.example.com", DomainCertificateArn=certificate
    )
    assert not condition_holds("HasCustomDomain", DomainName="api.example.com")
    assert not condition_holds("HasCustomDomain", DomainCertificateArn=certificate)
    assert not condition_holds("HasCustomDomain")


def test_reserved_concurrency_is_a_parameter_that_defaults_to_unreserved() -> None:
    assert "ReservedConcurrentExecutions" not in BODY["Globals"]["Function"]
    reserved = {
        name: props["ReservedConcurrentExecutions"]
        for name, props in FUNCTIONS.items()
        if "ReservedConcurrentExecutions" in props
    }
    assert "AuthLoginFunction" in reserved
    for name, value in reserved.items():
        assert "Fn::If" in (value if isinstance(value, dict) else {}), (
            f"{name}: reserved concurrency must be !If [<condition>, !Ref <parameter>, "
            f"!Ref AWS::NoValue], never a number (docs/DEPLOY.md, 'Reserved concurrency')"
        )
        condition, when_true, when_false = value["Fn::If"]
        parameter = BODY["Parameters"][when_true["Ref"]]
        assert when_false == {"Ref": "AWS::NoValue"}, name
        assert (parameter["Type"], parameter["Default"], parameter["MinValue"]) == ("Number", 0, 0)
        assert not condition_holds(condition), f"{name} reserves concurrency by default"
        assert condition_holds(condition, **{when_true["Ref"]: "50"})


def test_functions_and_the_api_are_traced_with_x_ray() -> None:
    assert BODY["Globals"]["Function"]["Tracing"] == "Active"
    assert properties("Api")["TracingEnabled"] is True


def test_gateway_responses_carry_the_same_security_headers_as_the_functions() -> None:
    for kind, response in properties("Api")["GatewayResponses"].items():
        headers = {
            name: strip_quotes(value)
            for name, value in response["ResponseParameters"]["Headers"].items()
        }
        for name, value in SECURITY_HEADERS.items():
            assert headers.get(name) == value, f"{kind}: {name}"
        assert headers["Cache-Control"] == "no-store", kind


# ---------------------------------------------------------------- data safety


def test_table_and_buckets_survive_stack_deletion_and_replacement() -> None:
    for logical_id in ["Table", *of_type("AWS::S3::Bucket")]:
        assert RESOURCES[logical_id]["DeletionPolicy"] == "Retain", logical_id
        assert RESOURCES[logical_id]["UpdateReplacePolicy"] == "Retain", logical_id


def test_buckets_expire_old_versions_and_incomplete_uploads() -> None:
    for logical_id, bucket in of_type("AWS::S3::Bucket").items():
        rules = [
            r
            for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]
            if r["Status"] == "Enabled"
        ]
        assert any("NoncurrentVersionExpiration" in r for r in rules), logical_id
        assert any("AbortIncompleteMultipartUpload" in r for r in rules), logical_id


def test_queues_and_topics_are_encrypted_at_rest() -> None:
    for logical_id, queue in of_type("AWS::SQS::Queue").items():
        props = queue["Properties"]
        assert props.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in props, logical_id
    for logical_id, topic in of_type("AWS::SNS::Topic").items():
        assert "KmsMasterKeyId" in topic["Properties"], logical_id
