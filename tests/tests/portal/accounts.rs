//! Who acts for a subject, through the portal over plain HTTP: binding on
//! documents checked by staff (asked for, withdrawn, refused without a
//! note, approved), and owners managing the accounts that act for their
//! subject (add an agent, revoke it) while agents only see themselves.

use entity::subject;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use xinyong::service::demo as d;
use xinyong_tests::TestApp;
use xinyong_tests::demo::{self, ok};

use crate::Visitor;

const EVIDENCE: &str = "营业执照副本和法定代表人授权书，窗口递交";
const PASSWORD: &str = "river-stone-lantern-42";

/// 福州恒达贸易有限公司: nobody in the demo acts for it.
async fn court_defaulter(app: &TestApp) -> subject::Model {
    subject::Entity::find()
        .filter(subject::Column::IdentifierPlain.eq(d::COURT_DEFAULTER_USCC))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the court defaulter")
}

/// The error of `field` is shown, and before the field itself.
fn error_next_to(body: &str, field: &str) {
    let err = body
        .find(&format!("id=\"{field}-error\""))
        .unwrap_or_else(|| panic!("an error for {field} in: {body}"));
    let input = body
        .find(&format!("id=\"{field}\""))
        .unwrap_or_else(|| panic!("the field {field}"));
    assert!(err < input, "the error of {field} sits next to it");
}

/// What a text area shows (what was typed, kept).
fn textarea<'a>(body: &'a str, field: &str) -> &'a str {
    let start = body
        .find(&format!("id=\"{field}\""))
        .unwrap_or_else(|| panic!("the field {field}"));
    let rest = &body[start..];
    let open = rest.find('>').map_or(0, |i| i + 1);
    let close = rest.find("</textarea>").unwrap_or(rest.len());
    &rest[open..close]
}

