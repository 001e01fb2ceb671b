//! Integration tests: the emulator in-process on 127.0.0.1:0, driven by the official
//! `aws-sdk-sqs` crate and by raw HTTP where a wire detail must be pinned down; plus a process
//! test of the built binary (kill -9 and restart).

mod common;
mod console;
mod everyday;
mod fuzz;
mod hardening;
mod house;
mod http_protocols;
mod kinesis_admin;
mod kinesis_channels;
mod kinesis_consumers;
mod kinesis_queues;
mod kinesis_records;
mod kinesis_streams;
mod mq_bridge;
mod mq_control;
mod mq_mqtt;
mod mq_stomp;
mod process;
mod recorded;
mod security;
mod sns_mobile;
mod sns_publish;
mod sns_subscriptions;
mod sns_topics;
mod sqs_cases;
mod sqs_dlq;
mod sqs_errors;
mod sqs_fidelity;
mod sqs_fifo;
mod sqs_messages;
mod sqs_query;
mod sqs_queues;
