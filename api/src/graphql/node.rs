//! Relay global object identification: opaque ids of the form
//! base64url("Type:id"), and the `Node` interface.

use async_graphql::{ID, Interface};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::accounts::{BindingRequest, SubjectBinding};
use super::cases::{CaseAttachment, Complaint, Objection, RepairApplication};
use super::consents::Consent;
use super::feed::{WebhookDelivery, WebhookSubscription};
use super::notices::{Email, Notice};
use super::types::{Account, Agency, ApiClient, CreditRecord, Department, Subject};

#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Opaque global id; stable across versions."
))]
pub enum Node {
    Account(Account),
    Agency(Agency),
    BindingRequest(BindingRequest),
    CaseAttachment(CaseAttachment),
    Complaint(Complaint),
    Email(Email),
    Notice(Notice),
    SubjectBinding(SubjectBinding),
    ApiClient(ApiClient),
    Consent(Consent),
    CreditRecord(CreditRecord),
    Department(Department),
    Objection(Objection),
    RepairApplication(RepairApplication),
    Subject(Subject),
    WebhookDelivery(WebhookDelivery),
    WebhookSubscription(WebhookSubscription),
}

/// Object types that have global ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeType {
    Account,
    Agency,
    BindingChallenge,
    BindingRequest,
    CaseAttachment,
    Complaint,
    Email,
    Notice,
    Objection,
    RepairApplication,
    SubjectBinding,
    ApiClient,
    Consent,
    CreditRecord,
    Department,
    Subject,
    WebhookDelivery,
    WebhookSubscription,
}

impl NodeType {
    fn name(self) -> &'static str {
        match self {
            NodeType::Account => "Account",
            NodeType::Agency => "Agency",
            NodeType::BindingChallenge => "BindingChallenge",
            NodeType::BindingRequest => "BindingRequest",
            NodeType::CaseAttachment => "CaseAttachment",
            NodeType::Complaint => "Complaint",
            NodeType::Objection => "Objection",
            NodeType::RepairApplication => "RepairApplication",
            NodeType::Email => "Email",
            NodeType::Notice => "Notice",
            NodeType::SubjectBinding => "SubjectBinding",
            NodeType::ApiClient => "ApiClient",
            NodeType::Consent => "Consent",
            NodeType::CreditRecord => "CreditRecord",
            NodeType::Department => "Department",
            NodeType::Subject => "Subject",
            NodeType::WebhookDelivery => "WebhookDelivery",
            NodeType::WebhookSubscription => "WebhookSubscription",
        }
    }

    fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "Account" => NodeType::Account,
            "Agency" => NodeType::Agency,
            "BindingChallenge" => NodeType::BindingChallenge,
            "BindingRequest" => NodeType::BindingRequest,
            "CaseAttachment" => NodeType::CaseAttachment,
            "Complaint" => NodeType::Complaint,
            "Objection" => NodeType::Objection,
            "RepairApplication" => NodeType::RepairApplication,
            "Email" => NodeType::Email,
            "Notice" => NodeType::Notice,
            "SubjectBinding" => NodeType::SubjectBinding,
            "ApiClient" => NodeType::ApiClient,
            "Consent" => NodeType::Consent,
            "CreditRecord" => NodeType::CreditRecord,
            "Department" => NodeType::Department,
            "Subject" => NodeType::Subject,
            "WebhookDelivery" => NodeType::WebhookDelivery,
            "WebhookSubscription" => NodeType::WebhookSubscription,
            _ => return None,
        })
    }
}

pub fn global_id(t: NodeType, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", t.name())))
}

/// Decodes a global id; `None` for anything malformed (Relay: unknown ids
/// resolve to null, they are not errors).
pub fn decode_id(id: &str) -> Option<(NodeType, i64)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.as_bytes()).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (t, n) = text.split_once(':')?;
    Some((NodeType::from_name(t)?, n.parse().ok()?))
}

/// Decodes a global id that must be of type `t`.
pub fn decode_id_of(id: &str, t: NodeType) -> Option<i64> {
    decode_id(id).filter(|(k, _)| *k == t).map(|(_, n)| n)
}

/// An opaque connection cursor for a keyset position (a row id).
pub fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("cursor:{id}"))
}

/// The row id of a cursor made by [`encode_cursor`]; `None` for anything else.
pub fn decode_cursor(cursor: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.as_bytes()).ok()?;
    std::str::from_utf8(&bytes)
        .ok()?
        .strip_prefix("cursor:")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_garbage_is_none() {
        let id = global_id(NodeType::Account, 42);
        assert_eq!(decode_id(&id), Some((NodeType::Account, 42)));
        assert_eq!(decode_id_of(&id, NodeType::Agency), None);
        assert_eq!(decode_cursor(&encode_cursor(7)), Some(7));
        assert_eq!(decode_cursor(&id), None);
        // Case ids kept the form they had before cases became nodes.
        for (t, name) in [
            (NodeType::Objection, "Objection"),
            (NodeType::RepairApplication, "RepairApplication"),
            (NodeType::Complaint, "Complaint"),
            (NodeType::CaseAttachment, "CaseAttachment"),
        ] {
            let id = global_id(t, 7);
            assert_eq!(id.0, URL_SAFE_NO_PAD.encode(format!("{name}:7")));
            assert_eq!(decode_id(&id), Some((t, 7)));
        }
        for bad in ["", "!!", "QWNjb3VudA", "Zm9vOjE", "QWNjb3VudDp4"] {
            assert_eq!(decode_id(bad), None, "{bad}");
        }
    }
}
