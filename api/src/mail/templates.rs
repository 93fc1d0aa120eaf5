//! Notice templates in zh-CN and en: a title, one paragraph and the label of
//! the link into the portal, per [`NoticeKind`]. Rendered into the inbox
//! text and a plain-text + HTML email.
//!
//! Placeholders are `{name}`, filled from the notice's parameters (see
//! docs/mail.md for the keys each kind uses). A missing parameter renders as
//! "—", so a template never fails. Parameters are escaped for HTML; nothing
//! but what the caller put in the parameters (only what this recipient may
//! see) reaches the text.

use serde_json::Value;

use crate::service::notices::NoticeKind;

/// Stands for the portal's base URL in stored email bodies; the worker
/// replaces it with `public_url` when sending, so queued mail follows a
/// change of address and rendering needs no configuration.
pub const BASE_URL_MARK: &str = "{{xinyong:base_url}}";

/// The languages templates exist in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    ZhCn,
    En,
}

impl Lang {
    /// The account's `language` tag; anything unknown is the default, zh-CN.
    pub fn from_tag(tag: &str) -> Lang {
        if tag == "en" { Lang::En } else { Lang::ZhCn }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// One template: title, paragraph, link label.
struct Text {
    title: &'static str,
    body: &'static str,
    action: &'static str,
}

const fn t(title: &'static str, body: &'static str, action: &'static str) -> Text {
    Text {
        title,
        body,
        action,
    }
}

fn text(kind: NoticeKind, lang: Lang) -> Text {
    use NoticeKind as K;
    match (kind, lang) {
        (K::ObjectionReceived, Lang::ZhCn) => t(
            "异议申请已受理（{case_no}）",
            "我们已收到您对信用记录「{record_title}」提出的异议，案件编号 {case_no}。处理期间该记录暂停公示。平台将于 {due_on} 前完成初步审查。",
            "查看案件进度",
        ),
        (K::ObjectionReceived, Lang::En) => t(
            "Objection received ({case_no})",
            "We have received your objection to the credit record \"{record_title}\" (case {case_no}). While it is handled, the record is withheld from disclosure. The platform will complete its first check by {due_on}.",
            "Follow the case",
        ),
        (K::ObjectionReferred, Lang::ZhCn) => t(
            "异议已转交信息提供单位核查（{case_no}）",
            "您对「{record_title}」的异议（{case_no}）已转交 {department_name} 核查，核查应于 {due_on} 前完成。",
            "查看案件进度",
        ),
        (K::ObjectionReferred, Lang::En) => t(
            "Objection referred to the providing department ({case_no})",
            "Your objection to \"{record_title}\" ({case_no}) has been referred to {department_name}, which must verify it by {due_on}.",
            "Follow the case",
        ),
        (K::ObjectionDecided, Lang::ZhCn) => t(
            "异议处理结果（{case_no}）",
            "您对「{record_title}」的异议（{case_no}）已有处理结果：{outcome}。如对结果不服，可向平台投诉。",
            "查看结果与理由",
        ),
        (K::ObjectionDecided, Lang::En) => t(
            "Decision on your objection ({case_no})",
            "Your objection to \"{record_title}\" ({case_no}) has been decided: {outcome}. If you disagree, you may complain to the platform.",
            "See the decision and reasons",
        ),
        (K::ObjectionWithdrawn, Lang::ZhCn) => t(
            "异议已撤回（{case_no}）",
            "对「{record_title}」的异议（{case_no}）已撤回，该记录恢复原公示状态。",
            "查看案件",
        ),
        (K::ObjectionWithdrawn, Lang::En) => t(
            "Objection withdrawn ({case_no})",
            "The objection to \"{record_title}\" ({case_no}) was withdrawn; the record returns to its previous disclosure.",
            "See the case",
        ),
        (K::RepairReceived, Lang::ZhCn) => t(
            "信用修复申请已受理（{case_no}）",
            "我们已收到您对「{record_title}」的信用修复申请（{case_no}），将于 {due_on} 前作出决定。",
            "查看申请进度",
        ),
        (K::RepairReceived, Lang::En) => t(
            "Credit repair application received ({case_no})",
            "We have received your application to repair \"{record_title}\" ({case_no}). A decision is due by {due_on}.",
            "Follow the application",
        ),
        (K::RepairDecided, Lang::ZhCn) => t(
            "信用修复决定（{case_no}）",
            "您对「{record_title}」的信用修复申请（{case_no}）已有决定：{outcome}。",
            "查看决定",
        ),
        (K::RepairDecided, Lang::En) => t(
            "Decision on your credit repair ({case_no})",
            "Your application to repair \"{record_title}\" ({case_no}) has been decided: {outcome}.",
            "See the decision",
        ),
        (K::RepairWithdrawn, Lang::ZhCn) => t(
            "信用修复申请已撤回（{case_no}）",
            "对「{record_title}」的信用修复申请（{case_no}）已撤回。",
            "查看申请",
        ),
        (K::RepairWithdrawn, Lang::En) => t(
            "Repair application withdrawn ({case_no})",
            "The application to repair \"{record_title}\" ({case_no}) was withdrawn.",
            "See the application",
        ),
        (K::ComplaintReceived, Lang::ZhCn) => t(
            "投诉已受理（{case_no}）",
            "我们已收到您的投诉（{case_no}），将于 {due_on} 前答复。",
            "查看投诉进度",
        ),
        (K::ComplaintReceived, Lang::En) => t(
            "Complaint received ({case_no})",
            "We have received your complaint ({case_no}) and will answer by {due_on}.",
            "Follow the complaint",
        ),
        (K::ComplaintDecided, Lang::ZhCn) => t(
            "投诉处理结果（{case_no}）",
            "您的投诉（{case_no}）已有处理结果：{outcome}。",
            "查看结果",
        ),
        (K::ComplaintDecided, Lang::En) => t(
            "Decision on your complaint ({case_no})",
            "Your complaint ({case_no}) has been decided: {outcome}.",
            "See the decision",
        ),
        (K::CaseAssigned, Lang::ZhCn) => t(
            "新的待办案件（{case_no}）",
            "案件 {case_no}（{milestone}）已分派给您的单位，办理期限 {due_on}。",
            "打开案件",
        ),
        (K::CaseAssigned, Lang::En) => t(
            "New case to handle ({case_no})",
            "Case {case_no} ({milestone}) has been assigned to your department; it is due on {due_on}.",
            "Open the case",
        ),
        (K::DeadlineApproaching, Lang::ZhCn) => t(
            "办理期限临近（{case_no}）",
            "案件 {case_no} 的「{milestone}」将于 {due_on} 到期，还剩 2 个工作日。",
            "打开案件",
        ),
        (K::DeadlineApproaching, Lang::En) => t(
            "Deadline approaching ({case_no})",
            "The milestone \"{milestone}\" of case {case_no} is due on {due_on}, in two working days.",
            "Open the case",
        ),
        (K::DeadlineDue, Lang::ZhCn) => t(
            "今日到期（{case_no}）",
            "案件 {case_no} 的「{milestone}」今日（{due_on}）到期。",
            "打开案件",
        ),
        (K::DeadlineDue, Lang::En) => t(
            "Due today ({case_no})",
            "The milestone \"{milestone}\" of case {case_no} is due today, {due_on}.",
            "Open the case",
        ),
        (K::DeadlineOverdue, Lang::ZhCn) => t(
            "案件已逾期（{case_no}）",
            "案件 {case_no} 的「{milestone}」已于 {due_on} 到期，仍未办结，请督办。",
            "打开案件",
        ),
        (K::DeadlineOverdue, Lang::En) => t(
            "Milestone overdue ({case_no})",
            "The milestone \"{milestone}\" of case {case_no} was due on {due_on} and is not done; please follow it up.",
            "Open the case",
        ),
        (K::DeadlineMoved, Lang::ZhCn) => t(
            "案件期限已重新计算（{case_no}）",
            "{calendar_year}年节假日安排已公布，您的案件 {case_no}（「{record_title}」）中「{milestone}」的期限按工作日重新计算为 {due_on}（原为 {due_on_before}）。",
            "查看案件进度",
        ),
        (K::DeadlineMoved, Lang::En) => t(
            "Case deadline recalculated ({case_no})",
            "The {calendar_year} holiday calendar has been published, so the working-day deadline for \"{milestone}\" in your case {case_no} (\"{record_title}\") was calculated again: it is now {due_on} (it was {due_on_before}).",
            "Follow the case",
        ),
        (K::ConsentRequested, Lang::ZhCn) => t(
            "{agency_name} 请求查询授权",
            "{agency_name} 请求您授权其以「{purpose}」为目的查询您的信用信息，有效期至 {valid_until}。同意或拒绝均由您决定。",
            "查看并决定",
        ),
        (K::ConsentRequested, Lang::En) => t(
            "{agency_name} asks for your consent",
            "{agency_name} asks for your consent to query your credit information for \"{purpose}\", valid until {valid_until}. It is your choice to approve or deny.",
            "Review and decide",
        ),
        (K::ConsentGranted, Lang::ZhCn) => t(
            "已授权 {agency_name}",
            "您已授权 {agency_name} 以「{purpose}」为目的查询您的信用信息，有效期至 {valid_until}。您可随时撤回。",
            "查看授权",
        ),
        (K::ConsentGranted, Lang::En) => t(
            "Consent given to {agency_name}",
            "You have given {agency_name} consent to query your credit information for \"{purpose}\", valid until {valid_until}. You can revoke it at any time.",
            "See the consent",
        ),
        (K::ConsentRevoked, Lang::ZhCn) => t(
            "已撤回对 {agency_name} 的授权",
            "您对 {agency_name}（「{purpose}」）的授权已撤回，自撤回时起对方不能再据此查询。",
            "查看授权",
        ),
        (K::ConsentRevoked, Lang::En) => t(
            "Consent to {agency_name} revoked",
            "Your consent to {agency_name} (\"{purpose}\") is revoked; no query can be made under it from now on.",
            "See the consent",
        ),
        (K::ConsentExpiring, Lang::ZhCn) => t(
            "授权即将到期：{agency_name}",
            "您对 {agency_name}（「{purpose}」）的授权将于 {valid_until} 到期。如需继续，可在到期前续期；否则无需操作。",
            "查看或续期",
        ),
        (K::ConsentExpiring, Lang::En) => t(
            "Consent to {agency_name} ends soon",
            "Your consent to {agency_name} (\"{purpose}\") ends on {valid_until}. Renew it before then if you want it to continue; otherwise nothing needs doing.",
            "See or renew",
        ),
        (K::RecordPublished, Lang::ZhCn) => t(
            "有关您的新信用记录",
            "{department_name} 报送了一条有关您的信用记录「{record_title}」。如认为有误，可提出异议。",
            "查看记录",
        ),
        (K::RecordPublished, Lang::En) => t(
            "A new credit record about you",
            "{department_name} has published a credit record about you: \"{record_title}\". If you think it is wrong, you can object.",
            "See the record",
        ),
        (K::SubjectQueried, Lang::ZhCn) => t(
            "{agency_name} 查询了您的信用信息",
            "{agency_name} 于 {occurred_at} 以「{purpose}」为目的，依据您的授权查询了您的信用信息，返回 {count} 条记录。",
            "查看查询记录",
        ),
        (K::SubjectQueried, Lang::En) => t(
            "{agency_name} queried your credit information",
            "{agency_name} queried your credit information at {occurred_at} for \"{purpose}\", under your consent; {count} records were returned.",
            "See who saw your data",
        ),
        (K::QueryDigest, Lang::ZhCn) => t(
            "{date} 查询汇总",
            "{date} 共有 {count} 次依授权查询了「{subject_name}」的信用信息。",
            "查看查询记录",
        ),
        (K::QueryDigest, Lang::En) => t(
            "Queries of {date}",
            "On {date}, \"{subject_name}\" was queried {count} times under consent.",
            "See who saw your data",
        ),
        (K::EmailVerification, Lang::ZhCn) => t(
            "请验证您的邮箱",
            "请点击下方链接验证您的邮箱地址。链接 {expires_hours} 小时内有效。如非本人操作，请忽略本邮件。",
            "验证邮箱",
        ),
        (K::EmailVerification, Lang::En) => t(
            "Please verify your email address",
            "Follow the link below to verify your email address. It works for {expires_hours} hours. If you did not sign up, ignore this email.",
            "Verify my email",
        ),
        (K::PasswordReset, Lang::ZhCn) => t(
            "重置密码",
            "有人请求重置您账户的密码。如是本人操作，请在 {expires_minutes} 分钟内点击下方链接设置新密码；链接仅可使用一次。如非本人操作，请忽略本邮件，您的密码不会改变。",
            "设置新密码",
        ),
        (K::PasswordReset, Lang::En) => t(
            "Reset your password",
            "Someone asked to reset the password of your account. If it was you, follow the link below within {expires_minutes} minutes to choose a new one; it works once. If it was not you, ignore this email and your password stays as it is.",
            "Choose a new password",
        ),
        (K::BindingCode, Lang::ZhCn) => t(
            "实名绑定验证码：{code}",
            "有人请求将平台账户绑定为「{subject_name}」的{role}。验证码为 {code}，{expires_minutes} 分钟内有效。请勿将验证码告诉他人；如非本单位（本人）操作，请忽略本邮件。",
            "打开绑定页面",
        ),
        (K::BindingCode, Lang::En) => t(
            "Identity binding code: {code}",
            "Someone asked to bind a platform account to \"{subject_name}\" as {role}. The code is {code}; it works for {expires_minutes} minutes. Do not share it; if this was not you or your organisation, ignore this email.",
            "Open the binding page",
        ),
        (K::BindingRequested, Lang::ZhCn) => t(
            "待审核的实名绑定申请（{request_no}）",
            "有一份以证明材料申请绑定「{subject_name}」的申请（{request_no}）等待核验。",
            "审核申请",
        ),
        (K::BindingRequested, Lang::En) => t(
            "Binding request to check ({request_no})",
            "A request to bind an account to \"{subject_name}\" on documents ({request_no}) is waiting for a check.",
            "Check the request",
        ),
        (K::BindingDecided, Lang::ZhCn) => t(
            "实名绑定申请结果（{request_no}）",
            "您绑定「{subject_name}」的申请（{request_no}）结果：{outcome}。{note}",
            "查看",
        ),
        (K::BindingDecided, Lang::En) => t(
            "Your binding request ({request_no})",
            "Your request to bind to \"{subject_name}\" ({request_no}): {outcome}. {note}",
            "See it",
        ),
        (K::BindingAdded, Lang::ZhCn) => t(
            "您已可代表「{subject_name}」办理业务",
            "您的账户已作为「{subject_name}」的{role}完成绑定。",
            "进入工作台",
        ),
        (K::BindingAdded, Lang::En) => t(
            "You can now act for \"{subject_name}\"",
            "Your account is now bound to \"{subject_name}\" as {role}.",
            "Open the dashboard",
        ),
        (K::BindingRevoked, Lang::ZhCn) => t(
            "对「{subject_name}」的绑定已解除",
            "您的账户不再代表「{subject_name}」办理业务。如有疑问，请联系该主体的负责人。",
            "查看账户",
        ),
        (K::BindingRevoked, Lang::En) => t(
            "Binding to \"{subject_name}\" ended",
            "Your account no longer acts for \"{subject_name}\". If this is unexpected, contact the subject's owner.",
            "See your account",
        ),
    }
}

/// A rendered notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// Inbox title and email subject.
    pub title: String,
    /// The paragraph, as plain text (the inbox body).
    pub paragraph: String,
    /// The whole plain-text email.
    pub text: String,
    /// The whole HTML email.
    pub html: String,
}

/// Renders `kind` in `lang` with `params`. `link` is a portal path
/// (`/cases/12`); emails carry it as an absolute URL.
pub fn render(kind: NoticeKind, lang: Lang, params: &Value, link: Option<&str>) -> Rendered {
    let tx = text(kind, lang);
    let title = fill(tx.title, params, lang, false);
    let paragraph = fill(tx.body, params, lang, false);
    let paragraph_html = fill(tx.body, params, lang, true);
    let url = link.map(|l| format!("{BASE_URL_MARK}{}", safe_path(l)));
    let (greeting, footer, platform) = match lang {
        Lang::ZhCn => (
            "您好：",
            "此邮件由公共信用信息平台自动发送，请勿直接回复。您可在平台“账户设置”中调整邮件通知。",
            "公共信用信息平台",
        ),
        Lang::En => (
            "Hello,",
            "This email was sent automatically by the public credit information platform; please do not reply. You can change email notices in your account settings.",
            "Public credit information platform",
        ),
    };
    let mut text_out = format!("{greeting}\n\n{paragraph}\n");
    if let Some(u) = &url {
        text_out.push_str(&format!("\n{}: {u}\n", tx.action));
    }
    text_out.push_str(&format!("\n--\n{platform}\n{footer}\n"));

    let mut html = String::new();
    html.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body style=\"font-family:sans-serif;line-height:1.5;color:#1b1b1b\">\n",
        lang.tag(),
        escape(&title)
    ));
    html.push_str(&format!(
        "<p>{}</p>\n<p>{paragraph_html}</p>\n",
        escape(greeting)
    ));
    if let Some(u) = &url {
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>\n",
            escape(u),
            escape(tx.action)
        ));
    }
    html.push_str(&format!(
        "<hr>\n<p style=\"font-size:small;color:#555\">{}<br>{}</p>\n</body></html>\n",
        escape(platform),
        escape(footer)
    ));
    Rendered {
        title,
        paragraph,
        text: text_out,
        html,
    }
}

