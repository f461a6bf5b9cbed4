"""Stream failure handling (issue 13, 4): the event source mapping's bisect, retries, record
age and SQS destination, and the replay of the dead-letter queue through the same counting."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from chalicelib.stream import count_submissions
from scripts.deploy import STREAM_FAILURE_HANDLING, STREAM_SCALING, configure_stream_failures, lambda_name
from scripts.replay_dlq import batch_info, read_range, replay

REGION = "ap-southeast-1"
# botocore now sends stream calls to <account>.streams-ddb.<region>.amazonaws.com, which moto
# 5.2.5 does not route yet: the classic endpoint reaches the same mock.
STREAMS_ENDPOINT = f"https://streams.dynamodb.{REGION}.amazonaws.com"


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


def attempts_table_with_submissions(n: int) -> str:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    stream_arn = dynamodb.create_table(
        TableName="songcong-prod-attempts",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    for i in range(n):
        dynamodb.put_item(
            TableName="songcong-prod-attempts",
            Item={
                "pk": {"S": f"a{i}"},
                "status": {"S": "submitted"},
                "round_id": {"S": "r1"},
                "unit_id": {"S": "u1"},
                "attempt_id": {"S": f"a{i}"},
                "participant_id": {"S": f"p{i}"},
                "correct": {"N": "15"},
                "submitted_at": {"N": "1700000000000"},
            },
        )
    return stream_arn


def dlq_message(streams, stream_arn: str, first: int, last: int) -> str:
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return json.dumps(
        {
            "version": "1.0",
            "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 6},
            "DDBStreamBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": records[first]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": records[last]["dynamodb"]["SequenceNumber"],
                "batchSize": last - first + 1,
                "streamArn": stream_arn,
            },
        }
    )


def test_the_stream_consumer_gets_bisect_retries_record_age_and_the_dead_letter_queue(aws):
    stream_arn = attempts_table_with_submissions(0)
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    client = boto3.client("lambda", region_name=REGION)
    name = lambda_name("prod", "count-submissions")
    client.create_function(
        FunctionName=name, Runtime="python3.11", Role=role, Handler="app.h", Code={"ZipFile": b"x"}
    )
    client.create_event_source_mapping(
        FunctionName=name, EventSourceArn=stream_arn, StartingPosition="TRIM_HORIZON", BatchSize=100
    )
    queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName="songcong-prod-stream-dlq")
    dlq_arn = f"arn:aws:sqs:{REGION}:123456789012:songcong-prod-stream-dlq"
    assert queue["QueueUrl"]

    (uuid,) = configure_stream_failures(client, name, dlq_arn)

    mapping = client.get_event_source_mapping(UUID=uuid)
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == STREAM_FAILURE_HANDLING["MaximumRetryAttempts"] == 5
    assert mapping["MaximumRecordAgeInSeconds"] == 6 * 3600
    assert mapping["DestinationConfig"] == {"OnFailure": {"Destination": dlq_arn}}
    assert mapping["BatchSize"] == 100
    # Issue 12: submitted attempts only, 4 batches a shard at once, batches filled for up to 1 s
    assert mapping["ParallelizationFactor"] == STREAM_SCALING["ParallelizationFactor"] == 4
    assert mapping["MaximumBatchingWindowInSeconds"] == 1
    (pattern,) = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    assert pattern == {"dynamodb": {"NewImage": {"status": {"S": ["submitted"]}}}}


def test_a_stream_consumer_without_a_mapping_fails_the_deploy(aws):
    class NoMappings:
        def list_event_source_mappings(self, FunctionName):
            return {"EventSourceMappings": []}

    with pytest.raises(SystemExit):
        configure_stream_failures(NoMappings(), "f", "arn:q")


class CountingRepository:
    """count_submissions_once as the real one behaves: each attempt counted at most once."""

    def __init__(self):
        self.counted: set[str] = set()

    def count_submissions_once(self, submissions) -> tuple[int, int]:
        fresh = {s.attempt_id for s in submissions} - self.counted
        self.counted |= fresh
        return len(fresh), len(submissions) - len(fresh)


def test_replay_reads_the_range_back_and_counts_each_attempt_once(aws):
    stream_arn = attempts_table_with_submissions(5)
    streams = boto3.client("dynamodbstreams", region_name=REGION, endpoint_url=STREAMS_ENDPOINT)
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="songcong-prod-stream-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody=dlq_message(streams, stream_arn, 1, 3))
    repository = CountingRepository()
    repository.counted.add("a1")  # counted before the batch failed on a later record

    def count(records):
        return count_submissions(records, repository)

    totals = replay(sqs, streams, queue_url, count)

    assert totals["messages"] == totals["replayed"] == 1
    assert (totals["counted"], totals["repeated"]) == (2, 1)
    assert repository.counted == {"a1", "a2", "a3"}  # a0 and a4 were not in the failed range
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url)  # deleted once replayed


class TrimmedStream:
    """The stream client after 24 hours: the range was trimmed (as DynamoDB Streams answers)."""

    def __init__(self, streams):
        self.exceptions = streams.exceptions

    def get_shard_iterator(self, **kwargs):
        error = {"Error": {"Code": "TrimmedDataAccessException", "Message": "trimmed"}}
        raise self.exceptions.ClientError(error, "GetShardIterator")


@pytest.mark.parametrize("drop", [False, True])
def test_an_expired_range_is_kept_unless_dropped(aws, drop):
    streams = boto3.client("dynamodbstreams", region_name=REGION, endpoint_url=STREAMS_ENDPOINT)
    body = dlq_message(streams, attempts_table_with_submissions(1), 0, 0)
    assert read_range(TrimmedStream(streams), batch_info(body)) is None
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody=body)

    totals = replay(
        sqs,
        TrimmedStream(streams),
        queue_url,
        lambda records: pytest.fail("nothing to count"),
        drop_expired=drop,
    )

    assert totals["expired"] == 1 and totals["replayed"] == 0
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    left = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    assert sum(int(left[n]) for n in names) == (0 if drop else 1)  # kept: visible again later


def test_a_message_that_is_not_a_stream_failure_is_refused():
    with pytest.raises(ValueError):
        batch_info(json.dumps({"Records": []}))
