"""Create the template's AWS resources on moto, and remember what they are called.

Each supported resource type has a small creator that translates CloudFormation properties
into the API calls CloudFormation would make. Creators are idempotent (an existing table,
bucket, pool or client is adopted, not duplicated) so a stack can be bootstrapped twice on the
same moto, as the test fixtures and ``local invoke`` against a running stack do.

Resource types that moto need not emulate for Byline to run are skipped, each with the reason
in :data:`SKIPPED_TYPES`; a type that is neither created nor knowingly skipped is reported so
a template change never silently goes missing locally.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local.template import (
    LOCAL_ACCOUNT_ID,
    LOCAL_REGION,
    PARTITION,
    Resolver,
    Template,
    as_env_value,
    dependency_order,
)

log = logging.getLogger("local.bootstrap")

SKIPPED_TYPES: dict[str, str] = {
    "AWS::IAM::Role": "moto does not enforce IAM locally; every call is allowed",
    "AWS::IAM::Policy": "moto does not enforce IAM locally",
    "AWS::IAM::ManagedPolicy": "moto does not enforce IAM locally",
    "AWS::Logs::LogGroup": "functions log to the terminal",
    "AWS::ApiGateway::Account": "account-wide API Gateway logging role; nothing to emulate",
    "AWS::ApiGateway::DomainName": "custom domains do not exist locally; use the local URL",
    "AWS::ApiGateway::BasePathMapping": "custom domains do not exist locally; use the local URL",
    "AWS::CertificateManager::Certificate": "no TLS locally",
    "AWS::Route53::RecordSet": "no DNS locally",
    "AWS::S3::BucketPolicy": "moto does not enforce bucket policies and the endpoint is HTTP",
    "AWS::SQS::QueuePolicy": "moto does not enforce queue policies",
    "AWS::Lambda::Permission": "the local runtime invokes functions directly",
    "AWS::CloudWatch::Alarm": "no metrics are collected locally",
    "AWS::CloudWatch::Dashboard": "no metrics are collected locally",
    "AWS::SNS::Subscription": "the alarm topic's email; no alarms fire locally",
    "AWS::SNS::TopicPolicy": "moto does not enforce topic policies",
    "AWS::SES::ConfigurationSetEventDestination": "moto publishes no SES events; "
    "local.events.sns_event builds what the feedback topic delivers (events/ses_feedback.json)",
    "AWS::KMS::Key": "encrypts an SNS topic; the local topics are not encrypted",
    "AWS::KMS::Alias": "names a topic's key, which does not exist locally",
    "AWS::Serverless::Api": "emulated by local.gateway",
    "AWS::Serverless::Function": "run by local.runtime",
    "AWS::Serverless::LayerVersion": "its ContentUri is put on the functions' sys.path",
}


NOT_EMULATED = "not emulated by the local stack yet"

STACK_PROVIDED_VARIABLES = frozenset({"AWS_ENDPOINT_URL"})
"""Template variables the local stack sets itself (moto's endpoint), never the template's."""


@dataclass
class Stack:
    """The template's resources as created locally: what ``Ref`` and ``GetAtt`` return.

    It is also the :class:`~local.template.ResourceLookup` of the resolver, so values of
    resources that are not created (functions, log groups) are synthesised the way
    CloudFormation would name them.
    """

    template: Template
    endpoint: str
    region: str = LOCAL_REGION
    account_id: str = LOCAL_ACCOUNT_ID
    refs: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def resolver(self) -> Resolver:
        return Resolver(self.template, self, region=self.region, account_id=self.account_id)

    def ref(self, logical_id: str) -> Any:
        if logical_id in self.refs:
            return self.refs[logical_id]
        return self._synthesised_name(logical_id)

    def get_att(self, logical_id: str, attribute: str) -> Any:
        known = self.attributes.get(logical_id, {})
        if attribute in known:
            return known[attribute]
        if attribute == "Arn":
            return self._synthesised_arn(logical_id)
        return f"{self._synthesised_name(logical_id)}.{attribute}"

    def _synthesised_name(self, logical_id: str) -> str:
        kind = self.template.resource_type(logical_id)
        props = self.template.resources[logical_id].get("Properties") or {}
        name_property = {
            "AWS::Serverless::Function": "FunctionName",
            "AWS::Lambda::Function": "FunctionName",
            "AWS::Logs::LogGroup": "LogGroupName",
            "AWS::IAM::Role": "RoleName",
            "AWS::Serverless::Api": "__api_id__",
        }.get(kind)
        if name_property and name_property in props:
            return str(self.resolver.resolve(props[name_property]))
        if kind == "AWS::Serverless::Api":
            digest = hashlib.sha256(f"{self.template.stack_name}/{logical_id}".encode())
            return digest.hexdigest()[:10]
        if kind == "AWS::Serverless::LayerVersion":
            return self._synthesised_arn(logical_id) + ":1"
        return f"{self.template.stack_name}-{logical_id}"

    def _synthesised_arn(self, logical_id: str) -> str:
        kind = self.template.resource_type(logical_id)
        name = self._synthesised_name(logical_id) if "Layer" not in kind else logical_id
        region, account = self.region, self.account_id
        prefix = f"arn:{PARTITION}"
        return {
            "AWS::Serverless::Function": f"{prefix}:lambda:{region}:{account}:function:{name}",
            "AWS::Lambda::Function": f"{prefix}:lambda:{region}:{account}:function:{name}",
            "AWS::Serverless::LayerVersion": f"{prefix}:lambda:{region}:{account}:layer:{name}",
            "AWS::Logs::LogGroup": f"{prefix}:logs:{region}:{account}:log-group:{name}:*",
            "AWS::IAM::Role": f"{prefix}:iam::{account}:role/{name}",
        }.get(kind, f"{prefix}:{kind.split('::')[1].lower()}:{region}:{account}:{name}")

    def environment(self) -> dict[str, str]:
        """``Globals.Function.Environment.Variables`` resolved: what every function sees.

        Without the template's ``AWS_ENDPOINT_URL`` (empty, for SAM's ``--env-vars`` to set): the
        local stack's endpoint is moto's, set with the fake credentials wherever this is used."""
        variables = (
            ((self.template.body.get("Globals") or {}).get("Function") or {}).get("Environment")
            or {}
        ).get("Variables") or {}
        resolved = self.resolver.resolve(variables)
        return {
            name: as_env_value(value)
            for name, value in resolved.items()
            if name not in STACK_PROVIDED_VARIABLES
        }

    def skipped_summary(self) -> list[str]:
        """Skipped resources by type, e.g. ``AWS::Logs::LogGroup x14``; the ones run by the
        gateway and runtime (functions, APIs, layers) are not "skipped" and are left out."""
        counts: dict[str, int] = {}
        for logical_id in self.skipped:
            kind = self.template.resource_type(logical_id)
            if not kind.startswith("AWS::Serverless::"):
                counts[kind] = counts.get(kind, 0) + 1
        return [f"{kind} x{n}" if n > 1 else kind for kind, n in sorted(counts.items())]

    def not_emulated(self) -> list[str]:
        """Resources the template declares that the local stack neither creates nor means to
        skip: a template change the local stack has not caught up with."""
        return [lid for lid, why in self.skipped.items() if why.endswith(NOT_EMULATED)]

    def of_type(self, kind: str) -> list[str]:
        return [lid for lid in self.template.of_type(kind) if lid in self.refs]

    def to_json(self) -> dict[str, Any]:
        return {
            "template": str(self.template.path),
            "parameters": dict(self.template.parameters),
            "endpoint": self.endpoint,
            "region": self.region,
            "account_id": self.account_id,
            "resources": {
                lid: {
                    "type": self.template.resource_type(lid),
                    "ref": self.refs[lid],
                    "attributes": self.attributes.get(lid, {}),
                }
                for lid in self.refs
            },
            "skipped": self.skipped,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stack:
        parameters = dict(data["parameters"])
        template = Template.load(data["template"], overrides=parameters)
        resources: dict[str, dict[str, Any]] = data["resources"]
        return cls(
            template=template,
            endpoint=data["endpoint"],
            region=data["region"],
            account_id=data["account_id"],
            refs={lid: r["ref"] for lid, r in resources.items()},
            attributes={lid: r["attributes"] for lid, r in resources.items()},
            skipped=dict(data.get("skipped", {})),
        )


def client(service: str, endpoint: str, region: str = LOCAL_REGION) -> Any:
    """A boto3 client for moto; credentials are fake on purpose."""
    import boto3

    return boto3.session.Session().client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's fake credentials
    )


Created = tuple[Any, dict[str, Any]]
Creator = Callable[["Stack", str, dict[str, Any]], Created]


def bootstrap(template: Template, endpoint: str, *, region: str = LOCAL_REGION) -> Stack:
    """Create every supported resource of the template on moto; returns their names."""
    stack = Stack(template=template, endpoint=endpoint, region=region)
    resolver = stack.resolver
    to_create: list[str] = []
    for logical_id, resource in template.resources.items():
        kind = str(resource.get("Type"))
        if not resolver.is_included(logical_id):
            stack.skipped[logical_id] = "its Condition is false"
        elif kind in CREATORS:
            to_create.append(logical_id)
        elif kind in SKIPPED_TYPES:
            stack.skipped[logical_id] = f"{kind}: {SKIPPED_TYPES[kind]}"
        else:
            stack.skipped[logical_id] = f"{kind}: {NOT_EMULATED}"
            log.warning("%s (%s) is not emulated by the local stack", logical_id, kind)
    for logical_id in dependency_order(template, to_create):
        kind = template.resource_type(logical_id)
        properties = resolver.resolve(template.properties(logical_id))
        ref, attributes = CREATORS[kind](stack, logical_id, properties)
        stack.refs[logical_id] = ref
        stack.attributes[logical_id] = attributes
        log.info("created %s %s = %s", kind, logical_id, ref)
    return stack


# ---------------------------------------------------------------- DynamoDB


def _create_table(stack: Stack, logical_id: str, props: dict[str, Any]) -> Created:
    ddb = client("dynamodb", stack.endpoint, stack.region)
    name = props.get("TableName") or f"{stack.template.stack_name}-{logical_id}"
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    for key in (
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
        "ProvisionedThroughput",
        "StreamSpecification",
        "TableClass",
    ):
        if key in props:
            request[key] = props[key]
    if "SSESpecification" in props:
        request["SSESpecification"] = {
            "Enabled": _bool(props["SSESpecification"].get("SSEEnabled", False))
        }
    if "DeletionProtectionEnabled" in props:
        request["DeletionProtectionEnabled"] = _bool(props["DeletionProtectionEnabled"])
    try:
        description = ddb.create_table(**request)["TableDescription"]
    except ddb.exceptions.ResourceInUseException:
        description = ddb.describe_table(TableName=name)["Table"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl and _bool(ttl.get("Enabled", False)):
        current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
    pitr = props.get("PointInTimeRecoverySpecification")
    if pitr and _bool(pitr.get("PointInTimeRecoveryEnabled", False)):
        ddb.update_continuous_backups(
            TableName=name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
    attributes = {"Arn": description["TableArn"]}
    if description.get("LatestStreamArn"):
        attributes["StreamArn"] = description["LatestStreamArn"]
    return name, attributes


# ---------------------------------------------------------------- S3


def _create_bucket(stack: Stack, logical_id: str, props: dict[str, Any]) -> Created:
    s3 = client("s3", stack.endpoint, stack.region)
    name = str(props.get("BucketName") or f"{stack.template.stack_name}-{logical_id}".lower())
    request: dict[str, Any] = {"Bucket": name}
    if stack.region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": stack.region}
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(**request)
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(
            Bucket=name,
            VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]},
        )
    if "BucketEncryption" in props:
        rules = [
            {
                (
                    "ApplyServerSideEncryptionByDefault"
                    if k == "ServerSideEncryptionByDefault"
                    else k
                ): v
                for k, v in _typed(rule).items()
            }
            for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        ]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                k: _bool(v) for k, v in props["PublicAccessBlockConfiguration"].items()
            },
        )
    if "OwnershipControls" in props:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
    if "CorsConfiguration" in props:
        s3.put_bucket_cors(
            Bucket=name,
            CORSConfiguration={
                "CORSRules": [_cors_rule(r) for r in props["CorsConfiguration"]["CorsRules"]]
            },
        )
    if "LifecycleConfiguration" in props:
        s3.put_bucket_lifecycle_configuration(
            Bucket=name,
            LifecycleConfiguration={
                "Rules": [_lifecycle_rule(r) for r in props["LifecycleConfiguration"]["Rules"]]
            },
        )
    arn = f"arn:{PARTITION}:s3:::{name}"
    return name, {
        "Arn": arn,
        "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{stack.region}.amazonaws.com",
        "WebsiteURL": f"http://{name}.s3-website-{stack.region}.amazonaws.com",
    }


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    renamed = {"MaxAge": "MaxAgeSeconds", "Id": "ID"}
    return {renamed.get(k, k): v for k, v in rule.items()}


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's lifecycle rule shape differs from the S3 API's in a few names."""
    api: dict[str, Any] = {"ID": rule.get("Id", "rule"), "Status": rule["Status"]}
    api["Filter"] = {"Prefix": rule.get("Prefix", "")}
    if rule.get("TagFilters"):
        tags = [{"Key": t["Key"], "Value": t["Value"]} for t in rule["TagFilters"]]
        api["Filter"] = {"And": {"Prefix": rule.get("Prefix", ""), "Tags": tags}}
    if "ExpirationInDays" in rule:
        api["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "NoncurrentVersionExpiration" in rule:
        api["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])
        }
    elif "NoncurrentVersionExpirationInDays" in rule:
        api["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpirationInDays"])
        }
    if "AbortIncompleteMultipartUpload" in rule:
        days = rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
        api["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": int(days)}
    return api


