//! The authorisation matrix: every role against every root query and
//! mutation of the schema, on the demo data.
//!
//! Each row is one operation with its expected outcome per role. The
//! introspection test fails when the schema gains a root field that no row
//! exercises, so a new operation cannot ship without its authorisation being
//! decided here. Object-level rows (subject A reading subject B, a department
//! withdrawing another department's record, an agency reading another
//! agency's objects, a department answering another department's case)
//! sit beside the role rows.

use std::collections::BTreeSet;

use entity::enums::RecordStatus;
use entity::{account, attachment, credit_record, department, notice, outbox_email};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};
use xinyong::domain::identifier::Uscc;
use xinyong::graphql::node::{NodeType, global_id};
use xinyong::service::demo;
use xinyong_tests::demo::{self as d, DepartmentFilter};
use xinyong_tests::{Gql, TestApp};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Anonymous,
    /// Bound to the demo enterprise.
    Owner,
    /// Bound to the demo individual (a different subject from Owner's).
    Person,
    /// Market-supervision staff (FZ-SCJG).
    Staff,
    Operator,
    /// The demo agency's client, with every agency scope.
    Agency,
    /// FZ-SCJG's system client (`records:write`, `records:read`).
    Department,
}

use Role::*;

/// What an operation did for a role.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    /// `UNAUTHENTICATED`.
    Unauthenticated,
    /// `FORBIDDEN`.
    Forbidden,
    /// Answered, but the object is not there for this caller: a null field,
    /// or a `*_NOT_FOUND` user error (no hint that it exists).
    NotFound,
    /// Answered with data (possibly with other user errors, such as a
    /// state conflict from an earlier row).
    Done,
    /// Any other top-level error code.
    Error(String),
}

/// What a row expects for a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Allowed,
    Unauthenticated,
    Forbidden,
    /// Refused at the object: FORBIDDEN or NOT_FOUND, never data.
    Refused,
    /// Answered without the object: NOT_FOUND or null.
    Hidden,
}

impl Expect {
    fn admits(self, o: &Outcome) -> bool {
        matches!(
            (self, o),
            (Expect::Allowed, Outcome::Done)
                | (Expect::Unauthenticated, Outcome::Unauthenticated)
                | (Expect::Forbidden, Outcome::Forbidden)
                | (Expect::Refused, Outcome::Forbidden | Outcome::NotFound)
                | (Expect::Hidden, Outcome::NotFound)
        )
    }
}

/// The objects the rows point at, created fresh in each role's app.
struct Fixture {
    enterprise: String,
    enterprise_uscc: String,
    chen: String,
    /// One of 陈美华's records (a natural person: never public).
    chen_record: String,
    /// A record of FZ-SCJG and one of another department.
    own_dept_source_ref: String,
    other_dept_record_id: i64,
    other_dept_source_ref: String,
    agency: String,
    /// A second agency, for status changes.
    other_agency: String,
    /// A throwaway client of the demo agency, for rotate/revoke.
    spare_client: String,
    /// The enterprise's consent requested by the agency (pending).
    pending_consent: String,
    /// The enterprise's consent granted by its owner (active).
    active_consent: String,
    /// 陈美华's consent (active): Owner must not touch it.
    chen_consent: String,
    webhook: String,
    agency_uscc: String,
    /// The demo agency's client with every agency scope: (id, secret).
    full_agency_client: (String, String),
    /// The enterprise's records: the penalty (repairable) and an honour
    /// (no case open on it).
    penalty_record: String,
    honour_record: String,
    /// The enterprise's objection referred to FZ-SCJG (Staff's department),
    /// with one evidence file.
    objection: String,
    objection_evidence: String,
    /// The enterprise's objection referred to the tax service (not Staff's).
    other_dept_objection: String,
    /// 陈美华's objection, received (not yet referred).
    chen_objection: String,
    /// The enterprise's objection upheld by FZ-SCJG, and the complaint
    /// about it.
    upheld_objection: String,
    complaint: String,
    /// The enterprise's repair applications: at FZ-SCJG, and at the tax
    /// service.
    repair: String,
    other_dept_repair: String,
    /// A notice in the enterprise owner's inbox.
    owner_notice: String,
    /// An outbox email.
    email: String,
    /// 陈美华's pending document-binding request for another enterprise.
    binding_request: String,
    /// 陈美华's code challenge for the demo enterprise.
    chen_challenge: String,
    /// An agent's binding to the enterprise (added by its owner).
    agent_binding: String,
}

struct Row {
    field: &'static str,
    /// What the row checks, for failure messages.
    what: &'static str,
    doc: &'static str,
    vars: fn(&Fixture) -> Value,
    expect: fn(Role) -> Expect,
}

fn signed_in(r: Role) -> Expect {
    match r {
        Anonymous => Expect::Unauthenticated,
        _ => Expect::Allowed,
    }
}

fn everyone(_: Role) -> Expect {
    Expect::Allowed
}

fn only(allowed: &'static [Role]) -> impl Fn(Role) -> Expect {
    move |r| {
        if allowed.contains(&r) {
            Expect::Allowed
        } else if r == Anonymous {
            Expect::Unauthenticated
        } else {
            Expect::Forbidden
        }
    }
}

fn operator_only(r: Role) -> Expect {
    only(&[Operator])(r)
}

fn agency_only(r: Role) -> Expect {
    only(&[Agency])(r)
}

fn writers(r: Role) -> Expect {
    only(&[Staff, Department])(r)
}

/// A subject's own objects: its bound users (and operators) see them, a
/// different subject's user is refused without learning whether they exist.
fn enterprise_owner(r: Role) -> Expect {
    match r {
        Owner | Operator => Expect::Allowed,
        Anonymous => Expect::Unauthenticated,
        Person => Expect::Refused,
        _ => Expect::Forbidden,
    }
}

/// Subject users only (they act for subjects; staff, operators and clients
/// do not).
fn subject_users(r: Role) -> Expect {
    only(&[Owner, Person])(r)
}

/// A person's own things (settings, inbox, bindings): every signed-in
/// person; API clients have no account, so they may never call these.
fn people(r: Role) -> Expect {
    only(&[Owner, Person, Staff, Operator])(r)
}

/// Department staff only (operators check objections, departments answer).
fn staff_only(r: Role) -> Expect {
    only(&[Staff])(r)
}

/// The enterprise's case as its applicant acts on it: its owner; another
/// subject's user is told it does not exist; other roles never do this.
fn enterprise_case_applicant(r: Role) -> Expect {
    match r {
        Owner => Expect::Allowed,
        Person => Expect::Hidden,
        other => subject_users(other),
    }
}

/// Reading a case of the enterprise handled by Staff's department: its
/// parties see it, anyone else gets null (an unknown case looks the same).
fn case_at_staff_department(r: Role) -> Expect {
    match r {
        Owner | Operator | Staff => Expect::Allowed,
        _ => Expect::Hidden,
    }
}

/// Reading a case of the enterprise that Staff's department has no part in.
fn case_elsewhere(r: Role) -> Expect {
    match r {
        Owner | Operator => Expect::Allowed,
        _ => Expect::Hidden,
    }
}

/// Reading 陈美华's case: she and the operators.
fn chen_case(r: Role) -> Expect {
    match r {
        Person | Operator => Expect::Allowed,
        _ => Expect::Hidden,
    }
}

