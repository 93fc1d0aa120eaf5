use async_graphql::{ID, Object};
use entity::subject;

use crate::graphql::node::{NodeType, global_id};

/// An enterprise, organisation or person that records are about.
#[derive(Clone)]
pub struct Subject(pub subject::Model);

#[Object]
impl Subject {
    pub async fn id(&self) -> ID {
        global_id(NodeType::Subject, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// USCC for organisations; a masked ID number for people.
    async fn identifier(&self) -> &str {
        &self.0.identifier_masked
    }
}
