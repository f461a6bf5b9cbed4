"""Replay the stream consumer's dead-letter queue through the same idempotent counting.

A message that Lambda's on-failure destination puts in ``<prefix>-stream-dlq`` holds no
records, only where they were: ``DDBStreamBatchInfo`` (stream ARN, shard, first and last
sequence number). This reads that range back from the attempts stream (GetShardIterator
AT_SEQUENCE_NUMBER, then GetRecords until past the last number) and hands the records to
``chalicelib.stream.count_submissions``, which counts each submitted attempt at most once (a
record counted before is "repeated"), then deletes the message.

A stream keeps records 24 hours. When the range has expired (TrimmedDataAccessException, or the
records are no longer returned) the message is reported and kept: the counts are not lost for
the ranking, which recounts a round from its leaderboard (a full read) when the stream's
counters disagree with the round's exact count at close; only the live statistics stay short
until then. ``--drop-expired`` deletes such messages once that is understood.

    .venv/bin/python scripts/replay_dlq.py --stage prod            # replay, delete what was replayed
    .venv/bin/python scripts/replay_dlq.py --stage prod --dry-run  # what the queue holds
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EXPIRED_ERRORS = ("TrimmedDataAccessException", "ExpiredIteratorException", "ResourceNotFoundException")


def batch_info(body: str) -> dict[str, Any]:
    """The stream range of an on-failure destination message."""
    info = json.loads(body).get("DDBStreamBatchInfo")
    if not info or not all(
        k in info for k in ("streamArn", "shardId", "startSequenceNumber", "endSequenceNumber")
    ):
        raise ValueError("not a DynamoDB stream on-failure message")
    return info


def read_range(streams: Any, info: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The records from startSequenceNumber to endSequenceNumber, or None when expired."""
    start, end = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
    try:
        iterator = streams.get_shard_iterator(
            StreamArn=info["streamArn"],
            ShardId=info["shardId"],
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=info["startSequenceNumber"],
        )["ShardIterator"]
        records: list[dict[str, Any]] = []
        while iterator:
            reply = streams.get_records(ShardIterator=iterator, Limit=1000)
            batch = reply.get("Records", [])
            records.extend(r for r in batch if start <= int(r["dynamodb"]["SequenceNumber"]) <= end)
            if not batch or int(batch[-1]["dynamodb"]["SequenceNumber"]) >= end:
                break
            iterator = reply.get("NextShardIterator")
    except streams.exceptions.ClientError as error:
        if error.response["Error"]["Code"] in EXPIRED_ERRORS:
            return None
        raise
    return records or None


def replay(
    sqs: Any,
    streams: Any,
    queue_url: str,
    count: Callable[[list[dict[str, Any]]], dict[str, int]],
    *,
    dry_run: bool = False,
    drop_expired: bool = False,
) -> dict[str, int]:
    """Drain the queue once: each message's records counted (idempotently) and the message
    deleted; expired ranges kept (or deleted with ``drop_expired``). The totals."""
    totals = {
        "messages": 0,
        "replayed": 0,
        "expired": 0,
        "counted": 0,
        "repeated": 0,
        "ignored": 0,
        "failed": 0,
    }
    seen: set[str] = set()
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=300).get(
            "Messages", []
        )
        fresh = [m for m in messages if m["MessageId"] not in seen]
        if not fresh:
            return totals
        for message in fresh:
            seen.add(message["MessageId"])
            totals["messages"] += 1
            info = batch_info(message["Body"])
            records = read_range(streams, info)
            if records is None:
                totals["expired"] += 1
                print(
                    f"expired: {info['shardId']} {info['startSequenceNumber']}..{info['endSequenceNumber']}"
                )
                if drop_expired and not dry_run:
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                continue
            if dry_run:
                print(f"{len(records)} records: {info['shardId']} {info['startSequenceNumber']}..")
                continue
            for key, value in count(records).items():
                totals[key] += value
            totals["replayed"] += 1
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stage", required=True)
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "ap-southeast-1"))
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--drop-expired", action="store_true")
    args = parser.parse_args(argv)
    import boto3

    from scripts.deploy import dead_letter_queue_name

    table_prefix = os.environ.get("TABLE_PREFIX", f"songcong-{args.stage}")
    os.environ.update({"STAGE": args.stage, "TABLE_PREFIX": table_prefix, "AWS_REGION": args.region})
    os.environ.setdefault("TOKEN_SECRET_PARAMETER", f"/songcong/{args.stage}/token-secret")
    from chalicelib.container import get_services
    from chalicelib.stream import count_submissions

    services = get_services()
    sqs = boto3.client("sqs", region_name=args.region)
    queue_url = sqs.get_queue_url(QueueName=dead_letter_queue_name(table_prefix))["QueueUrl"]
    totals = replay(
        sqs,
        boto3.client("dynamodbstreams", region_name=args.region),
        queue_url,
        lambda records: count_submissions(records, services.repository),
        dry_run=args.dry_run,
        drop_expired=args.drop_expired,
    )
    print(json.dumps(totals))
    return 1 if totals["expired"] and not args.drop_expired else 0


if __name__ == "__main__":
    raise SystemExit(main())
