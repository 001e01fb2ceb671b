// Drives Quayside's Kinesis with the AWS SDK for JavaScript v3 (its Kinesis client speaks
// HTTP/2 for every call, SubscribeToShard's event stream included) and prints what it saw as
// one JSON document, for emulator/tests/it/kinesis_consumers.rs to check.
//
// Usage: node run.js <endpoint> <stream>
const {
  KinesisClient,
  CreateStreamCommand,
  PutRecordsCommand,
  ListShardsCommand,
  GetShardIteratorCommand,
  GetRecordsCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
} = require("@aws-sdk/client-kinesis");

async function main() {
  const [endpoint, stream] = process.argv.slice(2);
  const client = new KinesisClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "secret" },
    maxAttempts: 1,
  });
  const out = { handler: client.config.requestHandler.constructor.name };
  await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
  const entries = [];
  for (let i = 0; i < 20; i++) {
    entries.push({ PartitionKey: `k${i}`, Data: Buffer.from(`js-${i}`) });
  }
  const put = await client.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
  out.put = put.Records.map((r, i) => ({ shard: r.ShardId, seq: r.SequenceNumber, data: `js-${i}` }));
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards.map((s) => s.ShardId);
  out.getRecords = [];
  for (const shard of shards) {
    const it = await client.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: shard, ShardIteratorType: "TRIM_HORIZON" }),
    );
    const got = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    for (const r of got.Records) {
      out.getRecords.push({ shard, seq: r.SequenceNumber, data: Buffer.from(r.Data).toString() });
    }
  }
  const streamArn = `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`;
  const consumer = await client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "js" }));
  out.subscribed = [];
  for (const shard of shards) {
    const want = out.put.filter((p) => p.shard === shard).length;
    const sub = await client.send(
      new SubscribeToShardCommand({
        ConsumerARN: consumer.Consumer.ConsumerARN,
        ShardId: shard,
        StartingPosition: { Type: "TRIM_HORIZON" },
      }),
    );
    let seen = 0;
    for await (const event of sub.EventStream) {
      const e = event.SubscribeToShardEvent;
      if (!e) throw new Error(`unexpected event ${JSON.stringify(Object.keys(event))}`);
      for (const r of e.Records) {
        out.subscribed.push({
          shard,
          seq: r.SequenceNumber,
          data: Buffer.from(r.Data).toString(),
          continuation: e.ContinuationSequenceNumber,
        });
        seen++;
      }
      if (seen >= want) break;
    }
  }
  client.destroy();
  console.log(JSON.stringify(out));
}

const limit = setTimeout(() => {
  console.error("no answer within 60 s");
  process.exit(2);
}, 60000);
main().then(
  () => {
    clearTimeout(limit);
    process.exit(0);
  },
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