# ---------------------------------------------------------------- SQS

_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
)


def _create_queue(stack: Stack, logical_id: str, props: dict[str, Any]) -> Created:
    sqs = client("sqs", stack.endpoint, stack.region)
    fifo = _bool(props.get("FifoQueue", False))
    name = str(
        props.get("QueueName")
        or f"{stack.template.stack_name}-{logical_id}" + (".fifo" if fifo else "")
    )
    attributes = {k: as_env_value(props[k]) for k in _QUEUE_ATTRIBUTES if k in props}
    for key in ("RedrivePolicy", "RedriveAllowPolicy"):
        if key in props:
            value = props[key]
            attributes[key] = value if isinstance(value, str) else json.dumps(value)
    try:
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    except sqs.exceptions.QueueNameExists:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        settable = {k: v for k, v in attributes.items() if k != "FifoQueue"}
        if settable:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=settable)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, {"Arn": arn, "QueueName": name, "QueueUrl": url}


# ---------------------------------------------------------------- EventBridge


def _create_event_bus(stack: Stack, logical_id: str, props: dict[str, Any]) -> Created:
    events = client("events", stack.endpoint, stack.region)
    name = str(props["Name"])
    try:
        arn = events.create_event_bus(Name=name)["EventBusArn"]
    except events.exceptions.ResourceAlreadyExistsException:
        arn = events.describe_event_bus(Name=name)["Arn"]
    return name, {"Arn": arn, "Name": name}


