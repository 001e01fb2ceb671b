//! CreateQueue: a queue on one ON_DEMAND stream, delivering its records from StartingPosition
//! (LATEST by default; TRIM_HORIZON and AT_TIMESTAMP enqueue the records the stream keeps
//! from there). It shares the stream's 20 registered consumers with enhanced fan-out. ACTIVE
//! when the call answers, or CREATING for CreateQueue's `--kinesis-delays`.

use crate::attachment::Attachment;
use crate::error::{KinesisError, KinesisResult};
use crate::queues::{self, RecordRef, StreamQueue, DEFAULT_MAX_RECEIVE, DEFAULT_VISIBILITY};
use crate::{ops, persist, tags, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::str_opt;

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    if k.sqs().is_none() {
        return Err(KinesisError::Internal("stream queues need the SQS service".into()));
    }
    let name = str_opt(&input, "QueueName").unwrap_or_default().to_string();
    let configs = input["StreamConfigurationList"].as_array().cloned().unwrap_or_default();
    let [config] = configs.as_slice() else {
        return Err(KinesisError::invalid_argument(
            "StreamConfigurationList must contain exactly one entry: a queue delivers records from a single data stream.",
        ));
    };
    let starting = match config.get("StartingPosition") {
        Some(p) if p.is_object() => p.clone(),
        _ => json!({"Type": "LATEST"}),
    };
    let kind = starting["Type"].as_str().unwrap_or("LATEST").to_string();
    let at_ms = match (kind.as_str(), starting["Timestamp"].as_f64()) {
        ("AT_TIMESTAMP", None) => {
            return Err(KinesisError::invalid_argument("Timestamp is required for a StartingPosition of AT_TIMESTAMP."))
        }
        (_, t) => t.map(|t| (t * 1000.0).max(0.0) as u64),
    };
    let (visibility, max_receive) =
        queues::read_attributes(&input["QueueAttributes"], (DEFAULT_VISIBILITY, Some(DEFAULT_MAX_RECEIVE)))?;
    let stream_input = json!({"StreamARN": config["StreamARN"]});
    let key = ops::stream_key(ctx, &stream_input)?;
    let delay = k.delay("CreateQueue");
    let now = k.now_ms();
    let mut new_tags = Default::default();
    // Registered under the streams' lock, so every put from here on enqueues into it; the
    // records before (below each shard's tip now) are the backlog.
    let (q, tips) = {
        let streams = k.streams().read();
        let s = streams.get(&key).ok_or_else(|| KinesisError::stream_not_found(&key.2, &key.0))?;
        ops::require_on_demand(s, "Queues are supported only on data streams in on-demand capacity mode.")?;
        if s.status != "ACTIVE" && s.status != "UPDATING" {
            return Err(KinesisError::stream_not_active(&s.name, &s.account, &s.status));
        }
        tags::add_to(&mut new_tags, (&s.name, &s.account), &tags::input_map(&input))?;
        let mut queues_map = k.queues().write();
        if queues_map.values().any(|q| q.account == ctx.account && q.region == ctx.region && q.name == name) {
            return Err(KinesisError::in_use(format!("Queue {name} under account {} already exists.", ctx.account)));
        }
        let on_stream = queues_map.values().filter(|q| q.stream_id == s.id).count();
        if s.consumers.len() + on_stream >= ops::register_stream_consumer::MAX_CONSUMERS {
            return Err(KinesisError::limit_exceeded(format!(
                "Stream {} under account {} has reached the limit of {} registered consumers and queues.",
                s.name,
                s.account,
                ops::register_stream_consumer::MAX_CONSUMERS
            )));
        }
        let q = StreamQueue {
            base: Attachment::new(&name, s, now, delay > 0, new_tags),
            visibility,
            max_receive,
            starting,
        };
        queues_map.insert(q.arn(), q.clone());
        let tips: Vec<(u32, u64, u64)> = s.shards.iter().map(|sh| (sh.index, sh.next, sh.created_ms)).collect();
        (q, tips)
    };
    if let Err(e) = queues::create_sqs_queues(k, &q).await {
        k.queues().write().remove(&q.arn());
        return Err(e);
    }
    k.create_attached(&q, "CreateQueue").await?;
    if kind != "LATEST" {
        backlog(k, &q, &tips, at_ms.unwrap_or(0)).await?;
    }
    Ok(json!({ "QueueDescription": q.describe() }))
}

/// Enqueues the records each shard keeps below its tip at the queue's creation, from `at_ms`
/// on (0: TRIM_HORIZON).
async fn backlog(k: &Kinesis, q: &StreamQueue, tips: &[(u32, u64, u64)], at_ms: u64) -> KinesisResult<()> {
    // Every put submitted before the queue was registered is committed once this is.
    k.store().submit(|_| Ok(())).await?;
    let stream_id = q.stream_id;
    for &(shard, tip, created_ms) in tips {
        let from = k.store().read(move |c| persist::position_at(c, stream_id, shard, at_ms)).await?.unwrap_or(tip);
        let chunks = k.store().read(move |c| persist::read_chunks(c, stream_id, shard, from, |_| true)).await?;
        let refs: Vec<RecordRef> = chunks
            .iter()
            .flat_map(|c| {
                crate::records::decode_chunk(c.first, &c.blob)
                    .filter(|r| r.position >= from && r.position < tip)
                    .map(|r| RecordRef { stream_id, shard, position: r.position, arrival_ms: c.arrival_ms, created_ms })
                    .collect::<Vec<_>>()
            })
            .collect();
        for part in refs.chunks(1000) {
            let Some((write, apply)) = ops::put_records::enqueue_refs(k, &[q.sqs_arn(false)], part, &q.account) else {
                break;
            };
            k.store().submit_with_hook(move |t| write.persist(t), move |ok| apply.apply(ok)).await?;
        }
    }
    Ok(())
}
