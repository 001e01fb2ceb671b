//! SQS's query-protocol layout facts: which dotted parameters are lists and maps on the way
//! in, and which members are flattened on the way out. The JSON protocol needs none of this.

use aws_protocol::query::QueryMember;
use aws_protocol::xml::XmlMember;

/// The XML namespace of SQS query responses.
pub const XMLNS: &str = "http://queue.amazonaws.com/doc/2012-11-05/";
/// The JSON protocol's shape namespace (`__type` prefix).
pub const JSON_NAMESPACE: &str = "com.amazonaws.sqs";
/// The `X-Amz-Target` prefix.
pub const TARGET_PREFIX: &str = "AmazonSQS";

/// Query parameter prefixes of SQS inputs.
pub fn query_member(name: &str) -> QueryMember {
    match name {
        "AttributeName" => QueryMember::List("AttributeNames"),
        "MessageAttributeName" => QueryMember::List("MessageAttributeNames"),
        "MessageSystemAttributeName" => QueryMember::List("MessageSystemAttributeNames"),
        "TagKey" => QueryMember::List("TagKeys"),
        "AWSAccountId" => QueryMember::List("AWSAccountIds"),
        "ActionName" => QueryMember::List("Actions"),
        "SendMessageBatchRequestEntry"
        | "DeleteMessageBatchRequestEntry"
        | "ChangeMessageVisibilityBatchRequestEntry" => QueryMember::List("Entries"),
        "Attribute" => QueryMember::Map { json: "Attributes", key: "Name", value: "Value" },
        "MessageAttribute" => QueryMember::Map { json: "MessageAttributes", key: "Name", value: "Value" },
        "MessageSystemAttribute" => QueryMember::Map { json: "MessageSystemAttributes", key: "Name", value: "Value" },
        "Tag" => QueryMember::Map { json: "Tags", key: "Key", value: "Value" },
        _ => QueryMember::Plain,
    }
}

/// Output members' XML layout for `operation`.
pub fn xml_member(operation: &str, name: &str) -> XmlMember {
    match name {
        "QueueUrls" | "queueUrls" => XmlMember::FlatList("QueueUrl"),
        "Messages" => XmlMember::FlatList("Message"),
        "Failed" => XmlMember::FlatList("BatchResultErrorEntry"),
        "Results" => XmlMember::FlatList("ListMessageMoveTasksResultEntry"),
        "Successful" => match operation {
            "SendMessageBatch" => XmlMember::FlatList("SendMessageBatchResultEntry"),
            "DeleteMessageBatch" => XmlMember::FlatList("DeleteMessageBatchResultEntry"),
            _ => XmlMember::FlatList("ChangeMessageVisibilityBatchResultEntry"),
        },
        "Attributes" => XmlMember::FlatMap { elem: "Attribute", key: "Name", value: "Value" },
        "MessageAttributes" => XmlMember::FlatMap { elem: "MessageAttribute", key: "Name", value: "Value" },
        "Tags" => XmlMember::FlatMap { elem: "Tag", key: "Key", value: "Value" },
        _ => XmlMember::Plain,
    }
}