fn rows() -> Vec<Row> {
    vec![
        // ---- queries ----
        Row {
            field: "viewer",
            what: "who am I",
            doc: "{ viewer { __typename } }",
            vars: |_| json!({}),
            expect: signed_in,
        },
        Row {
            field: "node",
            what: "a natural person's record by id",
            doc: "query($id: ID!) { node(id: $id) { id } }",
            vars: |f| json!({ "id": f.chen_record }),
            expect: |r| match r {
                Person | Staff | Operator | Department => Expect::Allowed,
                _ => Expect::Hidden,
            },
        },
        Row {
            field: "nodes",
            what: "the same record among nodes",
            doc: "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            vars: |f| json!({ "ids": [f.chen_record] }),
            expect: |r| match r {
                Person | Staff | Operator | Department => Expect::Allowed,
                _ => Expect::Hidden,
            },
        },
        Row {
            field: "searchSubjects",
            what: "public search",
            doc: "{ searchSubjects(query: \"闽江\", first: 5) { edges { node { name } } } }",
            vars: |_| json!({}),
            expect: everyone,
        },
        Row {
            field: "subjectByIdentifier",
            what: "public page by USCC",
            doc: "query($u: String!) { subjectByIdentifier(identifier: $u) { name } }",
            vars: |f| json!({ "u": f.enterprise_uscc }),
            expect: everyone,
        },
        Row {
            field: "publicList",
            what: "a black list",
            doc: "{ publicList(category: \"court_defaulter\", first: 5) { edges { node { id } } } }",
            vars: |_| json!({}),
            expect: everyone,
        },
        Row {
            field: "recordCategories",
            what: "the catalogue",
            doc: "{ recordCategories { code } }",
            vars: |_| json!({}),
            expect: everyone,
        },
        Row {
            field: "purposes",
            what: "the purpose catalogue",
            doc: "{ purposes { code } }",
            vars: |_| json!({}),
            expect: everyone,
        },
        Row {
            field: "holidayCalendar",
            what: "the holiday calendar (public law facts)",
            doc: "{ holidayCalendar { years { year holidays { from to } } } }",
            vars: |_| json!({}),
            expect: everyone,
        },
        Row {
            field: "ruleSet",
            what: "the rules in force (public law facts)",
            doc: "{ ruleSet { rules { id periodEn source } } }",
            vars: |_| json!({}),
            expect: everyone,
        },
        Row {
            field: "lateSubmissions",
            what: "late 双公示 submissions",
            doc: "{ lateSubmissions(first: 5) { edges { node { id } } } }",
            vars: |_| json!({}),
            expect: operator_only,
        },
        Row {
            field: "departmentRecords",
            what: "the department's own records",
            doc: "{ departmentRecords(first: 5) { edges { node { id sourceRef } } } }",
            vars: |_| json!({}),
            expect: writers,
        },
        Row {
            field: "agencySubject",
            what: "a consented read",
            doc: "query($u: String!) { agencySubject(identifier: $u, purpose: \"loan_application\") { subject { name } } }",
            vars: |f| json!({ "u": f.enterprise_uscc }),
            expect: agency_only,
        },
        Row {
            field: "queryLog",
            what: "the enterprise's query log",
            doc: "query($s: ID!) { queryLog(subject: $s, first: 5) { edges { node { purposeCode } } } }",
            vars: |f| json!({ "s": f.enterprise }),
            expect: |r| match r {
                Owner => Expect::Allowed,
                Anonymous => Expect::Unauthenticated,
                Person => Expect::Refused,
                // Operators audit the log with `xinyong audit`, not as the subject.
                _ => Expect::Forbidden,
            },
        },
        Row {
            field: "queryLog",
            what: "陈美华's query log",
            doc: "query($s: ID!) { queryLog(subject: $s, first: 5) { edges { node { purposeCode } } } }",
            vars: |f| json!({ "s": f.chen }),
            expect: |r| match r {
                Person => Expect::Allowed,
                Anonymous => Expect::Unauthenticated,
                Owner => Expect::Refused,
                _ => Expect::Forbidden,
            },
        },
        Row {
            field: "consents",
            what: "the enterprise's consents",
            doc: "query($s: ID!) { consents(subject: $s, first: 5) { edges { node { id } } } }",
            vars: |f| json!({ "s": f.enterprise }),
            expect: enterprise_owner,
        },
        Row {
            field: "agencyConsents",
            what: "an agency's consents",
            doc: "{ agencyConsents(first: 5) { edges { node { id } } } }",
            vars: |_| json!({}),
            expect: agency_only,
        },
        Row {
            field: "agencies",
            what: "the agency register",
            doc: "{ agencies(first: 5) { edges { node { name } } } }",
            vars: |_| json!({}),
            expect: operator_only,
        },
        Row {
            field: "recordChanges",
            what: "the change feed",
            doc: "{ recordChanges(first: 5) { edges { cursor } } }",
            vars: |_| json!({}),
            expect: agency_only,
        },
        Row {
            field: "webhookSubscriptions",
            what: "webhook subscriptions",
            doc: "{ webhookSubscriptions { id } }",
            vars: |_| json!({}),
            expect: agency_only,
        },
        // ---- cases: objections, repair, complaints ----
        Row {
            field: "myCases",
            what: "the cases of one's subjects",
            doc: "{ myCases { objections { id } repairApplications { id } complaints { id } } }",
            vars: |_| json!({}),
            expect: subject_users,
        },
        Row {
            field: "objection",
            what: "the enterprise's objection referred to FZ-SCJG",
            doc: "query($id: ID!) { objection(id: $id) { id status } }",
            vars: |f| json!({ "id": f.objection }),
            expect: case_at_staff_department,
        },
        Row {
            field: "node",
            what: "the same objection by node id",
            doc: "query($id: ID!) { node(id: $id) { ... on Objection { id status } } }",
            vars: |f| json!({ "id": f.objection }),
            expect: case_at_staff_department,
        },
        Row {
            field: "node",
            what: "its evidence file by node id",
            doc: "query($id: ID!) { node(id: $id) { ... on CaseAttachment { id sha256 } } }",
            vars: |f| json!({ "id": f.objection_evidence }),
            expect: case_at_staff_department,
        },
        Row {
            field: "objection",
            what: "an objection referred to another department",
            doc: "query($id: ID!) { objection(id: $id) { id status } }",
            vars: |f| json!({ "id": f.other_dept_objection }),
            expect: case_elsewhere,
        },
        Row {
            field: "node",
            what: "the same by node id",
            doc: "query($id: ID!) { node(id: $id) { ... on Objection { id } } }",
            vars: |f| json!({ "id": f.other_dept_objection }),
            expect: case_elsewhere,
        },
        Row {
            field: "objection",
            what: "陈美华's objection",
            doc: "query($id: ID!) { objection(id: $id) { id status } }",
            vars: |f| json!({ "id": f.chen_objection }),
            expect: chen_case,
        },
        Row {
            field: "nodes",
            what: "陈美华's objection among nodes",
            doc: "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            vars: |f| json!({ "ids": [f.chen_objection] }),
            expect: chen_case,
        },
        Row {
            field: "repairApplication",
            what: "the enterprise's application at FZ-SCJG",
            doc: "query($id: ID!) { repairApplication(id: $id) { id status } }",
            vars: |f| json!({ "id": f.repair }),
            expect: case_at_staff_department,
        },
        Row {
            field: "node",
            what: "the same application by node id",
            doc: "query($id: ID!) { node(id: $id) { ... on RepairApplication { id status } } }",
            vars: |f| json!({ "id": f.repair }),
            expect: case_at_staff_department,
        },
        Row {
            field: "repairApplication",
            what: "an application decided by another department",
            doc: "query($id: ID!) { repairApplication(id: $id) { id status } }",
            vars: |f| json!({ "id": f.other_dept_repair }),
            expect: case_elsewhere,
        },
        Row {
            field: "complaint",
            what: "the enterprise's complaint (operators handle it)",
            doc: "query($id: ID!) { complaint(id: $id) { id status } }",
            vars: |f| json!({ "id": f.complaint }),
            expect: case_elsewhere,
        },
        Row {
            field: "node",
            what: "the same complaint by node id",
            doc: "query($id: ID!) { node(id: $id) { ... on Complaint { id status } } }",
            vars: |f| json!({ "id": f.complaint }),
            expect: case_elsewhere,
        },
        Row {
            field: "caseQueue",
            what: "the handler's queue",
            doc: "{ caseQueue(first: 10) { caseKind deadline { dueOn } } }",
            vars: |_| json!({}),
            expect: |r| only(&[Staff, Operator])(r),
        },
        Row {
            field: "repairCommitmentLetter",
            what: "the letter for the enterprise's penalty",
            doc: "query($r: ID!) { repairCommitmentLetter(record: $r) { sha256 } }",
            vars: |f| json!({ "r": f.penalty_record }),
            expect: enterprise_case_applicant,
        },
        Row {
            field: "fileObjection",
            what: "object to the enterprise's honour",
            doc: "mutation($i: FileObjectionInput!) { fileObjection(input: $i) { objection { id } userErrors { code } } }",
            vars: |f| json!({ "i": { "record": f.honour_record, "reason": "OTHER_UNLAWFUL", "statement": "矩阵测试" } }),
            expect: enterprise_case_applicant,
        },
        Row {
            field: "addCaseEvidence",
            what: "add a file to the enterprise's objection",
            doc: "mutation($i: AddCaseEvidenceInput!) { addCaseEvidence(input: $i) { attachment { id } userErrors { code } } }",
            vars: |f| json!({ "i": { "case": f.objection, "file": UPLOAD } }),
            expect: enterprise_case_applicant,
        },
        Row {
            field: "checkObjection",
            what: "refer 陈美华's objection",
            doc: "mutation($i: CheckObjectionInput!) { checkObjection(input: $i) { objection { status } userErrors { code } } }",
            vars: |f| json!({ "i": { "objection": f.chen_objection, "decision": "REFER" } }),
            expect: operator_only,
        },
        Row {
            field: "decideObjection",
            what: "uphold another department's objection",
            doc: "mutation($i: DecideObjectionInput!) { decideObjection(input: $i) { objection { status } userErrors { code } } }",
            vars: |f| json!({ "i": { "objection": f.other_dept_objection, "answer": "UPHOLD", "reason": "矩阵测试" } }),
            expect: |r| match r {
                Staff => Expect::Hidden,
                other => staff_only(other),
            },
        },
        Row {
            field: "decideObjection",
            what: "uphold the objection referred to FZ-SCJG",
            doc: "mutation($i: DecideObjectionInput!) { decideObjection(input: $i) { objection { status } userErrors { code } } }",
            vars: |f| json!({ "i": { "objection": f.objection, "answer": "UPHOLD", "reason": "矩阵测试" } }),
            expect: staff_only,
        },
        Row {
            field: "withdrawObjection",
            what: "withdraw the enterprise's objection",
            doc: "mutation($i: WithdrawCaseInput!) { withdrawObjection(input: $i) { objection { status } userErrors { code } } }",
            vars: |f| json!({ "i": { "id": f.objection } }),
            expect: enterprise_case_applicant,
        },
        Row {
            field: "withdrawObjection",
            what: "withdraw 陈美华's objection",
            doc: "mutation($i: WithdrawCaseInput!) { withdrawObjection(input: $i) { objection { status } userErrors { code } } }",
            vars: |f| json!({ "i": { "id": f.chen_objection } }),
            expect: |r| match r {
                Person => Expect::Allowed,
                Owner => Expect::Hidden,
                other => subject_users(other),
            },
        },
        Row {
            field: "applyForRepair",
            what: "apply for the enterprise's penalty (a stale commitment)",
            doc: "mutation($i: ApplyForRepairInput!) { applyForRepair(input: $i) { application { id } userErrors { code } } }",
            vars: |f| json!({ "i": { "record": f.penalty_record, "commitmentSha256": "0".repeat(64), "acceptedBy": "林晓峰", "proofs": [UPLOAD] } }),
            expect: enterprise_case_applicant,
        },
        Row {
            field: "decideRepairApplication",
            what: "reject another department's application",
            doc: "mutation($i: DecideRepairInput!) { decideRepairApplication(input: $i) { application { status } userErrors { code } } }",
            vars: |f| json!({ "i": { "application": f.other_dept_repair, "approve": false, "reason": "矩阵测试", "howToReapply": "补充材料" } }),
            expect: |r| match r {
                Staff => Expect::Hidden,
                other => staff_only(other),
            },
        },
        Row {
            field: "decideRepairApplication",
            what: "reject the application at FZ-SCJG",
            doc: "mutation($i: DecideRepairInput!) { decideRepairApplication(input: $i) { application { status } userErrors { code } } }",
            vars: |f| json!({ "i": { "application": f.repair, "approve": false, "reason": "矩阵测试", "howToReapply": "补充材料" } }),
            expect: staff_only,
        },
        Row {
            field: "withdrawRepairApplication",
            what: "withdraw the enterprise's application",
            doc: "mutation($i: WithdrawCaseInput!) { withdrawRepairApplication(input: $i) { application { status } userErrors { code } } }",
            vars: |f| json!({ "i": { "id": f.other_dept_repair } }),
            expect: enterprise_case_applicant,
        },
        Row {
            field: "fileComplaint",
            what: "complain about the upheld objection",
            doc: "mutation($i: FileComplaintInput!) { fileComplaint(input: $i) { complaint { id } userErrors { code } } }",
            vars: |f| json!({ "i": { "case": f.upheld_objection, "statement": "矩阵测试" } }),
            expect: enterprise_case_applicant,
        },
        Row {
            field: "decideComplaint",
            what: "answer the complaint",
            doc: "mutation($i: DecideComplaintInput!) { decideComplaint(input: $i) { complaint { status } userErrors { code } } }",
            vars: |f| json!({ "i": { "complaint": f.complaint, "founded": false, "reason": "矩阵测试" } }),
            expect: operator_only,
        },
        // ---- accounts, bindings, inbox, mail ----
        Row {
            field: "mySettings",
            what: "one's settings",
            doc: "{ mySettings { language } }",
            vars: |_| json!({}),
            expect: people,
        },
        Row {
            field: "updateAccountSettings",
            what: "change one's settings",
            doc: "mutation { updateAccountSettings(input: {emailCaseNotices: true}) { settings { emailCaseNotices } userErrors { code } } }",
            vars: |_| json!({}),
            expect: people,
        },
        Row {
            field: "requestEmailVerification",
            what: "a new verification link",
            doc: "mutation { requestEmailVerification { sentTo userErrors { code } } }",
            vars: |_| json!({}),
            expect: people,
        },
        Row {
            field: "verifyEmail",
            what: "verify with a forged token",
            doc: "mutation { verifyEmail(input: {token: \"forged\"}) { userErrors { code } } }",
            vars: |_| json!({}),
            expect: everyone,
        },
        Row {
            field: "requestPasswordReset",
            what: "ask for a reset link",
            doc: "mutation { requestPasswordReset(input: {email: \"nobody@example.com\"}) { accepted userErrors { code } } }",
            vars: |_| json!({}),
            expect: everyone,
        },
        Row {
            field: "resetPassword",
            what: "reset with a forged token",
            doc: "mutation { resetPassword(input: {token: \"forged\", newPassword: \"a long enough password 3\"}) { userErrors { code } } }",
            vars: |_| json!({}),
            expect: everyone,
        },
        Row {
            field: "myNotices",
            what: "one's inbox",
            doc: "{ myNotices(first: 5) { edges { node { id } } } }",
            vars: |_| json!({}),
            expect: people,
        },
        Row {
            field: "myUnreadNoticeCount",
            what: "one's unread count",
            doc: "{ myUnreadNoticeCount }",
            vars: |_| json!({}),
            expect: people,
        },
        Row {
            field: "markNoticeRead",
            what: "the enterprise owner's notice",
            doc: "mutation($n: ID!) { markNoticeRead(input: {id: $n}) { notice { readAt } userErrors { code } } }",
            vars: |f| json!({ "n": f.owner_notice }),
            expect: |r| match r {
                Owner => Expect::Allowed,
                Person | Staff | Operator => Expect::Hidden,
                other => people(other),
            },
        },
        Row {
            field: "node",
            what: "the same notice by node id",
            doc: "query($id: ID!) { node(id: $id) { ... on Notice { id } } }",
            vars: |f| json!({ "id": f.owner_notice }),
            expect: |r| match r {
                Owner => Expect::Allowed,
                _ => Expect::Hidden,
            },
        },
        Row {
            field: "markAllNoticesRead",
            what: "clear one's inbox",
            doc: "mutation { markAllNoticesRead { marked } }",
            vars: |_| json!({}),
            expect: people,
        },
        Row {
            field: "failedEmails",
            what: "failed mail",
            doc: "{ failedEmails(first: 5) { edges { node { id } } } }",
            vars: |_| json!({}),
            expect: operator_only,
        },
        Row {
            field: "retryEmail",
            what: "retry an email",
            doc: "mutation($e: ID!) { retryEmail(input: {id: $e}) { email { status } userErrors { code } } }",
            vars: |f| json!({ "e": f.email }),
            expect: operator_only,
        },
        Row {
            field: "node",
            what: "the same email by node id",
            doc: "query($id: ID!) { node(id: $id) { ... on Email { id } } }",
            vars: |f| json!({ "id": f.email }),
            expect: |r| match r {
                Operator => Expect::Allowed,
                _ => Expect::Hidden,
            },
        },
        Row {
            field: "myBindings",
            what: "one's bindings",
            doc: "{ myBindings { id } }",
            vars: |_| json!({}),
            expect: people,
        },
        Row {
            field: "subjectAccounts",
            what: "the enterprise's accounts",
            doc: "query($s: ID!) { subjectAccounts(subjectId: $s) { id } }",
            vars: |f| json!({ "s": f.enterprise }),
            expect: |r| match r {
                Owner => Expect::Allowed,
                Anonymous => Expect::Unauthenticated,
                Person => Expect::Refused,
                _ => Expect::Forbidden,
            },
        },
        Row {
            field: "startSubjectBinding",
            what: "ask for a code for the enterprise",
            doc: "mutation($u: String!) { startSubjectBinding(input: {identifier: $u}) { challenge { id } userErrors { code } } }",
            vars: |f| json!({ "u": f.enterprise_uscc }),
            expect: subject_users,
        },
        Row {
            field: "confirmSubjectBinding",
            what: "a wrong code for 陈美华's challenge",
            doc: "mutation($c: ID!) { confirmSubjectBinding(input: {challengeId: $c, code: \"000000\"}) { binding { id } userErrors { code } } }",
            vars: |f| json!({ "c": f.chen_challenge }),
            expect: |r| match r {
                Person => Expect::Allowed,
                Owner => Expect::Hidden,
                other => subject_users(other),
            },
        },
        Row {
            field: "requestDocumentBinding",
            what: "bind to another enterprise on documents",
            doc: "mutation($u: String!) { requestDocumentBinding(input: {identifier: $u, evidence: \"营业执照副本，窗口递交核验\"}) { request { id } userErrors { code } } }",
            vars: |_| json!({ "u": demo::COURT_DEFAULTER_USCC }),
            expect: subject_users,
        },
        Row {
            field: "bindingRequests",
            what: "the checkers' queue (an applicant's own requests)",
            doc: "{ bindingRequests(first: 5) { edges { node { id } } } }",
            vars: |_| json!({}),
            expect: people,
        },
        Row {
            field: "node",
            what: "陈美华's binding request by node id",
            doc: "query($id: ID!) { node(id: $id) { ... on BindingRequest { id } } }",
            vars: |f| json!({ "id": f.binding_request }),
            expect: |r| match r {
                Person | Staff | Operator => Expect::Allowed,
                _ => Expect::Hidden,
            },
        },
        Row {
            field: "decideBindingRequest",
            what: "reject 陈美华's request",
            doc: "mutation($b: ID!) { decideBindingRequest(input: {id: $b, approve: false, note: \"材料不全\"}) { request { status } userErrors { code } } }",
            vars: |f| json!({ "b": f.binding_request }),
            expect: |r| only(&[Staff, Operator])(r),
        },
        Row {
            field: "withdrawBindingRequest",
            what: "withdraw 陈美华's request",
            doc: "mutation($b: ID!) { withdrawBindingRequest(input: {id: $b}) { request { status } userErrors { code } } }",
            vars: |f| json!({ "b": f.binding_request }),
            expect: |r| match r {
                Person => Expect::Allowed,
                Owner => Expect::Hidden,
                other => subject_users(other),
            },
        },
        Row {
            field: "addSubjectAccount",
            what: "add an agent to the enterprise",
            doc: "mutation($s: ID!) { addSubjectAccount(input: {subjectId: $s, email: \"agent.matrix@example.com\"}) { binding { id } userErrors { code } } }",
            vars: |f| json!({ "s": f.enterprise }),
            expect: |r| match r {
                Owner => Expect::Allowed,
                Anonymous => Expect::Unauthenticated,
                Person => Expect::Refused,
                _ => Expect::Forbidden,
            },
        },
        Row {
            field: "node",
            what: "the agent's binding by node id",
            doc: "query($id: ID!) { node(id: $id) { ... on SubjectBinding { id } } }",
            vars: |f| json!({ "id": f.agent_binding }),
            expect: |r| match r {
                Owner => Expect::Allowed,
                _ => Expect::Hidden,
            },
        },
        Row {
            field: "revokeSubjectBinding",
            what: "end the agent's binding",
            doc: "mutation($b: ID!) { revokeSubjectBinding(input: {id: $b}) { binding { active } userErrors { code } } }",
            vars: |f| json!({ "b": f.agent_binding }),
            expect: |r| match r {
                Owner => Expect::Allowed,
                Person => Expect::Hidden,
                other => subject_users(other),
            },
        },
        // ---- mutations that anyone may call ----
        Row {
            field: "login",
            what: "sign-in with a wrong password",
            doc: "mutation { login(input: {email: \"nobody@example.com\", password: \"wrong-password-1\"}) { accessToken } }",
            vars: |_| json!({}),
            expect: |_| Expect::Unauthenticated,
        },
        Row {
            field: "refreshToken",
            what: "refresh with a forged token",
            doc: "mutation { refreshToken(input: {refreshToken: \"forged\"}) { accessToken } }",
            vars: |_| json!({}),
            expect: |_| Expect::Unauthenticated,
        },
        Row {
            field: "signUp",
            what: "sign-up",
            doc: "mutation { signUp(input: {email: \"matrix@example.com\", displayName: \"M\", password: \"a long enough password 1\"}) { userErrors { code } } }",
            vars: |_| json!({}),
            expect: everyone,
        },
        // ---- records ----
        Row {
            field: "submitRecords",
            what: "a department submits",
            doc: "mutation($i: SubmitRecordsInput!) { submitRecords(input: $i) { userErrors { code } } }",
            vars: |_| json!({ "i": { "records": [] } }),
            expect: writers,
        },
        Row {
            field: "withdrawRecord",
            what: "a department withdraws its own record",
            doc: "mutation($i: WithdrawRecordInput!) { withdrawRecord(input: $i) { userErrors { code } } }",
            vars: |f| json!({ "i": { "sourceRef": f.own_dept_source_ref, "reason": "决定已撤销" } }),
            expect: writers,
        },
        Row {
            field: "withdrawRecord",
            what: "another department's record",
            doc: "mutation($i: WithdrawRecordInput!) { withdrawRecord(input: $i) { userErrors { code } } }",
            vars: |f| json!({ "i": { "sourceRef": f.other_dept_source_ref, "reason": "决定已撤销" } }),
            expect: |r| match r {
                Staff | Department => Expect::Hidden,
                other => writers(other),
            },
        },
        // ---- agencies and clients ----
        Row {
            field: "registerAgency",
            what: "register an agency",
            doc: "mutation($u: String!) { registerAgency(input: {name: \"矩阵测试征信\", uscc: $u, licenceNumber: \"X-1\", contactEmail: \"a@example.com\"}) { userErrors { code } } }",
            vars: |_| json!({ "u": uscc("91350100MA2YQ5XA4") }),
            expect: operator_only,
        },
        Row {
            field: "setAgencyStatus",
            what: "suspend an agency",
            doc: "mutation($a: ID!) { setAgencyStatus(input: {agencyId: $a, status: SUSPENDED, reason: \"matrix\"}) { userErrors { code } } }",
            vars: |f| json!({ "a": f.other_agency }),
            expect: operator_only,
        },
        Row {
            field: "issueApiClient",
            what: "issue a client",
            doc: "mutation($a: ID!) { issueApiClient(input: {agencyId: $a, name: \"m\", scopes: [SUBJECTS_READ]}) { userErrors { code } } }",
            vars: |f| json!({ "a": f.agency }),
            expect: operator_only,
        },
        Row {
            field: "rotateApiClientSecret",
            what: "rotate a client secret",
            doc: "mutation($c: ID!) { rotateApiClientSecret(input: {id: $c}) { userErrors { code } } }",
            vars: |f| json!({ "c": f.spare_client }),
            expect: operator_only,
        },
        Row {
            field: "revokeApiClient",
            what: "revoke a client",
            doc: "mutation($c: ID!) { revokeApiClient(input: {id: $c}) { userErrors { code } } }",
            vars: |f| json!({ "c": f.spare_client }),
            expect: operator_only,
        },
        // ---- consents ----
        Row {
            field: "grantConsent",
            what: "grant for the enterprise",
            doc: "mutation($s: ID!, $a: String!) { grantConsent(input: {subjectId: $s, agencyUscc: $a, purposeCodes: [\"guarantee\"], scope: {infoClasses: [WARNING]}, mode: ONE_TIME}) { userErrors { code } } }",
            vars: |f| json!({ "s": f.enterprise, "a": f.agency_uscc }),
            expect: |r| match r {
                Owner => Expect::Allowed,
                Anonymous => Expect::Unauthenticated,
                Person => Expect::Refused,
                _ => Expect::Forbidden,
            },
        },
        Row {
            field: "requestConsent",
            what: "an agency asks",
            doc: "mutation($u: String!) { requestConsent(input: {subjectIdentifier: $u, purposeCodes: [\"lease\"], scope: {infoClasses: [WARNING]}, mode: ONE_TIME}) { userErrors { code } } }",
            vars: |f| json!({ "u": f.enterprise_uscc }),
            expect: agency_only,
        },
        Row {
            field: "approveConsent",
            what: "approve the enterprise's pending request",
            doc: "mutation($c: ID!) { approveConsent(input: {id: $c}) { userErrors { code } } }",
            vars: |f| json!({ "c": f.pending_consent }),
            expect: consent_owner,
        },
        Row {
            field: "denyConsent",
            what: "deny the same request",
            doc: "mutation($c: ID!) { denyConsent(input: {id: $c}) { userErrors { code } } }",
            vars: |f| json!({ "c": f.pending_consent }),
            expect: consent_owner,
        },
        Row {
            field: "renewConsent",
            what: "renew the enterprise's consent",
            doc: "mutation($c: ID!) { renewConsent(input: {id: $c}) { userErrors { code } } }",
            vars: |f| json!({ "c": f.active_consent }),
            expect: consent_owner,
        },
        Row {
            field: "revokeConsent",
            what: "revoke 陈美华's consent",
            doc: "mutation($c: ID!) { revokeConsent(input: {id: $c}) { userErrors { code } } }",
            vars: |f| json!({ "c": f.chen_consent }),
            expect: |r| match r {
                Person => Expect::Allowed,
                Anonymous => Expect::Unauthenticated,
                Owner | Staff | Operator => Expect::Hidden,
                Agency | Department => Expect::Forbidden,
            },
        },
        Row {
            field: "revokeConsent",
            what: "revoke the enterprise's consent",
            doc: "mutation($c: ID!) { revokeConsent(input: {id: $c}) { userErrors { code } } }",
            vars: |f| json!({ "c": f.active_consent }),
            expect: consent_owner,
        },
        // ---- webhooks ----
        Row {
            field: "createWebhookSubscription",
            what: "subscribe",
            doc: "mutation { createWebhookSubscription(input: {url: \"http://127.0.0.1:9/matrix\", events: [WITHDRAWN]}) { userErrors { code } } }",
            vars: |_| json!({}),
            expect: agency_only,
        },
        Row {
            field: "updateWebhookSubscription",
            what: "update a subscription",
            doc: "mutation($w: ID!) { updateWebhookSubscription(input: {id: $w, enabled: false}) { userErrors { code } } }",
            vars: |f| json!({ "w": f.webhook }),
            expect: agency_only,
        },
        Row {
            field: "rotateWebhookSecret",
            what: "rotate a subscription's secret",
            doc: "mutation($w: ID!) { rotateWebhookSecret(input: {id: $w}) { userErrors { code } } }",
            vars: |f| json!({ "w": f.webhook }),
            expect: agency_only,
        },
        Row {
            field: "pingWebhookSubscription",
            what: "ping a subscription",
            doc: "mutation($w: ID!) { pingWebhookSubscription(input: {id: $w}) { userErrors { code } } }",
            vars: |f| json!({ "w": f.webhook }),
            expect: agency_only,
        },
        Row {
            field: "deleteWebhookSubscription",
            what: "delete a subscription",
            doc: "mutation($w: ID!) { deleteWebhookSubscription(input: {id: $w}) { userErrors { code } } }",
            vars: |f| json!({ "w": f.webhook }),
            expect: agency_only,
        },
        // Last: it ends the caller's session.
        Row {
            field: "logout",
            what: "sign out",
            doc: "mutation { logout(input: {}) { userErrors { code } } }",
            vars: |_| json!({}),
            expect: |r| match r {
                Owner | Person | Staff | Operator => Expect::Allowed,
                Anonymous => Expect::Unauthenticated,
                // Clients have no session to end.
                Agency | Department => Expect::Unauthenticated,
            },
        },
    ]
}

