//! The in-memory scheduling index of one queue: which messages are visible, delayed or in
//! flight, when each timer fires, and for FIFO queues the order and blocking of message groups.
//! Bodies stay in SQLite; an entry here is a few dozen bytes.
//!
//! Timers are a heap of deadlines checked lazily ([`Index::promote`]) whenever the queue is
//! touched; a generation counter per message makes superseded timer entries stale instead of
//! requiring their removal.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, VecDeque};
use std::sync::Arc;

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Visible,
    /// Sent with a delay and not yet visible.
    Delayed,
    /// Received and within its visibility timeout.
    Inflight,
}

/// The scheduling facts of one message.
#[derive(Debug, Clone)]
pub struct Meta {
    pub sent_ms: i64,
    pub visible_ms: i64,
    /// When it was last received (the 12-hour visibility ceiling counts from here).
    pub received_ms: i64,
    pub receive_count: u32,
    /// The nonce in the current receipt handle.
    pub receipt: u32,
    pub state: State,
    pub group: Option<Arc<str>>,
    gen: u32,
    /// Out of send-time order among its neighbours by id (see [`Index::stragglers`]).
    straggler: bool,
}

/// A FIFO group: its messages in send order. It is available while its first message is
/// visible, and then serves its messages from the first up to the first one that is not
/// visible (recorded: a group is blocked only behind its first in-flight message, also while
/// later ones are in flight).
#[derive(Debug, Default)]
struct Group {
    ids: VecDeque<i64>,
    /// Its place among the available groups, while it is one.
    listed: Option<u64>,
}

/// A message as it enters the index. `received_ms`/`receive_count`/`receipt` are non-zero when
/// it is loaded from the store or keeps its receives through a move.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub sent_ms: i64,
    pub visible_ms: i64,
    pub received_ms: i64,
    pub receive_count: u32,
    pub receipt: u32,
    pub group: Option<Arc<str>>,
}

impl Entry {
    /// A message never received, visible (or delayed) from `visible_ms`.
    pub fn fresh(sent_ms: i64, visible_ms: i64, group: Option<Arc<str>>) -> Entry {
        Entry { sent_ms, visible_ms, group, ..Default::default() }
    }
}

/// One queue's index.
#[derive(Debug, Default)]
pub struct Index {
    fifo: bool,
    msgs: BTreeMap<i64, Meta>,
    /// A standard queue's visible messages by id: the oldest is served first, also one whose
    /// visibility ran out after newer ones were sent (recorded).
    ready: BTreeSet<i64>,
    timers: BinaryHeap<Reverse<(i64, i64, u32)>>,
    groups: HashMap<Arc<str>, Group>,
    /// FIFO groups that are not blocked, in the order they became available: a group whose
    /// first message comes back from flight goes behind the groups that were waiting, as AWS
    /// serves them (recorded).
    available: BTreeSet<(u64, Arc<str>)>,
    next_place: u64,
    inflight: usize,
    delayed: usize,
    /// Messages whose send time is out of order with their neighbours by id, by (send time,
    /// id): one redriven from another queue keeps its original send time, and two sends racing
    /// for a queue may take ids in the other order than their clock readings. Every other
    /// message is in send-time order by id, so retention expiry scans from the oldest id and
    /// stops at the first young one, and looks up the stragglers here.
    stragglers: BTreeSet<(i64, i64)>,
}

impl Index {
    pub fn new(fifo: bool) -> Self {
        Index { fifo, ..Default::default() }
    }

    pub fn len(&self) -> usize {
        self.msgs.len()
    }

    pub fn get(&self, id: i64) -> Option<&Meta> {
        self.msgs.get(&id)
    }