/// Keeps a portal path a path: no scheme or host can be smuggled in.
fn safe_path(link: &str) -> String {
    let p = link.trim();
    if p.starts_with('/') && !p.starts_with("//") && !p.contains(['\r', '\n']) {
        p.to_string()
    } else {
        "/".to_string()
    }
}

/// Replaces `{key}` with the parameter, or "—" when it is missing.
fn fill(template: &str, params: &Value, lang: Lang, html: bool) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&escape_if(&rest[..start], html));
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if is_key(&after[..end]) => {
                let value = param(params, &after[..end], lang);
                out.push_str(&escape_if(&value, html));
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(&escape_if(rest, html));
    out
}

fn is_key(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

/// A parameter's text; one given per language (`{"zh-CN": …, "en": …}`,
/// for a notice that goes to accounts of several languages) in `lang`.
fn param(params: &Value, key: &str, lang: Lang) -> String {
    let value = match &params[key] {
        Value::Object(by_lang) => by_lang
            .get(lang.tag())
            .or_else(|| by_lang.get(Lang::ZhCn.tag()))
            .unwrap_or(&Value::Null),
        v => v,
    };
    let v = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => "—".to_string(),
    };
    // A value can never carry the base-URL mark into a body.
    v.replace(BASE_URL_MARK, "").replace(['\r', '\n'], " ")
}

