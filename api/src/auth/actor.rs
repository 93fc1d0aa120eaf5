//! Who is calling. Built once per request from the bearer token (after the
//! session or client has been checked as still valid) and passed to services.

use entity::enums::{AccountRole, Channel};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    Anonymous,
    Account(AccountActor),
    Client(ClientActor),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountActor {
    pub account_id: i64,
    pub session_id: i64,
    pub role: AccountRole,
    pub department_id: Option<i64>,
}

/// An API client of an agency or a department's own system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientActor {
    pub api_client_id: i64,
    pub client_id: String,
    pub agency_id: Option<i64>,
    pub department_id: Option<i64>,
    pub scopes: Vec<String>,
    /// Rate-limit tier (see `ratelimit::Tier::for_client`).
    pub rate_tier: String,
}

impl Actor {
    pub fn account(&self) -> Option<&AccountActor> {
        match self {
            Actor::Account(a) => Some(a),
            _ => None,
        }
    }

    pub fn client(&self) -> Option<&ClientActor> {
        match self {
            Actor::Client(c) => Some(c),
            _ => None,
        }
    }

    pub fn is_operator(&self) -> bool {
        matches!(self, Actor::Account(a) if a.role == AccountRole::Operator)
    }

    /// The department this actor acts for, if any (staff or a department's system).
    pub fn department_id(&self) -> Option<i64> {
        match self {
            Actor::Account(a) if a.role == AccountRole::DepartmentStaff => a.department_id,
            Actor::Client(c) => c.department_id,
            _ => None,
        }
    }
}

/// Facts about the request that audit and query-log rows record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Where the request came in (the query log's `channel`): the same
    /// schema serves `/graphql`, the portal and the command line.
    pub channel: Channel,
}

impl Default for RequestMeta {
    fn default() -> Self {
        RequestMeta {
            request_id: None,
            ip: None,
            user_agent: None,
            channel: Channel::Api,
        }
    }
}