/// The account's document-binding requests, newest first, through the API.
async fn requests(app: &TestApp, token: &str, pending: bool) -> Vec<Value> {
    let q = if pending {
        "{ bindingRequests(first: 10, status: PENDING) { nodes { id number status } } }"
    } else {
        "{ bindingRequests(first: 10) { nodes { id number status } } }"
    };
    let r = app.graphql(q, json!({}), Some(token)).await;
    ok(&r)["bindingRequests"]["nodes"]
        .as_array()
        .expect("requests")
        .clone()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[tokio::test]
async fn a_document_binding_is_asked_for_withdrawn_and_approved_by_an_operator() {
    let app = TestApp::spawn_with_demo().await;
    let org = court_defaulter(&app).await;
    let v = Visitor::new(&app);
    v.sign_in(d::PERSON_USER_EMAIL, d::DEMO_PASSWORD).await;
    assert!(!v.get("/me").await.body.contains(&org.name));

    // The code route's page says when to use the document route.
    let bind = v.get("/me/bind").await;
    assert!(
        bind.body.contains("href=\"/me/bind/document\""),
        "{}",
        bind.body
    );
    assert!(bind.body.contains("联系人邮箱已过期"));
    let form = v.get("/me/bind/document").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("您还没有提交过核验申请"));
    let csrf = form.csrf();

    // Too little said about the documents: the error is next to the
    // field, and what was typed is kept.
    let short = v
        .post(
            "/me/bind/document",
            &[
                ("csrf", &csrf),
                ("identifier", d::COURT_DEFAULTER_USCC),
                ("name", ""),
                ("evidence", "见附件"),
            ],
        )
        .await;
    assert_eq!(short.status, 422, "{}", short.body);
    error_next_to(&short.body, "evidence");
    assert!(
        short.body.contains("请用 10 到 2000 字说明"),
        "{}",
        short.body
    );
    assert!(
        short
            .body
            .contains(&format!("value=\"{}\"", d::COURT_DEFAULTER_USCC))
    );
    assert_eq!(textarea(&short.body, "evidence"), "见附件");

    let ask = [
        ("csrf", csrf.as_str()),
        ("identifier", d::COURT_DEFAULTER_USCC),
        ("name", ""),
        ("evidence", EVIDENCE),
    ];
    let sent = v.post("/me/bind/document", &ask).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(
        sent.location.as_deref(),
        Some("/me/bind/document?done=requested")
    );
    let mine = v.get("/me/bind/document?done=requested").await;
    assert!(mine.body.contains("申请已提交"));
    assert!(mine.body.contains(&org.name) && mine.body.contains(EVIDENCE));
    assert!(mine.body.contains("等待核验"));
    // A second request for the same subject waits on the first.
    let twice = v.post("/me/bind/document", &ask).await;
    assert_eq!(twice.status, 422);
    error_next_to(&twice.body, "identifier");
    assert!(twice.body.contains("已有一项等待核验的申请"));

    // Withdrawn by its applicant (once), then asked for again.
    let person = demo::person(&app).await;
    let first = requests(&app, &person, false).await[0].clone();
    let withdraw = format!("/me/bind/document/{}/withdraw", text(&first, "id"));
    let w = v.post(&withdraw, &[("csrf", &csrf)]).await;
    assert_eq!(w.status, 303, "{}", w.body);
    assert_eq!(
        w.location.as_deref(),
        Some("/me/bind/document?done=withdrawn")
    );
    assert!(v.get("/me/bind/document").await.body.contains("已撤回"));
    let again = v.post(&withdraw, &[("csrf", &csrf)]).await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("已经办结或被撤回"));
    assert_eq!(v.post("/me/bind/document", &ask).await.status, 303);

    // The operator finds the queue on the workbench.
    let op = Visitor::new(&app);
    op.sign_in(d::OPERATOR_EMAIL, d::DEMO_PASSWORD).await;
    assert!(
        op.get("/staff")
            .await
            .body
            .contains("href=\"/staff/bindings\"")
    );
    let queue = op.get("/staff/bindings").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert!(queue.body.contains(&org.name));
    assert!(queue.body.contains(d::PERSON_USER_EMAIL));
    assert!(queue.body.contains(EVIDENCE));
    let operator = demo::operator(&app).await;
    let pending = requests(&app, &operator, true).await;
    assert_eq!(pending.len(), 1, "the withdrawn request left the queue");
    let (id, number) = (text(&pending[0], "id"), text(&pending[0], "number"));
    let note = format!("note-{number}");
    let decide = format!("/staff/bindings/{id}/decide");
    let op_csrf = queue.csrf();

    // Rejecting needs a note: said next to this request's note field.
    let refused = op
        .post(
            &decide,
            &[
                ("csrf", &op_csrf),
                (note.as_str(), " "),
                ("decision", "reject"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    error_next_to(&refused.body, &note);
    assert!(refused.body.contains("驳回时请说明原因"));
    assert_eq!(requests(&app, &operator, true).await.len(), 1);

    // Subject users find neither the queue nor the decision.
    assert_eq!(v.get("/staff/bindings").await.status, 404);
    let theirs = v
        .post(
            &decide,
            &[
                ("csrf", &csrf),
                (note.as_str(), "x"),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(theirs.status, 404);

    let approved = op
        .post(
            &decide,
            &[
                ("csrf", &op_csrf),
                (note.as_str(), "核验营业执照原件"),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    assert_eq!(
        approved.location.as_deref(),
        Some("/staff/bindings?done=approved")
    );
    assert!(
        op.get("/staff/bindings?done=approved")
            .await
            .body
            .contains("没有等待核验的申请")
    );
    // The notice's link leads to the queue, at the request.
    let n = number.trim_start_matches("BR-");
    let link = op.get(&format!("/staff/binding-requests/{n}")).await;
    assert_eq!(link.status, 303);
    assert_eq!(
        link.location.as_deref(),
        Some(format!("/staff/bindings#request-{number}").as_str())
    );

    // The subject is now on the requester's dashboard.
    let dash = v.get("/me").await;
    assert!(dash.body.contains(&org.name), "{}", dash.body);
    let mine = v.get("/me/bind/document").await;
    assert!(mine.body.contains("已通过") && mine.body.contains("核验营业执照原件"));
}

#[tokio::test]
async fn an_owner_adds_an_agent_and_revokes_it_and_agents_cannot_manage() {
    let app = TestApp::spawn_with_demo().await;
    let r = app
        .graphql(
            "mutation($i: SignUpInput!) { signUp(input: $i) { account { id } userErrors { code } } }",
            json!({ "i": { "email": "accountant@example.cn", "displayName": "林会计", "password": PASSWORD, "language": "ZH_CN" } }),
            None,
        )
        .await;
    assert_eq!(ok(&r)["signUp"]["userErrors"], json!([]), "{}", r.body);
    let ent = demo::subject_gid(&demo::enterprise(&app).await);
    let path = format!("/me/{ent}/accounts");

    let owner = Visitor::new(&app);
    owner
        .sign_in(d::ENTERPRISE_USER_EMAIL, d::DEMO_PASSWORD)
        .await;
    assert!(
        owner
            .get("/me")
            .await
            .body
            .contains(&format!("href=\"{path}\""))
    );
    let page = owner.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(d::ENTERPRISE_USER_EMAIL));
    assert!(page.body.contains("所有人") && page.body.contains("并可以添加或取消其他账号"));
    assert!(page.body.contains(&format!("action=\"{path}\"")));
    let csrf = page.csrf();

    // Someone who has not signed up: refused next to the email, kept.
    let nobody = owner
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("email", "nobody@example.cn"),
                ("role", "AGENT"),
            ],
        )
        .await;
    assert_eq!(nobody.status, 422, "{}", nobody.body);
    error_next_to(&nobody.body, "email");
    assert!(nobody.body.contains("请对方先注册"));
    assert!(nobody.body.contains("value=\"nobody@example.cn\""));

    let added = owner
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("email", "accountant@example.cn"),
                ("role", "AGENT"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    assert_eq!(
        added.location.as_deref(),
        Some(format!("{path}?done=added").as_str())
    );
    let list = owner.get(&format!("{path}?done=added")).await;
    assert!(list.body.contains("accountant@example.cn"));
    assert!(list.body.contains("代办人") && list.body.contains("由所有人添加"));

    // The agent acts for the enterprise and sees only itself, no forms.
    let agent = Visitor::new(&app);
    agent.sign_in("accountant@example.cn", PASSWORD).await;
    assert!(agent.get("/me").await.body.contains(d::ENTERPRISE_NAME));
    let own_view = agent.get(&path).await;
    assert_eq!(own_view.status, 200, "{}", own_view.body);
    assert!(own_view.body.contains("accountant@example.cn"));
    assert!(own_view.body.contains("您是代办人"));
    assert!(!own_view.body.contains(d::ENTERPRISE_USER_EMAIL));
    assert!(!own_view.body.contains(&format!("action=\"{path}\"")));
    assert!(!own_view.body.contains("/revoke"));

    let owner_token = demo::owner(&app).await;
    let r = app
        .graphql(
            "query($s: ID!) { subjectAccounts(subjectId: $s) { id accountEmail active } }",
            json!({ "s": ent }),
            Some(&owner_token),
        )
        .await;
    let rows = ok(&r)["subjectAccounts"]
        .as_array()
        .expect("bindings")
        .clone();
    let id_of = |email: &str| {
        rows.iter()
            .find(|b| b["accountEmail"] == email)
            .map(|b| text(b, "id").to_string())
            .unwrap_or_else(|| panic!("a binding of {email}"))
    };
    let (agent_binding, owner_binding) = (
        id_of("accountant@example.cn"),
        id_of(d::ENTERPRISE_USER_EMAIL),
    );
    // Neither the owner's revoke page nor the add form works for an agent.
    assert_eq!(
        agent
            .get(&format!("{path}/{owner_binding}/revoke"))
            .await
            .status,
        404
    );
    let agent_csrf = own_view.csrf();
    let agent_add = agent
        .post(
            &path,
            &[
                ("csrf", &agent_csrf),
                ("email", d::PERSON_USER_EMAIL),
                ("role", "OWNER"),
            ],
        )
        .await;
    assert_eq!(agent_add.status, 404);

    // The owner revokes the agent: a confirmation first, then the post.
    let revoke = format!("{path}/{agent_binding}/revoke");
    let confirm = owner.get(&revoke).await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(confirm.body.contains("取消这个账号？"));
    assert!(confirm.body.contains("accountant@example.cn"));
    assert!(confirm.body.contains("该账号会收到通知"));
    let done = owner.post(&revoke, &[("csrf", &csrf)]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        done.location.as_deref(),
        Some(format!("{path}?done=revoked").as_str())
    );
    let after = owner.get(&format!("{path}?done=revoked")).await;
    assert!(after.body.contains("已取消"));
    assert!(
        after.body.contains("accountant@example.cn"),
        "an ended binding stays on the list"
    );
    // Once ended it cannot be revoked again, and the agent's page is gone.
    assert_eq!(owner.get(&revoke).await.status, 404);
    assert_eq!(agent.get(&path).await.status, 404);
    assert!(!agent.get("/me").await.body.contains(d::ENTERPRISE_NAME));

    // Another subject's accounts page is not found, both ways.
    let chen = Visitor::new(&app);
    chen.sign_in(d::PERSON_USER_EMAIL, d::DEMO_PASSWORD).await;
    assert_eq!(chen.get(&path).await.status, 404);
    let chen_gid = demo::subject_gid(&demo::chen(&app).await);
    assert_eq!(
        chen.get(&format!("/me/{chen_gid}/accounts")).await.status,
        200
    );
    assert_eq!(
        owner.get(&format!("/me/{chen_gid}/accounts")).await.status,
        404
    );

    // In English, the roles and proofs are explained in English.
    owner.get("/language/en?back=/me").await;
    let en = owner.get(&path).await;
    assert!(en.body.contains("Accounts that act for this subject"));
    assert!(en.body.contains("Added by an owner") && en.body.contains("Still acting"));
}
