//! Message move tasks (StartMessageMoveTask and friends): redrive from a dead-letter queue
//! back to its sources or to a chosen queue, at a bounded rate, driven by the periodic tick.

use crate::error::{SqsError, SqsResult};
use crate::limits::{DEFAULT_MOVE_RATE, MAX_MOVE_RATE};
use crate::persist;
use crate::Sqs;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Where a task stands (stored and listed as AWS spells it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum TaskStatus {
    Running,
    Completed,
    Cancelled,
    Failed,
}

impl TaskStatus {
    fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Running => "RUNNING",
            TaskStatus::Completed => "COMPLETED",
            TaskStatus::Cancelled => "CANCELLED",
            TaskStatus::Failed => "FAILED",
        }
    }
}

/// One task, as stored and listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MoveTask {
    pub handle: String,
    pub source_arn: String,
    pub destination_arn: Option<String>,
    pub rate: Option<i64>,
    pub status: TaskStatus,
    pub moved: i64,
    pub to_move: i64,
    pub started_ms: i64,
    pub failure_reason: Option<String>,
    /// When the task last moved messages (rate accounting).
    pub last_ms: i64,
}

impl MoveTask {
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        if self.status == TaskStatus::Running {
            m.insert("TaskHandle".into(), self.handle.clone().into());
        }
        m.insert("Status".into(), self.status.as_str().into());
        m.insert("SourceArn".into(), self.source_arn.clone().into());
        if let Some(d) = &self.destination_arn {
            m.insert("DestinationArn".into(), d.clone().into());
        }
        if let Some(r) = self.rate {
            m.insert("MaxNumberOfMessagesPerSecond".into(), r.into());
        }
        m.insert("ApproximateNumberOfMessagesMoved".into(), self.moved.into());
        m.insert("ApproximateNumberOfMessagesToMove".into(), self.to_move.into());
        if let Some(f) = &self.failure_reason {
            m.insert("FailureReason".into(), f.clone().into());
        }
        m.insert("StartedTimestamp".into(), self.started_ms.into());
        Value::Object(m)
    }
}

/// All tasks, oldest first.
#[derive(Debug, Default)]
pub struct Tasks {
    pub list: Vec<MoveTask>,
}

impl Tasks {
    pub fn load(rows: &[String]) -> Tasks {
        Tasks { list: rows.iter().filter_map(|r| serde_json::from_str(r).ok()).collect() }
    }
}

async fn save(sqs: &Sqs, task: MoveTask) -> SqsResult<()> {
    let text = serde_json::to_string(&task).unwrap_or_default();
    sqs.store().write(move |t| persist::save_task(t, &task.handle, &task.source_arn, task.started_ms, &text)).await?;
    Ok(())
}