fn escape_if(s: &str, html: bool) -> String {
    if html { escape(s) } else { s.to_string() }
}

/// HTML text and attribute escaping.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_has_both_languages_and_fills_its_parameters() {
        for kind in NoticeKind::ALL {
            for lang in [Lang::ZhCn, Lang::En] {
                let r = render(*kind, lang, &json!({}), Some("/inbox"));
                assert!(!r.title.is_empty(), "{kind:?} {lang:?}");
                assert!(!r.title.contains('{'), "{kind:?} {lang:?}: {}", r.title);
                assert!(!r.paragraph.contains('{'), "{kind:?} {lang:?}");
                assert!(r.text.contains(&format!("{BASE_URL_MARK}/inbox")));
                assert!(r.html.contains(&format!("lang=\"{}\"", lang.tag())));
            }
        }
    }

    #[test]
    fn a_parameter_given_per_language_is_filled_in_the_recipients() {
        let p = json!({ "case_no": "YY-2026-0001", "record_title": "x",
            "outcome": { "zh-CN": "记录维持", "en": "the record stands" } });
        let en = render(NoticeKind::ObjectionDecided, Lang::En, &p, None);
        assert!(
            en.paragraph.contains("decided: the record stands."),
            "{}",
            en.paragraph
        );
        let zh = render(NoticeKind::ObjectionDecided, Lang::ZhCn, &p, None);
        assert!(
            zh.paragraph.contains("处理结果：记录维持"),
            "{}",
            zh.paragraph
        );
        // Only English given: a Chinese reader gets the placeholder, not a guess.
        let p = json!({ "outcome": { "en": "stands" } });
        let zh = render(NoticeKind::ObjectionDecided, Lang::ZhCn, &p, None);
        assert!(zh.paragraph.contains("处理结果：—"), "{}", zh.paragraph);
    }

    #[test]
    fn parameters_are_escaped_in_html_and_cannot_inject_links() {
        let p = json!({ "record_title": "<b>x</b> {{xinyong:base_url}}", "case_no": 7 });
        let r = render(
            NoticeKind::ObjectionReceived,
            Lang::En,
            &p,
            Some("//evil.example/x"),
        );
        assert!(r.html.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(!r.html.contains("<b>x"));
        assert!(r.text.contains("case 7"));
        assert!(!r.text.contains("evil.example"));
        assert_eq!(r.text.matches(BASE_URL_MARK).count(), 1);
        let zh = render(NoticeKind::ObjectionReceived, Lang::ZhCn, &p, None);
        assert!(zh.title.contains("异议"));
        assert!(zh.paragraph.contains('—'), "missing due_on shows a dash");
    }
}
