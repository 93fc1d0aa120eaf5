use async_graphql::{ID, Object};
use entity::department;

use crate::graphql::node::{NodeType, global_id};

/// A data-providing department (信息提供单位). Public information.
#[derive(Clone)]
pub struct Department(pub department::Model);

#[Object]
impl Department {
    pub async fn id(&self) -> ID {
        global_id(NodeType::Department, self.0.id)
    }
    /// Stable department code used by integrations and `xinyong import`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name_zh(&self) -> &str {
        &self.0.name_zh
    }
    async fn name_en(&self) -> &str {
        &self.0.name_en
    }
    /// Administrative-division code (GB/T 2260) of the department's region.
    async fn region_code(&self) -> &str {
        &self.0.region_code
    }
}