/// StartMessageMoveTask.
///
/// Errors: `ResourceNotFoundException` for unknown queues; `InvalidParameterValue` for a source
/// that is no dead-letter queue, a rate out of range, or a task already running.
pub(crate) async fn start(
    sqs: &Sqs,
    source_arn: &str,
    destination_arn: Option<&str>,
    rate: Option<i64>,
) -> SqsResult<String> {
    let Some(source) = sqs.queue_by_arn(source_arn) else {
        return Err(SqsError::resource_not_found(
            "The resource that you specified for the SourceArn parameter doesn't exist.",
        ));
    };
    if let Some(d) = destination_arn {
        if sqs.queue_by_arn(d).is_none() {
            return Err(SqsError::resource_not_found(
                "The resource that you specified for the DestinationArn parameter doesn't exist.",
            ));
        }
    }
    if let Some(r) = rate.filter(|r| !(1..=MAX_MOVE_RATE).contains(r)) {
        return Err(SqsError::invalid_value(r, "MaxNumberOfMessagesPerSecond", "Value must be between 1 and 500."));
    }
    if sqs.dead_letter_sources(source_arn).is_empty() {
        return Err(SqsError::invalid_parameter_value("Source queue must be configured as a Dead Letter Queue."));
    }
    let now = sqs.now_ms();
    let to_move = {
        let mut st = source.state.lock();
        st.index.promote(now);
        st.index.counts().0 as i64
    };
    let task = {
        let mut tasks = sqs.inner.tasks.lock();
        if tasks.list.iter().any(|t| t.source_arn == source_arn && t.status == TaskStatus::Running) {
            return Err(SqsError::invalid_parameter_value(
                "There is already a task running. Only one active task is allowed for a source queue arn at a given time.",
            ));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let handle = base64::engine::general_purpose::STANDARD
            .encode(json!({"taskId": id, "sourceArn": source_arn}).to_string());
        let task = MoveTask {
            handle,
            source_arn: source_arn.to_string(),
            destination_arn: destination_arn.map(str::to_string),
            rate,
            status: TaskStatus::Running,
            moved: 0,
            to_move,
            started_ms: now,
            failure_reason: None,
            last_ms: now,
        };
        tasks.list.push(task.clone());
        task
    };
    let handle = task.handle.clone();
    save(sqs, task).await?;
    Ok(handle)
}

/// CancelMessageMoveTask: returns the number moved so far.
///
/// Errors: `InvalidParameterValue` for a handle that is not a task handle;
/// `ResourceNotFoundException` for a handle naming no queue or no task (AWS's recorded
/// answers); `InvalidParameterValue` for a task that is no longer running.
pub(crate) async fn cancel(sqs: &Sqs, handle: &str) -> SqsResult<i64> {
    let decoded: Option<Value> = base64::engine::general_purpose::STANDARD
        .decode(handle.trim())
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let Some(source) = decoded
        .as_ref()
        .and_then(|v| v["sourceArn"].as_str())
        .filter(|_| decoded.as_ref().is_some_and(|v| v["taskId"].is_string()))
    else {
        return Err(SqsError::invalid_parameter_value("Value for parameter TaskHandle is invalid."));
    };
    if sqs.queue_by_arn(source).is_none() {
        return Err(SqsError::resource_not_found(
            "The resource that you specified for the SourceArn parameter doesn't exist.",
        ));
    }
    let task = {
        let mut tasks = sqs.inner.tasks.lock();
        let Some(t) = tasks.list.iter_mut().find(|t| t.handle == handle) else {
            return Err(SqsError::resource_not_found("Task does not exist."));
        };
        if t.status != TaskStatus::Running {
            return Err(SqsError::invalid_parameter_value("Only active tasks can be cancelled."));
        }
        t.status = TaskStatus::Cancelled;
        t.clone()
    };
    let moved = task.moved;
    save(sqs, task).await?;
    Ok(moved)
}

/// ListMessageMoveTasks: the most recent tasks of a source, newest first.
pub(crate) fn list(sqs: &Sqs, source_arn: &str, max: usize) -> SqsResult<Vec<Value>> {
    if sqs.queue_by_arn(source_arn).is_none() {
        return Err(SqsError::resource_not_found(
            "The resource that you specified for the SourceArn parameter doesn't exist.",
        ));
    }
    let tasks = sqs.inner.tasks.lock();
    Ok(tasks.list.iter().rev().filter(|t| t.source_arn == source_arn).take(max).map(|t| t.to_json()).collect())
}

/// Moves what each running task may move now.
pub(crate) async fn run(sqs: &Sqs) {
    let running: Vec<MoveTask> =
        sqs.inner.tasks.lock().list.iter().filter(|t| t.status == TaskStatus::Running).cloned().collect();
    for task in running {
        if let Err(e) = step(sqs, task).await {
            tracing::warn!("sqs move task: {e}");
        }
    }
}

async fn step(sqs: &Sqs, mut task: MoveTask) -> SqsResult<()> {
    let now = sqs.now_ms();
    let rate = task.rate.unwrap_or(DEFAULT_MOVE_RATE);
    let elapsed_ms = (now - task.last_ms).clamp(0, 10_000);
    let remaining = (task.to_move - task.moved).max(0);
    // The rate is a budget in the emulator's time: nothing moves until a whole message's worth
    // has accrued (with a frozen virtual clock, nothing moves at all).
    let allowance = ((rate * elapsed_ms) / 1000).min(remaining) as usize;
    if remaining > 0 && allowance == 0 {
        return Ok(());
    }
    let Some(source) = sqs.queue_by_arn(&task.source_arn) else {
        task.status = TaskStatus::Failed;
        task.failure_reason = Some("AWS.SimpleQueueService.NonExistentQueue".into());
        return finish(sqs, task).await;
    };
    let picked: Vec<(i64, crate::index::Meta)> = if allowance == 0 {
        Vec::new()
    } else {
        let mut st = source.state.lock();
        st.index.promote(now);
        let ids = st.index.pick(allowance);
        ids.into_iter().filter_map(|id| st.index.remove(id).map(|m| (id, m))).collect()
    };
    if picked.is_empty() {
        task.status = TaskStatus::Completed;
        return finish(sqs, task).await;
    }
    let ids: Vec<i64> = picked.iter().map(|(id, _)| *id).collect();
    let sources = sqs.store().read(move |c| persist::dlq_sources(c, &ids)).await?;
    let mut moves = Vec::new();
    let mut put_back = Vec::new();
    for ((id, meta), origin) in picked.into_iter().zip(sources) {
        let dest = task.destination_arn.clone().or(origin).and_then(|arn| sqs.queue_by_arn(&arn));
        match dest {
            Some(d) => moves.push((id, sqs.next_message_id(), meta, d)),
            None => put_back.push((id, meta)),
        }
    }
    if !put_back.is_empty() {
        let mut st = source.state.lock();
        for (id, m) in put_back {
            let entry = crate::index::Entry {
                sent_ms: m.sent_ms,
                visible_ms: now,
                received_ms: m.received_ms,
                receive_count: m.receive_count,
                receipt: m.receipt,
                group: m.group,
            };
            st.index.insert(id, entry, now);
        }
        task.status = TaskStatus::Failed;
        task.failure_reason = Some("AWS.SimpleQueueService.NonExistentQueue".into());
    }
    let jobs: Vec<(i64, i64, i64)> = moves.iter().map(|(id, new, _, d)| (*id, *new, d.id)).collect();
    sqs.store()
        .write(move |t| {
            for (id, new, dest) in &jobs {
                persist::move_message(t, *id, *new, *dest, now, None)?;
            }
            Ok(())
        })
        .await?;
    for (_, new_id, meta, dest) in &moves {
        dest.take_moved([(*new_id, meta)], now, false);
    }
    task.moved += moves.len() as i64;
    task.last_ms = now;
    if task.status == TaskStatus::Running && task.moved >= task.to_move {
        task.status = TaskStatus::Completed;
    }
    finish(sqs, task).await
}

/// Records the task's progress; a task cancelled meanwhile stays cancelled, in memory and in
/// the store (saving the step's own copy would have written it back as RUNNING).
async fn finish(sqs: &Sqs, task: MoveTask) -> SqsResult<()> {
    let merged = {
        let mut tasks = sqs.inner.tasks.lock();
        let Some(t) = tasks.list.iter_mut().find(|t| t.handle == task.handle) else {
            return Ok(());
        };
        if t.status == TaskStatus::Cancelled {
            t.moved = task.moved;
        } else {
            *t = task;
        }
        t.clone()
    };
    save(sqs, merged).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use service::ManualClock;
    use std::sync::Arc;

    /// A cancel that lands while a step is moving messages: the step's own copy (still
    /// RUNNING) must not be written back over the cancel, in memory or in the store.
    #[tokio::test]
    async fn a_cancel_during_a_step_stays_cancelled() {
        let store = store::Store::open(None, store::Durability::Process, persist::MIGRATIONS).unwrap();
        let sqs = Sqs::open(store.clone(), Arc::new(ManualClock::new(1_000)), crate::Config::default()).unwrap();
        let task = MoveTask {
            handle: "h".into(),
            source_arn: "arn:aws:sqs:us-east-1:000000000000:dlq".into(),
            destination_arn: None,
            rate: Some(1),
            status: TaskStatus::Running,
            moved: 0,
            to_move: 5,
            started_ms: 1_000,
            failure_reason: None,
            last_ms: 1_000,
        };
        sqs.inner.tasks.lock().list.push(task.clone());
        // The step took its copy; then the cancel lands.
        let mut step_copy = task.clone();
        sqs.inner.tasks.lock().list[0].status = TaskStatus::Cancelled;
        // The step finishes having moved two.
        step_copy.moved = 2;
        finish(&sqs, step_copy).await.unwrap();
        let t = sqs.inner.tasks.lock().list[0].clone();
        assert_eq!((t.status, t.moved), (TaskStatus::Cancelled, 2));
        let stored = store.read(persist::load_tasks).await.unwrap();
        let persisted = stored.clone();
        let stored: MoveTask = serde_json::from_str(&stored[0]).unwrap();
        assert_eq!((stored.status, stored.moved), (TaskStatus::Cancelled, 2));
        assert!(persisted[0].contains("\"CANCELLED\""), "stored as AWS spells it");
    }
}