/// A valid USCC from its first 17 characters.
fn uscc(body: &str) -> String {
    Uscc::from_body(body)
        .expect("a valid USCC body")
        .as_str()
        .to_string()
}

/// Steps on a consent: only the subject's own users; any other person is
/// told it does not exist, clients are refused outright.
fn consent_owner(r: Role) -> Expect {
    match r {
        Owner => Expect::Allowed,
        Anonymous => Expect::Unauthenticated,
        Person | Staff | Operator => Expect::Hidden,
        Agency | Department => Expect::Forbidden,
    }
}

fn outcome(field: &str, r: &Gql) -> Outcome {
    if let Some(code) = r.error_code() {
        // A query's argument naming an object that is not the caller's is
        // bad input with a `*_NOT_FOUND` reason: the same as an unknown id.
        let reason = r.body["errors"][0]["extensions"]["reason"]
            .as_str()
            .unwrap_or_default();
        return match code {
            "UNAUTHENTICATED" => Outcome::Unauthenticated,
            "FORBIDDEN" => Outcome::Forbidden,
            "BAD_USER_INPUT" if reason.ends_with("NOT_FOUND") => Outcome::NotFound,
            other => Outcome::Error(other.to_string()),
        };
    }
    let data = &r.data()[field];
    let not_found = data["userErrors"].as_array().is_some_and(|errs| {
        errs.iter()
            .any(|e| e["code"].as_str().is_some_and(|c| c.ends_with("NOT_FOUND")))
    });
    // `nodes` answers absent objects with nulls; an empty list is data.
    let empty_list = data
        .as_array()
        .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_null));
    if data.is_null() || not_found || empty_list {
        Outcome::NotFound
    } else {
        Outcome::Done
    }
}