# ---------------------------------------------------------------- SES


def _create_email_identity(stack: Stack, logical_id: str, props: dict[str, Any]) -> Created:
    """A sender identity, verified at once (moto's SES refuses mail from unverified senders;
    real SES needs the DNS or inbox verification that docs/DEPLOY.md describes)."""
    ses = client("ses", stack.endpoint, stack.region)
    identity = str(props["EmailIdentity"])
    if "@" in identity:
        ses.verify_email_identity(EmailAddress=identity)
    else:
        ses.verify_domain_identity(Domain=identity)
    return identity, {}


def _create_configuration_set(stack: Stack, logical_id: str, props: dict[str, Any]) -> Created:
    """The configuration set mail names (moto's SES accepts it and publishes nothing)."""
    ses = client("sesv2", stack.endpoint, stack.region)
    name = str(props.get("Name") or f"{stack.template.stack_name}-{logical_id}")
    if name not in ses.list_configuration_sets().get("ConfigurationSets", []):
        ses.create_configuration_set(ConfigurationSetName=name)
    return name, {}


# ---------------------------------------------------------------- SNS


def _create_topic(stack: Stack, logical_id: str, props: dict[str, Any]) -> Created:
    """A topic (the alarm topic, the SES feedback topic), unencrypted: the keys are not
    emulated. Its ARN is what the feedback function trusts (SES_FEEDBACK_TOPIC_ARN)."""
    sns = client("sns", stack.endpoint, stack.region)
    name = str(props.get("TopicName") or f"{stack.template.stack_name}-{logical_id}")
    arn = sns.create_topic(Name=name)["TopicArn"]  # idempotent: the existing topic's ARN
    return arn, {"TopicArn": arn, "TopicName": name}