    /// (visible, in flight, delayed), after promoting due timers.
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.msgs.len().saturating_sub(self.inflight + self.delayed), self.inflight, self.delayed)
    }

    /// When the oldest message was sent: the first by id, or an older straggler.
    pub fn oldest_sent_ms(&self) -> Option<i64> {
        let first = self.msgs.values().next().map(|m| m.sent_ms);
        let straggler = self.stragglers.first().map(|(sent, _)| *sent);
        match (first, straggler) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The interned group name (one allocation per group, shared by its messages).
    pub fn intern(&mut self, group: &str) -> Arc<str> {
        match self.groups.get_key_value(group) {
            Some((k, _)) => k.clone(),
            None => Arc::from(group),
        }
    }

    /// Adds a message (sent, loaded from the store, or moved between queues).
    pub fn insert(&mut self, id: i64, e: Entry, now: i64) {
        let Entry { sent_ms, visible_ms, received_ms, receive_count, receipt, group } = e;
        let state = if visible_ms <= now {
            State::Visible
        } else if receive_count > 0 && received_ms > 0 {
            State::Inflight
        } else {
            State::Delayed
        };
        // In order when the nearest in-order messages by id were sent no later before it and no
        // earlier after it.
        let in_order = |(_, m): &(&i64, &Meta)| !m.straggler;
        let (before, after) = match self.msgs.last_key_value() {
            // The usual case, a message after every other: its neighbour is the last one.
            Some((last, m)) if *last < id && !m.straggler => (Some(m.sent_ms), None),
            None => (None, None),
            Some(_) => (
                self.msgs.range(..id).rev().find(in_order).map(|(_, m)| m.sent_ms),
                self.msgs.range(id.saturating_add(1)..).find(in_order).map(|(_, m)| m.sent_ms),
            ),
        };
        let straggler = before.is_some_and(|b| b > sent_ms) || after.is_some_and(|a| a < sent_ms);
        if straggler {
            self.stragglers.insert((sent_ms, id));
        }
        let meta = Meta {
            sent_ms,
            visible_ms,
            received_ms,
            receive_count,
            receipt,
            state,
            group: group.clone(),
            gen: 0,
            straggler,
        };
        match state {
            State::Visible => {}
            State::Delayed => self.delayed += 1,
            State::Inflight => self.inflight += 1,
        }
        self.msgs.insert(id, meta);
        if state != State::Visible {
            self.push_timer(visible_ms, id, 0);
        }
        if self.fifo {
            let g = group_key(group);
            let entry = self.groups.entry(g.clone()).or_default();
            // Ids arrive in order but for messages prepared by one caller and committed after
            // another's: keep each group sorted by id (send order).
            let pos = entry.ids.partition_point(|x| *x < id);
            entry.ids.insert(pos, id);
            self.refresh_group(&g);
        } else if state == State::Visible {
            self.ready.insert(id);
        }
    }

    /// Makes every message whose timer is due visible.
    pub fn promote(&mut self, now: i64) {
        while let Some(Reverse((deadline, id, gen))) = self.timers.peek().copied() {
            if deadline > now {
                break;
            }
            self.timers.pop();
            let Some(m) = self.msgs.get_mut(&id) else {
                continue;
            };
            if m.gen != gen || m.state == State::Visible || m.visible_ms > now {
                continue;
            }
            let was = m.state;
            m.state = State::Visible;
            let group = m.group.clone();
            self.became_visible(id, was, group);
        }
    }

    fn became_visible(&mut self, id: i64, was: State, group: Option<Arc<str>>) {
        match was {
            State::Delayed => self.delayed = self.delayed.saturating_sub(1),
            State::Inflight => self.inflight = self.inflight.saturating_sub(1),
            State::Visible => {}
        }
        if self.fifo {
            self.refresh_group(&group_key(group));
        } else {
            self.ready.insert(id);
        }
    }

    /// The earliest pending timer, if any (may be stale: a wake-up hint, not a promise).
    pub fn next_deadline(&self) -> Option<i64> {
        self.timers.peek().map(|Reverse((d, _, _))| *d)
    }

    /// Up to `max` visible messages in delivery order, without changing them: for standard
    /// queues the oldest ready ones; for FIFO queues whole runs from the unblocked groups,
    /// oldest group first. The caller must then receive or remove every id returned.
    pub fn pick(&mut self, max: usize) -> Vec<i64> {
        let mut out = Vec::with_capacity(max);
        if self.fifo {
            for (_, g) in &self.available {
                let Some(group) = self.groups.get(g) else {
                    continue;
                };
                for id in &group.ids {
                    if out.len() == max {
                        break;
                    }
                    match self.msgs.get(id) {
                        Some(m) if m.state == State::Visible => out.push(*id),
                        _ => break,
                    }
                }
                if out.len() == max {
                    break;
                }
            }
        } else {
            out.extend(self.ready.iter().take(max).copied());
        }
        out
    }

    /// Pushes a timer, first dropping superseded ones when they outnumber the live ones
    /// (deleted in-flight messages leave their timers behind until the deadline; with long
    /// visibility timeouts that could be hours).
    fn push_timer(&mut self, deadline: i64, id: i64, gen: u32) {
        if self.timers.len() > 2 * (self.inflight + self.delayed) + 1024 {
            let msgs = &self.msgs;
            let live: Vec<Reverse<(i64, i64, u32)>> = std::mem::take(&mut self.timers)
                .into_iter()
                .filter(|Reverse((_, id, gen))| {
                    msgs.get(id).is_some_and(|m| m.gen == *gen && m.state != State::Visible)
                })
                .collect();
            self.timers = BinaryHeap::from(live);
        }
        self.timers.push(Reverse((deadline, id, gen)));
    }

    /// Marks a picked message in flight until `visible_ms` with a new receipt nonce.
    pub fn receive(&mut self, id: i64, now: i64, visible_ms: i64, receipt: u32) -> Option<&Meta> {
        let m = self.msgs.get_mut(&id)?;
        if m.state != State::Visible {
            return None;
        }
        m.state = State::Inflight;
        m.visible_ms = visible_ms;
        m.received_ms = now;
        m.receive_count += 1;
        m.receipt = receipt;
        m.gen = m.gen.wrapping_add(1);
        let gen = m.gen;
        let group = m.group.clone();
        self.inflight += 1;
        self.push_timer(visible_ms, id, gen);
        if self.fifo {
            self.refresh_group(&group_key(group));
        } else {
            self.ready.remove(&id);
        }
        self.msgs.get(&id)
    }

    /// Changes a received message's visibility deadline; at or before `now` it is visible at
    /// once. A message whose visibility ran out and that nobody received since goes back in
    /// flight (AWS accepts the latest receipt handle until the message is received again).
    pub fn set_visible_at(&mut self, id: i64, visible_ms: i64, now: i64) {
        let Some(m) = self.msgs.get_mut(&id) else {
            return;
        };
        let was = m.state;
        if was == State::Delayed || (was == State::Visible && visible_ms <= now) {
            return;
        }
        m.visible_ms = visible_ms;
        m.gen = m.gen.wrapping_add(1);
        let gen = m.gen;
        let group = m.group.clone();
        if visible_ms <= now {
            m.state = State::Visible;
            self.became_visible(id, State::Inflight, group);
            return;
        }
        if was == State::Visible {
            // Back in flight.
            m.state = State::Inflight;
            self.inflight += 1;
            if self.fifo {
                self.refresh_group(&group_key(group));
            } else {
                self.ready.remove(&id);
            }
        }
        self.push_timer(visible_ms, id, gen);
    }

    /// Removes a message (deleted, expired or moved).
    pub fn remove(&mut self, id: i64) -> Option<Meta> {
        let m = self.msgs.remove(&id)?;
        if m.straggler {
            self.stragglers.remove(&(m.sent_ms, id));
        }
        match m.state {
            State::Visible => {
                self.ready.remove(&id);
            }
            State::Delayed => self.delayed = self.delayed.saturating_sub(1),
            State::Inflight => self.inflight = self.inflight.saturating_sub(1),
        }
        if self.fifo {
            let g = group_key(m.group.clone());
            let mut empty = false;
            if let Some(entry) = self.groups.get_mut(&g) {
                if let Some(pos) = entry.ids.iter().position(|x| *x == id) {
                    entry.ids.remove(pos);
                }
                empty = entry.ids.is_empty();
            }
            self.refresh_group(&g);
            if empty {
                self.groups.remove(&g);
            }
        }
        Some(m)
    }

    /// Ids of messages sent at or before `cutoff_ms` (retention expiry), at most `limit`: the
    /// in-order messages from the oldest id up to the first younger one, and the stragglers.
    pub fn sent_before(&mut self, cutoff_ms: i64, limit: usize) -> Vec<i64> {
        let mut out: Vec<i64> =
            self.stragglers.range(..=(cutoff_ms, i64::MAX)).take(limit).map(|(_, id)| *id).collect();
        let in_order = self
            .msgs
            .iter()
            .filter(|(_, m)| !m.straggler)
            .take_while(|(_, m)| m.sent_ms <= cutoff_ms)
            .take(limit - out.len())
            .map(|(id, _)| *id);
        out.extend(in_order);
        out
    }

    /// Every id, oldest first.
    /// Up to `n` messages after id `after`, in id order, with their receive counts and states.
    pub fn entries_after(&self, after: i64, n: usize) -> Vec<(i64, u32, State)> {
        self.msgs.range(after.saturating_add(1)..).take(n).map(|(id, m)| (*id, m.receive_count, m.state)).collect()
    }

    pub fn ids(&self) -> Vec<i64> {
        self.msgs.keys().copied().collect()
    }

    /// Empties the index (purge).
    pub fn clear(&mut self) {
        let fifo = self.fifo;
        *self = Index::new(fifo);
    }

    fn refresh_group(&mut self, g: &Arc<str>) {
        let Some(entry) = self.groups.get_mut(g) else {
            return;
        };
        let msgs = &self.msgs;
        let open = entry.ids.front().and_then(|id| msgs.get(id)).is_some_and(|m| m.state == State::Visible);
        match (entry.listed, open) {
            (Some(_), true) | (None, false) => {}
            (Some(place), false) => {
                entry.listed = None;
                self.available.remove(&(place, g.clone()));
            }
            (None, true) => {
                self.next_place += 1;
                entry.listed = Some(self.next_place);
                self.available.insert((self.next_place, g.clone()));
            }
        }
    }
}