async fn token(app: &TestApp, role: Role, f: &Fixture) -> Option<String> {
    Some(match role {
        Anonymous => return None,
        Owner => d::owner(app).await,
        Person => d::person(app).await,
        Staff => d::staff(app).await,
        Operator => d::operator(app).await,
        Agency => d::client(app, &f.full_agency_client.0, &f.full_agency_client.1).await,
        Department => d::department_client(app).await,
    })
}

/// The demo agency's client with every agency scope (the demo one lacks
/// `webhooks:manage`): (client id, secret).
async fn full_agency_client(app: &TestApp, op: &str, agency: &str) -> (String, String) {
    let r = app
        .graphql(
            "mutation($a: ID!) { issueApiClient(input: {agencyId: $a, name: \"matrix\", scopes: [SUBJECTS_READ, RECORDS_READ, CONSENTS_REQUEST, CHANGES_READ, WEBHOOKS_MANAGE]}) { client { clientId } clientSecret userErrors { code } } }",
            json!({ "a": agency }),
            Some(op),
        )
        .await;
    let p = &d::ok(&r)["issueApiClient"];
    assert!(d::codes(p).is_empty(), "{p}");
    (
        p["client"]["clientId"]
            .as_str()
            .expect("client id")
            .to_string(),
        p["clientSecret"].as_str().expect("secret").to_string(),
    )
}