# ---------------------------------------------------------------- Cognito

_POOL_PROPERTIES = (
    "Policies",
    "LambdaConfig",
    "AutoVerifiedAttributes",
    "AliasAttributes",
    "UsernameAttributes",
    "SmsVerificationMessage",
    "EmailVerificationMessage",
    "EmailVerificationSubject",
    "VerificationMessageTemplate",
    "SmsAuthenticationMessage",
    "MfaConfiguration",
    "UserAttributeUpdateSettings",
    "DeviceConfiguration",
    "EmailConfiguration",
    "SmsConfiguration",
    "UserPoolTags",
    "AdminCreateUserConfig",
    "UserPoolAddOns",
    "UsernameConfiguration",
    "AccountRecoverySetting",
    "DeletionProtection",
)


def _create_user_pool(stack: Stack, logical_id: str, props: dict[str, Any]) -> Created:
    cognito = client("cognito-idp", stack.endpoint, stack.region)
    name = str(props.get("UserPoolName") or f"{stack.template.stack_name}-{logical_id}")
    pool_id = _find_user_pool(cognito, name)
    if pool_id is None:
        request: dict[str, Any] = {k: props[k] for k in _POOL_PROPERTIES if k in props}
        if "Schema" in props:
            request["Schema"] = props["Schema"]
        pool_id = cognito.create_user_pool(PoolName=name, **_typed(request))["UserPool"]["Id"]
    pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    provider = f"cognito-idp.{stack.region}.amazonaws.com/{pool_id}"
    return pool_id, {
        "Arn": pool["Arn"],
        "ProviderName": provider,
        "ProviderURL": f"https://{provider}",
        "UserPoolId": pool_id,
    }


