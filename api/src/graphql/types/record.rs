use async_graphql::{ID, Object};
use entity::credit_record;

use crate::graphql::node::{NodeType, global_id};

/// A credit record published by a department about a subject.
#[derive(Clone)]
pub struct CreditRecord(pub credit_record::Model);

#[Object]
impl CreditRecord {
    pub async fn id(&self) -> ID {
        global_id(NodeType::CreditRecord, self.0.id)
    }
    /// The providing department's own reference.
    async fn source_ref(&self) -> &str {
        &self.0.source_ref
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Version, starting at 1; each correction adds one.
    async fn version(&self) -> i32 {
        self.0.version
    }
}