async fn fixture(app: &TestApp) -> Fixture {
    let op = d::operator(app).await;
    let enterprise = d::enterprise(app).await;
    let chen = d::chen(app).await;
    let agency = d::demo_agency(app).await;
    let agency_gid = global_id(NodeType::Agency, agency.id).0;
    let market = d::market_department(app).await;
    let own = d::first_record(app, None, DepartmentFilter::Is(market.id)).await;
    let other = d::first_record(app, None, DepartmentFilter::IsNot(market.id)).await;
    let chen_record = d::first_record(app, Some(chen.id), DepartmentFilter::Any).await;

    let full = full_agency_client(app, &op, &agency_gid).await;
    let agency_token = d::client(app, &full.0, &full.1).await;

    let r = app
        .graphql(
            "mutation($u: String!) { registerAgency(input: {name: \"备用征信\", uscc: $u, licenceNumber: \"X-2\", contactEmail: \"b@example.com\"}) { agency { id } userErrors { code message } } }",
            json!({ "u": uscc("91350100MA2YQ5XB2") }),
            Some(&op),
        )
        .await;
    let other_agency = d::ok(&r)["registerAgency"]["agency"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("second agency: {}", r.body))
        .to_string();

    let r = app
        .graphql(
            "mutation($a: ID!) { issueApiClient(input: {agencyId: $a, name: \"spare\", scopes: [SUBJECTS_READ]}) { client { id } userErrors { code } } }",
            json!({ "a": agency_gid }),
            Some(&op),
        )
        .await;
    let spare_client = d::ok(&r)["issueApiClient"]["client"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("spare client: {}", r.body))
        .to_string();

    let r = app
        .graphql(
            "mutation($u: String!) { requestConsent(input: {subjectIdentifier: $u, purposeCodes: [\"loan_application\"], scope: {infoClasses: [WARNING]}, mode: ONE_TIME}) { consents { id } userErrors { code } } }",
            json!({ "u": demo::ENTERPRISE_USCC }),
            Some(&agency_token),
        )
        .await;
    let pending_consent = d::ok(&r)["requestConsent"]["consents"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("pending consent: {}", r.body))
        .to_string();

    let grant = "mutation($s: ID!, $a: String!) { grantConsent(input: {subjectId: $s, agencyUscc: $a, purposeCodes: [\"credit_line_review\"], scope: {infoClasses: [WARNING]}, mode: PERIODIC, monthlyCap: 5}) { consents { id } userErrors { code } } }";
    let owner = d::owner(app).await;
    let r = app
        .graphql(
            grant,
            json!({ "s": d::subject_gid(&enterprise), "a": agency.uscc }),
            Some(&owner),
        )
        .await;
    let active_consent = d::ok(&r)["grantConsent"]["consents"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("active consent: {}", r.body))
        .to_string();
    let person = d::person(app).await;
    let r = app
        .graphql(
            grant,
            json!({ "s": d::subject_gid(&chen), "a": agency.uscc }),
            Some(&person),
        )
        .await;
    let chen_consent = d::ok(&r)["grantConsent"]["consents"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("陈美华's consent: {}", r.body))
        .to_string();

    let r = app
        .graphql(
            "mutation { createWebhookSubscription(input: {url: \"http://127.0.0.1:9/fixture\", events: [WITHDRAWN]}) { subscription { id } userErrors { code message } } }",
            json!({}),
            Some(&agency_token),
        )
        .await;
    let webhook = d::ok(&r)["createWebhookSubscription"]["subscription"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("webhook: {}", r.body))
        .to_string();

    let cases = case_fixture(app, &op, &owner, &person).await;
    let accounts = account_fixture(app, &owner, &person).await;

    Fixture {
        penalty_record: cases.penalty_record,
        honour_record: cases.honour_record,
        objection: cases.objection,
        objection_evidence: cases.objection_evidence,
        other_dept_objection: cases.other_dept_objection,
        chen_objection: cases.chen_objection,
        upheld_objection: cases.upheld_objection,
        complaint: cases.complaint,
        repair: cases.repair,
        other_dept_repair: cases.other_dept_repair,
        owner_notice: accounts.owner_notice,
        email: accounts.email,
        binding_request: accounts.binding_request,
        chen_challenge: accounts.chen_challenge,
        agent_binding: accounts.agent_binding,
        enterprise: d::subject_gid(&enterprise),
        enterprise_uscc: demo::ENTERPRISE_USCC.to_string(),
        chen: d::subject_gid(&chen),
        chen_record: global_id(NodeType::CreditRecord, chen_record.id).0,
        own_dept_source_ref: own.source_ref,
        other_dept_record_id: other.id,
        other_dept_source_ref: other.source_ref,
        agency: agency_gid,
        other_agency,
        spare_client,
        pending_consent,
        active_consent,
        chen_consent,
        webhook,
        agency_uscc: agency.uscc,
        full_agency_client: full,
    }
}