def _find_user_pool(cognito: Any, name: str) -> str | None:
    for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            if pool["Name"] == name:
                return str(pool["Id"])
    return None


_CLIENT_PROPERTIES = (
    "GenerateSecret",
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "ReadAttributes",
    "WriteAttributes",
    "ExplicitAuthFlows",
    "SupportedIdentityProviders",
    "CallbackURLs",
    "LogoutURLs",
    "DefaultRedirectURI",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "AnalyticsConfiguration",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData",
    "AuthSessionValidity",
)


def _create_user_pool_client(stack: Stack, logical_id: str, props: dict[str, Any]) -> Created:
    cognito = client("cognito-idp", stack.endpoint, stack.region)
    pool_id = str(props["UserPoolId"])
    name = str(props.get("ClientName") or logical_id)
    existing = [
        c
        for page in cognito.get_paginator("list_user_pool_clients").paginate(
            UserPoolId=pool_id, MaxResults=60
        )
        for c in page["UserPoolClients"]
        if c["ClientName"] == name
    ]
    if existing:
        client_id = str(existing[0]["ClientId"])
    else:
        request = {k: props[k] for k in _CLIENT_PROPERTIES if k in props}
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id, ClientName=name, **_typed(request)
        )["UserPoolClient"]["ClientId"]
    described = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    attributes = {"Name": name, "UserPoolId": pool_id, "ClientId": client_id}
    secret = described["UserPoolClient"].get("ClientSecret")
    if secret:
        attributes["ClientSecret"] = secret
    return client_id, attributes