/// The FIFO group a message belongs to (FIFO sends always carry one; the empty name only
/// guards a message loaded without it).
fn group_key(group: Option<Arc<str>>) -> Arc<str> {
    group.unwrap_or_else(|| Arc::from(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: &str) -> Option<Arc<str>> {
        Some(Arc::from(s))
    }

    #[test]
    fn standard_visibility_cycle() {
        let mut ix = Index::new(false);
        ix.insert(1, Entry::fresh(0, 0, None), 0);
        ix.insert(2, Entry::fresh(0, 100, None), 0); // delayed
        assert_eq!(ix.counts(), (1, 0, 1));
        let p = ix.pick(10);
        assert_eq!(p, vec![1]);
        ix.receive(1, 0, 50, 7);
        assert_eq!(ix.counts(), (0, 1, 1));
        ix.promote(60);
        assert_eq!(ix.counts(), (1, 0, 1));
        ix.promote(100);
        assert_eq!(ix.counts(), (2, 0, 0));
        assert_eq!(ix.pick(10), vec![1, 2]);
    }

    #[test]
    fn stale_timers_are_ignored() {
        let mut ix = Index::new(false);
        ix.insert(1, Entry::fresh(0, 0, None), 0);
        ix.pick(1);
        ix.receive(1, 0, 50, 1);
        ix.set_visible_at(1, 500, 10); // extended: the timer at 50 is stale
        ix.promote(60);
        assert_eq!(ix.counts(), (0, 1, 0));
        ix.set_visible_at(1, 10, 10); // visible now
        assert_eq!(ix.pick(5), vec![1]);
    }

    #[test]
    fn superseded_timers_are_compacted() {
        let mut ix = Index::new(false);
        for id in 0..5000 {
            ix.insert(id, Entry::fresh(0, 0, None), 0);
            ix.pick(1);
            ix.receive(id, 0, 1_000_000, 1);
            ix.remove(id);
        }
        assert!(ix.timers.len() <= 1025, "{}", ix.timers.len());
    }

    #[test]
    fn retention_sees_redriven_messages_behind_younger_ones() {
        let mut ix = Index::new(false);
        ix.insert(10, Entry::fresh(1_000, 1_000, None), 1_000);
        ix.insert(11, Entry::fresh(100, 1_000, None), 1_000); // redriven: sent long before
        assert_eq!(ix.sent_before(500, 100), vec![11]);
        ix.remove(11);
        assert_eq!(ix.sent_before(1_000, 100), vec![10]);
    }

    /// Two sends that took ids in the other order than their clock readings, and a message
    /// applied after a younger id: retention still finds each, and scans no further than the
    /// first young in-order message.
    #[test]
    fn retention_tolerates_ids_out_of_clock_order() {
        let mut ix = Index::new(false);
        ix.insert(1, Entry::fresh(100, 100, None), 100);
        ix.insert(3, Entry::fresh(300, 300, None), 300);
        ix.insert(2, Entry::fresh(200, 200, None), 300); // applied late, in order
        ix.insert(4, Entry::fresh(290, 300, None), 300); // a clock reading older than id 3's
        ix.insert(5, Entry::fresh(400, 400, None), 400);
        assert_eq!(ix.stragglers.len(), 1);
        assert_eq!(ix.sent_before(99, 100), Vec::<i64>::new());
        assert_eq!(ix.sent_before(200, 100), vec![1, 2]);
        let mut got = ix.sent_before(295, 100);
        got.sort();
        assert_eq!(got, vec![1, 2, 4]);
        ix.remove(4);
        assert!(ix.stragglers.is_empty());
        assert_eq!(ix.sent_before(1_000, 100), vec![1, 2, 3, 5]);
    }

    #[test]
    fn fifo_groups_block_while_in_flight() {
        let mut ix = Index::new(true);
        ix.insert(1, Entry::fresh(0, 0, g("a")), 0);
        ix.insert(2, Entry::fresh(0, 0, g("a")), 0);
        ix.insert(3, Entry::fresh(0, 0, g("b")), 0);
        assert_eq!(ix.pick(1), vec![1]);
        ix.receive(1, 0, 30, 1);
        // group a is blocked; b is next
        assert_eq!(ix.pick(10), vec![3]);
        ix.receive(3, 0, 30, 1);
        assert!(ix.pick(10).is_empty());
        ix.remove(1);
        assert_eq!(ix.pick(10), vec![2]);
        // visibility expiry of 3 unblocks b with 3 first again
        ix.promote(31);
        assert_eq!(ix.pick(10), vec![2, 3]);
    }

    #[test]
    fn a_group_back_from_flight_goes_behind_the_waiting_ones() {
        let mut ix = Index::new(true);
        ix.insert(1, Entry::fresh(0, 0, g("a")), 0);
        ix.insert(2, Entry::fresh(0, 0, g("b")), 0);
        ix.insert(3, Entry::fresh(0, 0, g("c")), 0);
        ix.insert(4, Entry::fresh(0, 0, g("a")), 0);
        assert_eq!(ix.pick(1), vec![1]);
        ix.receive(1, 0, 30, 1);
        assert_eq!(ix.pick(1), vec![2]);
        ix.receive(2, 0, 40, 1);
        ix.promote(41);
        // c never left; a and b came back in the order their visibility ran out.
        assert_eq!(ix.pick(10), vec![3, 1, 4, 2]);
    }

    #[test]
    fn an_expired_message_goes_back_in_flight_by_its_latest_handle() {
        let mut ix = Index::new(true);
        ix.insert(1, Entry::fresh(0, 0, g("a")), 0);
        ix.pick(1);
        ix.receive(1, 0, 30, 7);
        ix.promote(31);
        assert_eq!(ix.counts(), (1, 0, 0));
        ix.set_visible_at(1, 100, 31);
        assert_eq!(ix.counts(), (0, 1, 0));
        assert!(ix.pick(10).is_empty(), "the group is locked again");
        ix.set_visible_at(1, 31, 31);
        assert_eq!(ix.pick(10), vec![1]);
        let mut std = Index::new(false);
        std.insert(5, Entry::fresh(0, 0, None), 0);
        std.pick(1);
        std.receive(5, 0, 30, 2);
        std.promote(31);
        std.set_visible_at(5, 60, 31);
        assert!(std.pick(10).is_empty(), "back in flight, not ready");
        std.promote(60);
        assert_eq!(std.pick(10), vec![5]);
    }

    /// The recorded cases: a group is blocked only behind its first in-flight message.
    #[test]
    fn a_group_serves_up_to_its_first_message_in_flight() {
        let mut ix = Index::new(true);
        ix.insert(1, Entry::fresh(0, 0, g("g1")), 0);
        ix.insert(2, Entry::fresh(0, 0, g("g1")), 0);
        ix.insert(3, Entry::fresh(0, 0, g("g2")), 0);
        assert_eq!(ix.pick(2), vec![1, 2]);
        ix.receive(1, 0, 30, 1);
        ix.receive(2, 0, 30, 1);
        ix.set_visible_at(1, 0, 0);
        assert_eq!(ix.pick(3), vec![3, 1], "g1's head is back, its second still in flight");
        // Three in one group, all received; message k kept in flight longer: after the others'
        // timeout a receive gets the messages before k.
        for k in 0..3 {
            let mut ix = Index::new(true);
            for id in 0..3 {
                ix.insert(id, Entry::fresh(0, 0, g("g")), 0);
            }
            for id in ix.pick(3) {
                ix.receive(id, 0, if id == k { 4_000 } else { 2_000 }, 1);
            }
            ix.promote(2_500);
            assert_eq!(ix.pick(10), (0..k).collect::<Vec<_>>(), "k = {k}");
        }
    }

    /// The recorded case: groups back from flight rejoin behind the waiting ones, in the order
    /// they were first received.
    #[test]
    fn groups_back_from_flight_rejoin_in_the_order_received() {
        let mut ix = Index::new(true);
        for (id, group) in [(1, "g1"), (2, "g2"), (3, "g2"), (4, "g3"), (5, "g1")] {
            ix.insert(id, Entry::fresh(0, 0, g(group)), 0);
        }
        let first = ix.pick(3);
        assert_eq!(first, vec![1, 5, 2]);
        for id in first {
            ix.receive(id, 0, 0, 1);
        }
        ix.promote(0);
        assert_eq!(ix.pick(10), vec![4, 1, 5, 2, 3]);
    }

    #[test]
    fn fifo_pick_takes_runs_in_order() {
        let mut ix = Index::new(true);
        for i in 1..=4 {
            ix.insert(i, Entry::fresh(0, 0, g(if i % 2 == 0 { "x" } else { "y" })), 0);
        }
        assert_eq!(ix.pick(10), vec![1, 3, 2, 4]);
    }
}