/// Stands for a small PDF in a row's variables: the row then goes as a
/// GraphQL multipart request with the file in that place.
const UPLOAD: &str = "\u{1}upload.pdf";

/// Replaces every [`UPLOAD`] in `v` with null and collects its path
/// (`variables.i.file`).
fn take_uploads(v: &mut Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::String(s) if s == UPLOAD => {
            *v = Value::Null;
            out.push(path.to_string());
        }
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                take_uploads(x, &format!("{path}.{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter_mut().enumerate() {
                take_uploads(x, &format!("{path}.{i}"), out);
            }
        }
        _ => {}
    }
}

/// Sends a row: as JSON, or as a multipart request
/// (github.com/jaydenseric/graphql-multipart-request-spec) when its
/// variables carry [`UPLOAD`]s.
async fn send(app: &TestApp, doc: &str, mut vars: Value, token: Option<&str>) -> Gql {
    let mut files = Vec::new();
    take_uploads(&mut vars, "variables", &mut files);
    if files.is_empty() {
        return app.graphql(doc, vars, token).await;
    }
    let boundary = "xinyong-authz-boundary-5c2e";
    let map: serde_json::Map<String, Value> = files
        .iter()
        .enumerate()
        .map(|(i, p)| (i.to_string(), json!([p])))
        .collect();
    let mut body = Vec::new();
    let mut part = |name: &str, filename: Option<&str>, bytes: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let disposition = match filename {
            Some(f) => format!("form-data; name=\"{name}\"; filename=\"{f}\""),
            None => format!("form-data; name=\"{name}\""),
        };
        body.extend_from_slice(format!("Content-Disposition: {disposition}\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    };
    let ops = json!({ "query": doc, "variables": vars }).to_string();
    part("operations", None, ops.as_bytes());
    part("map", None, Value::Object(map).to_string().as_bytes());
    for i in 0..files.len() {
        part(&i.to_string(), Some("proof.pdf"), b"%PDF-1.7\n1 0 obj\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut req = app
        .http
        .post(format!("{}/graphql", app.base_url))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("request reaches the server");
    let status = resp.status().as_u16();
    let body = resp.json().await.expect("a JSON body");
    Gql { status, body }
}

/// The id a mutation returned at `pointer`, or a panic with the answer.
fn id_at(r: &Gql, pointer: &str) -> String {
    r.body
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no id at {pointer}: {}", r.body))
        .to_string()
}

struct Cases {
    penalty_record: String,
    honour_record: String,
    objection: String,
    objection_evidence: String,
    other_dept_objection: String,
    chen_objection: String,
    upheld_objection: String,
    complaint: String,
    repair: String,
    other_dept_repair: String,
}

const FILE_OBJECTION: &str = "mutation($i: FileObjectionInput!) { fileObjection(input: $i) { objection { id } userErrors { code message } } }";
const REFER: &str = "mutation($i: CheckObjectionInput!) { checkObjection(input: $i) { objection { status } userErrors { code message } } }";
const APPLY_FOR_REPAIR: &str = "mutation($i: ApplyForRepairInput!) { applyForRepair(input: $i) { application { id } userErrors { code message } } }";

/// Files an objection (with `evidence` files) and, if `refer`, has the
/// operator refer it to the providing department. Returns its id.
async fn objection_on(
    app: &TestApp,
    who: &str,
    op: &str,
    record: &credit_record::Model,
    evidence: usize,
    refer: bool,
) -> String {
    let i = json!({
        "record": global_id(NodeType::CreditRecord, record.id).0,
        "reason": "FACTUAL_ERROR",
        "statement": "记载事项与决定书不符",
        "evidence": vec![UPLOAD; evidence],
    });
    let r = send(app, FILE_OBJECTION, json!({ "i": i }), Some(who)).await;
    let id = id_at(&r, "/data/fileObjection/objection/id");
    if refer {
        let r = send(
            app,
            REFER,
            json!({ "i": { "objection": id, "decision": "REFER" } }),
            Some(op),
        )
        .await;
        assert_eq!(
            r.body["data"]["checkObjection"]["objection"]["status"], "REFERRED",
            "{}",
            r.body
        );
    }
    id
}

/// Applies for repair of `record` as its owner, accepting today's letter.
async fn repair_of(app: &TestApp, owner: &str, record: &credit_record::Model) -> String {
    let gid = global_id(NodeType::CreditRecord, record.id).0;
    let r = app
        .graphql(
            "query($r: ID!) { repairCommitmentLetter(record: $r) { sha256 } }",
            json!({ "r": gid }),
            Some(owner),
        )
        .await;
    let sha = d::ok(&r)["repairCommitmentLetter"]["sha256"].clone();
    let i = json!({ "record": gid, "commitmentSha256": sha, "acceptedBy": "林晓峰", "proofs": [UPLOAD] });
    let r = send(app, APPLY_FOR_REPAIR, json!({ "i": i }), Some(owner)).await;
    id_at(&r, "/data/applyForRepair/application/id")
}

async fn department_id(app: &TestApp, code: &str) -> i64 {
    department::Entity::find()
        .filter(department::Column::Code.eq(code))
        .one(&app.state.db)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("department {code}"))
        .id
}

async fn case_fixture(app: &TestApp, op: &str, owner: &str, person: &str) -> Cases {
    let staff = d::staff(app).await;
    let licence = d::record(app, "SCJG-2024-000101").await;
    let penalty = d::record(app, "SCJG-2026-000102").await;
    let tax = d::record(app, "SWJ-2026-000201").await;
    let honour = d::record(app, "FGW-2025-000301").await;
    let traffic = d::record(app, "JJZD-2026-000103").await;

    // Upheld by the department, then complained about.
    let upheld_objection = objection_on(app, owner, op, &licence, 0, true).await;
    let r = app
        .graphql(
            "mutation($i: DecideObjectionInput!) { decideObjection(input: $i) { objection { outcome } userErrors { code } } }",
            json!({ "i": { "objection": upheld_objection, "answer": "UPHOLD", "reason": "经复核，记载无误" } }),
            Some(&staff),
        )
        .await;
    assert_eq!(
        r.body["data"]["decideObjection"]["objection"]["outcome"], "UPHELD",
        "{}",
        r.body
    );
    let r = app
        .graphql(
            "mutation($i: FileComplaintInput!) { fileComplaint(input: $i) { complaint { id } userErrors { code } } }",
            json!({ "i": { "case": upheld_objection, "statement": "核查未听取我方陈述" } }),
            Some(owner),
        )
        .await;
    let complaint = id_at(&r, "/data/fileComplaint/complaint/id");

    let objection = objection_on(app, owner, op, &licence, 1, true).await;
    let objection_evidence = attachment::Entity::find()
        .order_by_desc(attachment::Column::Id)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the evidence file");
    let other_dept_objection = objection_on(app, owner, op, &tax, 0, true).await;
    let chen_objection = objection_on(app, person, op, &traffic, 0, false).await;

    let repair = repair_of(app, owner, &penalty).await;
    // The same finding as if made by the tax service: its application goes there.
    let swj = department_id(app, "FZ-SWJ").await;
    let copy = d::copy(app, "SCJG-2026-000102", "SWJ-MATRIX-000001", |r| {
        r.department_id = Set(swj);
    })
    .await;
    let other_dept_repair = repair_of(app, owner, &copy).await;

    Cases {
        penalty_record: global_id(NodeType::CreditRecord, penalty.id).0,
        honour_record: global_id(NodeType::CreditRecord, honour.id).0,
        objection,
        objection_evidence: global_id(NodeType::CaseAttachment, objection_evidence.id).0,
        other_dept_objection,
        chen_objection,
        upheld_objection,
        complaint,
        repair,
        other_dept_repair,
    }
}

struct Accounts {
    owner_notice: String,
    email: String,
    binding_request: String,
    chen_challenge: String,
    agent_binding: String,
}

async fn account_fixture(app: &TestApp, owner: &str, person: &str) -> Accounts {
    let owner_account = account::Entity::find()
        .filter(account::Column::Email.eq(demo::ENTERPRISE_USER_EMAIL))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the owner's account");
    let n = notice::Entity::find()
        .filter(notice::Column::AccountId.eq(owner_account.id))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("a notice to the owner (the cases sent some)");
    let e = outbox_email::Entity::find()
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("an outbox email");

    let r = app
        .graphql(
            "mutation($i: RequestDocumentBindingInput!) { requestDocumentBinding(input: $i) { request { id } userErrors { code message } } }",
            json!({ "i": { "identifier": demo::COURT_DEFAULTER_USCC, "evidence": "营业执照副本和法定代表人授权书，窗口递交" } }),
            Some(person),
        )
        .await;
    let binding_request = id_at(&r, "/data/requestDocumentBinding/request/id");
    let r = app
        .graphql(
            "mutation($i: StartSubjectBindingInput!) { startSubjectBinding(input: $i) { challenge { id } userErrors { code message } } }",
            json!({ "i": { "identifier": demo::ENTERPRISE_USCC } }),
            Some(person),
        )
        .await;
    let chen_challenge = id_at(&r, "/data/startSubjectBinding/challenge/id");

    let r = app
        .graphql(
            "mutation { signUp(input: {email: \"agent.matrix@example.com\", displayName: \"代理记账\", password: \"a long enough password 2\"}) { userErrors { code } } }",
            json!({}),
            None,
        )
        .await;
    assert!(d::codes(&d::ok(&r)["signUp"]).is_empty(), "{}", r.body);
    let enterprise = d::enterprise(app).await;
    let r = app
        .graphql(
            "mutation($s: ID!) { addSubjectAccount(input: {subjectId: $s, email: \"agent.matrix@example.com\"}) { binding { id } userErrors { code message } } }",
            json!({ "s": d::subject_gid(&enterprise) }),
            Some(owner),
        )
        .await;
    let agent_binding = id_at(&r, "/data/addSubjectAccount/binding/id");

    Accounts {
        owner_notice: global_id(NodeType::Notice, n.id).0,
        email: global_id(NodeType::Email, e.id).0,
        binding_request,
        chen_challenge,
        agent_binding,
    }
}

async fn spawn() -> TestApp {
    // Webhook URLs on loopback are allowed, as in the webhook tests.
    let app = TestApp::spawn_configured(d::at("2026-11-21T04:00:00Z"), |c| {
        c.webhook_allow_http = true;
    })
    .await;
    demo::seed(&app.state).await.expect("demo data seeds");
    app
}

/// Runs every row as `role` in an app of its own, and reports every row
/// whose outcome is not the expected one.
async fn run(role: Role) {
    let app = spawn().await;
    let f = fixture(&app).await;
    let token = token(&app, role, &f).await;
    let mut wrong = Vec::new();
    for row in rows() {
        let r = send(&app, row.doc, (row.vars)(&f), token.as_deref()).await;
        let got = outcome(row.field, &r);
        let want = (row.expect)(role);
        if !want.admits(&got) {
            wrong.push(format!(
                "{} ({}): expected {want:?}, got {got:?}: {}",
                row.field, row.what, r.body
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{role:?}: {} of {} rows differ:\n{}",
        wrong.len(),
        rows().len(),
        wrong.join("\n")
    );
    // Whatever the role, the other department's record was not withdrawn.
    let other = credit_record::Entity::find_by_id(f.other_dept_record_id)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the record");
    assert_ne!(other.status, RecordStatus::Withdrawn, "{role:?}");
}

/// Every root field of the schema is exercised by at least one row, and
/// every row names a real field.
#[tokio::test]
async fn every_root_field_has_a_row() {
    let app = TestApp::spawn().await;
    let r = app
        .graphql(
            "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }",
            json!({}),
            None,
        )
        .await;
    let schema = d::ok(&r);
    let mut fields = BTreeSet::new();
    for root in ["queryType", "mutationType"] {
        for f in schema["__schema"][root]["fields"]
            .as_array()
            .expect("root fields")
        {
            fields.insert(f["name"].as_str().expect("a name").to_string());
        }
    }
    let covered: BTreeSet<String> = rows().iter().map(|r| r.field.to_string()).collect();
    let missing: Vec<_> = fields.difference(&covered).collect();
    let unknown: Vec<_> = covered.difference(&fields).collect();
    assert!(
        missing.is_empty(),
        "root fields without a row in the authorisation matrix: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "rows for fields not in the schema: {unknown:?}"
    );
    // A row's document really calls its field.
    for row in rows() {
        assert!(
            row.doc.contains(row.field),
            "{} row calls something else",
            row.field
        );
    }
}

#[tokio::test]
async fn anonymous() {
    run(Anonymous).await;
}

#[tokio::test]
async fn enterprise_owner_user() {
    run(Owner).await;
}

#[tokio::test]
async fn individual_user() {
    run(Person).await;
}

#[tokio::test]
async fn department_staff() {
    run(Staff).await;
}

#[tokio::test]
async fn platform_operator() {
    run(Operator).await;
}

#[tokio::test]
async fn agency_client() {
    run(Agency).await;
}

#[tokio::test]
async fn department_client() {
    run(Department).await;
}