def _create_user_pool_group(stack: Stack, logical_id: str, props: dict[str, Any]) -> Created:
    cognito = client("cognito-idp", stack.endpoint, stack.region)
    name = str(props.get("GroupName") or logical_id)
    request: dict[str, Any] = {
        k: props[k] for k in ("Description", "Precedence", "RoleArn") if k in props
    }
    with contextlib.suppress(cognito.exceptions.GroupExistsException):
        cognito.create_group(GroupName=name, UserPoolId=props["UserPoolId"], **_typed(request))
    return name, {"UserPoolId": props["UserPoolId"]}


_NUMERIC_PROPERTIES = {
    "Precedence",
    "AccessTokenValidity",
    "IdTokenValidity",
    "RefreshTokenValidity",
    "AuthSessionValidity",
    "MinimumLength",
    "TemporaryPasswordValidityDays",
    "Priority",
}


# ---------------------------------------------------------------- Secrets Manager

_PASSWORD_OPTIONS = (
    "PasswordLength",
    "ExcludeCharacters",
    "ExcludeNumbers",
    "ExcludePunctuation",
    "ExcludeUppercase",
    "ExcludeLowercase",
    "IncludeSpace",
    "RequireEachIncludedType",
)


def _create_secret(stack: Stack, logical_id: str, props: dict[str, Any]) -> Created:
    """A secret with its given or generated value; an existing one is kept (and its value)."""
    secrets = client("secretsmanager", stack.endpoint, stack.region)
    name = str(props.get("Name") or f"{stack.template.stack_name}-{logical_id}")
    try:
        arn = secrets.describe_secret(SecretId=name)["ARN"]
    except secrets.exceptions.ResourceNotFoundException:
        value = props.get("SecretString")
        generate = props.get("GenerateSecretString")
        if value is None and generate is not None:
            options = {k: generate[k] for k in _PASSWORD_OPTIONS if k in generate}
            password = secrets.get_random_password(**_typed_password(options))["RandomPassword"]
            if "SecretStringTemplate" in generate:
                document = json.loads(generate["SecretStringTemplate"])
                document[generate["GenerateStringKey"]] = password
                value = json.dumps(document)
            else:
                value = password
        request: dict[str, Any] = {"Name": name, "SecretString": str(value or "")}
        if "Description" in props:
            request["Description"] = props["Description"]
        arn = secrets.create_secret(**request)["ARN"]
    return arn, {"Id": arn, "Name": name}


def _typed_password(options: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (int(v) if k == "PasswordLength" else v if k == "ExcludeCharacters" else _bool(v))
        for k, v in options.items()
    }


def _typed(request: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation passes every scalar as a string; the APIs want numbers and booleans."""
    result: dict[str, Any] = {}
    for key, value in request.items():
        if isinstance(value, dict):
            result[key] = _typed(value)
        elif isinstance(value, list):
            result[key] = [_typed(v) if isinstance(v, dict) else v for v in value]
        elif isinstance(value, str) and value in ("true", "false"):
            result[key] = value == "true"
        elif isinstance(value, str) and value.isdigit() and key in _NUMERIC_PROPERTIES:
            result[key] = int(value)
        else:
            result[key] = value
    return result


def _bool(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


CREATORS: dict[str, Creator] = {
    "AWS::DynamoDB::Table": _create_table,
    "AWS::S3::Bucket": _create_bucket,
    "AWS::SQS::Queue": _create_queue,
    "AWS::Events::EventBus": _create_event_bus,
    "AWS::Cognito::UserPool": _create_user_pool,
    "AWS::Cognito::UserPoolClient": _create_user_pool_client,
    "AWS::Cognito::UserPoolGroup": _create_user_pool_group,
    "AWS::SecretsManager::Secret": _create_secret,
    "AWS::SES::EmailIdentity": _create_email_identity,
    "AWS::SES::ConfigurationSet": _create_configuration_set,
    "AWS::SNS::Topic": _create_topic,
}
