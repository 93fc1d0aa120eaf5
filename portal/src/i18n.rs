//! The message catalogue: every word the portal shows, in simplified
//! Chinese (the default) and English, keyed by a stable name. A page is
//! rendered in one language only.

/// The reader's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// BCP 47 tag, as in `<html lang>` and the language cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_tag(s: &str) -> Option<Lang> {
        match s.to_ascii_lowercase().as_str() {
            "zh-cn" | "zh" | "zh_cn" | "zh-hans" => Some(Lang::Zh),
            "en" | "en-gb" | "en-us" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The language's own name (for the switch link).
    pub fn name(self) -> &'static str {
        match self {
            Lang::Zh => "简体中文",
            Lang::En => "English",
        }
    }
}

macro_rules! catalogue {
    ($($key:literal => $zh:literal, $en:literal;)*) => {
        /// The text of `key` in `lang`; an unknown key shows itself, so
        /// that a missing entry is visible (and caught by the tests).
        pub fn t(lang: Lang, key: &'static str) -> &'static str {
            match key {
                $($key => match lang { Lang::Zh => $zh, Lang::En => $en },)*
                _ => key,
            }
        }

        /// Every key of the catalogue.
        pub const KEYS: &[&str] = &[$($key),*];
    };
}

catalogue! {
    "brand" => "信用 · 公共信用信息服务平台", "Xinyong · Public credit information";
    "nav.skip" => "跳到主要内容", "Skip to main content";
    "nav.label" => "主导航", "Main navigation";
    "nav.home" => "返回首页", "Go to the home page";
    "nav.lists" => "红黑名单", "Red and black lists";
    "nav.me" => "我的信用", "My credit";
    "nav.sign_in" => "登录", "Sign in";
    "nav.sign_up" => "注册", "Create an account";
    "nav.sign_out" => "退出登录", "Sign out";
    "footer.text" => "公共信用信息服务平台", "Public credit information platform";

    "home.title" => "查询信用信息", "Look up credit information";
    "home.lead" => "查看企业和组织公开的信用记录。企业和个人登录后可查看自己的全部记录、授权查询、提出异议和申请信用修复。", "See the public credit records of enterprises and organisations. Sign in to see all your own records, give or withdraw consent, object to a record or apply for credit repair.";
    "home.you" => "您可以", "What you can do";
    "home.card.records" => "查看我的信用记录", "See my credit records";
    "home.card.records.text" => "包括不向社会公开的记录，以及每条记录为何公开或不公开。", "Including records that are not public, and why each record is or is not shown.";
    "home.card.objection.text" => "认为记录有误时，可以提出异议。", "If you think a record is wrong, you can object to it.";
    "home.card.repair.text" => "纠正失信行为后，可以申请停止公示。", "After putting things right, you can ask for a record to stop being published.";
    "home.card.consent.text" => "决定哪些机构可以查询您的信息、查询多久。", "Decide which agencies may look at your information, and for how long.";
    "home.card.lists.text" => "按类别查看红名单和黑名单。", "See the red and black lists by category.";

    "search.title" => "搜索结果", "Search results";
    "search.label" => "企业或组织名称，或统一社会信用代码", "Name of an enterprise or organisation, or its unified social credit code";
    "search.hint" => "至少 2 个字。个人信息不公开，无法搜索。", "At least 2 characters. Information about individuals is never public and cannot be searched.";
    "search.button" => "搜索", "Search";
    "search.none" => "没有找到。请检查名称或代码是否正确。", "Nothing found. Check the name or code.";
    "search.too_short" => "请输入 2 到 100 个字。", "Enter between 2 and 100 characters.";

    "subject.identifier" => "统一社会信用代码", "Unified social credit code";
    "subject.status" => "登记状态", "Registration status";
    "subject.legal_rep" => "法定代表人", "Legal representative";
    "subject.registered" => "成立日期", "Registered on";
    "subject.public_records" => "公开的信用记录", "Public credit records";
    "subject.public_records.hint" => "这里只显示当前向社会公开的记录。", "Only records that are public today are shown here.";

    "lists.title" => "红黑名单", "Red and black lists";
    "lists.lead" => "红名单是守信激励名单，黑名单是严重失信主体名单。", "The red lists name those recognised for keeping their word; the black lists name those found seriously dishonest.";
    "lists.red" => "红名单", "Red lists";
    "lists.black" => "黑名单", "Black lists";
    "lists.empty" => "目前这个名单上没有公开的记录。", "There are no public entries on this list today.";

    "col.subject" => "主体", "Subject";
    "col.title" => "记录", "Record";
    "col.category" => "类别", "Category";
    "col.department" => "提供单位", "Provided by";
    "col.decided" => "决定日期", "Decided on";
    "col.status" => "状态", "Status";
    "col.submitted" => "报送时间", "Submitted";

    "class.basic" => "基本信息", "Basic information";
    "class.good" => "良好信息", "Good information";
    "class.hint" => "提示信息", "Hint information";
    "class.warning" => "警示信息", "Warning information";

    "status.unknown" => "未知", "Unknown";
    "status.subject.registered" => "存续", "Registered";
    "status.subject.changed" => "变更", "Changed";
    "status.subject.deregistered" => "注销", "Deregistered";
    "status.subject.revoked" => "吊销", "Licence revoked";
    "status.record.active" => "有效", "In force";
    "status.record.under_objection" => "异议处理中", "Under objection";
    "status.record.repaired" => "已修复", "Repaired";
    "status.record.withdrawn" => "已撤回", "Withdrawn";
    "status.record.archived" => "已归档", "Archived";
    "status.record.deleted" => "已删除", "Deleted";
    "status.consent.pending" => "待您确认", "Waiting for you";
    "status.consent.active" => "有效", "In force";
    "status.consent.revoked" => "已撤销", "Revoked";
    "status.consent.expired" => "已到期", "Expired";
    "status.consent.exhausted" => "次数已用完", "No uses left";
    "status.consent.denied" => "已拒绝", "Refused";

    "pub.public" => "向社会公开", "Public";
    "pub.public_until" => "公开至", "Public until";
    "pub.hidden" => "不向社会公开", "Hidden from the public";

    "records.title" => "我的信用记录", "My credit records";
    "records.none" => "没有记录。", "No records.";
    "records.filter.class" => "信息类别", "Information class";
    "records.filter.status" => "状态", "Status";
    "records.filter.all" => "全部", "All";
    "records.filter.apply" => "筛选", "Filter";

    "record.basis" => "法律依据", "Legal basis";
    "record.no_basis" => "无", "None";
    "record.window" => "公示期", "Publication period";
    "record.open_ended" => "长期", "no end date";
    "record.reference" => "提供单位编号", "Provider's reference";
    "record.content" => "记录内容", "What the record says";
    "record.actions" => "您可以做什么", "What you can do";
    "record.object.text" => "如果您认为这条记录有误，可以提出异议。异议处理期间，记录暂停公示。", "If you think this record is wrong, you can object to it. While your objection is handled, the record is not published.";
    "record.object.closed" => "这条记录目前不能提出异议。", "You cannot object to this record at the moment.";
    "record.history" => "修改历史", "History of changes";

    "repair.not_repairable" => "这类记录不能申请信用修复。", "This kind of record cannot be repaired.";
    "repair.not_active" => "这条记录目前不需要修复。", "This record does not need repair now.";
    "repair.now" => "履行相关义务并签署信用承诺书后，即可申请信用修复。", "Once you have met the obligations and signed a credit commitment, you can apply for credit repair.";
    "repair.from" => "您可以从", "You can apply for credit repair from";
    "repair.because" => "起申请信用修复，因为", " because";
    "repair.why.general" => "一般失信信息须至少公示 3 个月（国办发〔2025〕22号）。", "general negative information must be published for at least 3 months (State Council Office, Guo Ban Fa 2025 No. 22).";
    "repair.why.serious" => "严重失信信息须至少公示 1 年（国办发〔2025〕22号）。", "serious negative information must be published for at least 1 year (State Council Office, Guo Ban Fa 2025 No. 22).";

    "change.create" => "发布", "Published";
    "change.correct" => "更正", "Corrected";
    "change.withdraw" => "撤回", "Withdrawn";
    "change.suspend" => "暂停公示", "Publication suspended";
    "change.restore" => "恢复公示", "Publication restored";
    "change.repair" => "信用修复", "Credit repaired";
    "change.archive" => "归档", "Archived";
    "change.delete" => "删除", "Deleted";

    "dash.title" => "我的信用", "My credit";
    "dash.hello" => "您好，", "Hello, ";
    "punct.colon" => "：", ": ";
    "dash.after_signup" => "账号已创建。下一步：绑定您的企业或个人身份（实名认证），才能看到您的记录。", "Your account has been created. Next, link it to your enterprise or to yourself (identity binding) to see your records.";
    "dash.unbound.title" => "还没有绑定主体", "No enterprise or person linked yet";
    "dash.unbound.text" => "绑定后，您可以查看自己的全部信用记录。企业通过统一社会信用代码和发送到登记联系人的验证码绑定；个人通过姓名、身份证号和验证码绑定。", "Once linked, you can see all your credit records. An enterprise is linked with its unified social credit code and a code sent to its registered contact; a person with their name, ID number and a code.";
    "dash.records" => "信用记录", "Credit records";
    "dash.under_objection" => "异议处理中", "Under objection";
    "dash.repairable" => "可申请修复", "Can be repaired";
    "dash.all_records" => "查看全部记录", "See all records";
    "dash.pending" => "待您确认的授权请求", "Consent requests waiting for you";
    "dash.none_pending" => "没有待确认的请求。", "No requests are waiting.";
    "dash.active" => "有效的授权", "Consents in force";
    "dash.none_active" => "您没有授权任何机构查询。", "You have not given any agency consent.";

    "consents.title" => "查询授权", "Consents";
    "consents.pending" => "待您确认", "Waiting for you";
    "consents.active" => "有效", "In force";
    "consents.past" => "已结束", "Ended";
    "consents.none" => "没有。", "None.";

    "consent.until" => "有效至", "until";
    "consent.what" => "可以查看", "What they may see";
    "consent.how_often" => "查询次数", "How often";
    "consent.when" => "有效期", "When";
    "consent.uses" => "已查询次数", "Times used";
    "consent.purpose_text" => "用途说明", "Purpose in words";
    "consent.mode.one_time" => "只能查询一次", "Once only";
    "consent.mode.periodic" => "每月可查询多次（有上限）", "Several times a month, up to a limit";
    "consent.mode.periodic_cap" => "每月最多查询次数：", "Times a month at most:";
    "consent.approve" => "同意", "Approve";
    "consent.deny" => "拒绝", "Refuse";
    "consent.revoke" => "撤销授权", "Revoke";
    "consent.renew" => "续期一年", "Renew for a year";
    "consent.receipt" => "下载签名回执", "Download the signed receipt";
    "consent.done.granted" => "授权已生效。您可以随时撤销。", "Your consent is in force. You can revoke it at any time.";
    "consent.done.revoked" => "授权已撤销。从现在起，该机构不能再凭这项授权查询。", "Consent revoked. From now on the agency cannot query under it.";
    "consent.done.approved" => "您已同意这项请求。", "You approved the request.";
    "consent.done.denied" => "您已拒绝这项请求。", "You refused the request.";
    "consent.done.renewed" => "授权已续期。", "Consent renewed.";
    "consent.failed.title" => "没有完成", "That did not work";
    "consent.grant.title" => "授权机构查询", "Give an agency consent";
    "consent.grant.lead" => "授权后，这家机构可以在有效期内、为您选择的用途，查看您选择的信息类别。每次查询都会记录，您可以在“谁查看了我的信息”中看到。", "With your consent, this agency may see the kinds of information you choose, for the purpose you choose, until the date you choose. Every query is logged and shown to you under “Who saw my data”.";
    "consent.grant.revocable" => "您可以随时撤销授权，撤销后立即生效。", "You can revoke your consent at any time; it takes effect at once.";
    "consent.grant.button" => "确认授权", "Give consent";
    "consent.field.agency" => "机构的统一社会信用代码", "The agency's unified social credit code";
    "consent.field.agency.hint" => "18 位，例如 91350100MA2Y0XXXXX。可以向机构索取。", "18 characters, for example 91350100MA2Y0XXXXX. Ask the agency for it.";
    "consent.field.purpose" => "用途", "What it is for";
    "consent.field.purpose_text" => "用途说明（选填）", "Purpose in your words (optional)";
    "consent.field.purpose_text.hint" => "例如贷款申请编号。选择“其他”时必须填写。", "For example the loan application number. Required if you chose “other”.";
    "consent.field.scope" => "可以查看哪些信息", "What they may see";
    "consent.field.scope.hint" => "选择一项或多项。公开的信息任何人都能看到，不需要授权。", "Choose one or more. Public information can be seen by anyone without consent.";
    "consent.field.mode" => "可以查询几次", "How often they may query";
    "consent.field.cap" => "每月最多查询次数", "Most queries in a month";
    "consent.field.cap.hint" => "只在“每月可查询多次”时填写，1 到 100。", "Only for “several times a month”: 1 to 100.";
    "consent.field.until" => "有效期至（选填）", "Valid until (optional)";
    "consent.field.until.hint" => "不填则有效一年；最长 3 年。", "If left empty, one year; at most 3 years.";
    "consent.err.agency_missing" => "请填写机构的统一社会信用代码。", "Enter the agency's unified social credit code.";
    "consent.err.purpose_missing" => "请选择用途。", "Choose what the consent is for.";
    "consent.err.date" => "请按 年-月-日 填写日期，例如 2027-03-31。", "Enter a date as year-month-day, for example 2027-03-31.";
    "consent.revoke.title" => "撤销这项授权？", "Revoke this consent?";
    "consent.revoke.effect1" => "从现在起，该机构不能再凭这项授权查询您的信息。", "From now on the agency cannot query your information under this consent.";
    "consent.revoke.effect2" => "撤销前已经进行的查询不受影响，仍会保留在查询记录中。", "Queries made before remain, and stay in your query log.";
    "consent.revoke.effect3" => "该机构会收到撤销通知。如需再次授权，需要重新办理。", "The agency is told. To allow it again you will need to give consent again.";
    "consent.revoke.confirm" => "确认撤销", "Yes, revoke it";
    "form.cancel" => "取消", "Cancel";

    "log.title" => "谁查看了我的信息", "Who saw my data";
    "log.lead" => "每次有机构或部门查看您不公开的信息，都会记录在这里，至少保存 3 年。", "Every time an agency or department sees your non-public information it is recorded here and kept for at least 3 years.";
    "log.empty" => "还没有人查看过您不公开的信息。", "No one has seen your non-public information yet.";
    "log.when" => "时间", "When";
    "log.who" => "查询方", "Who";
    "log.purpose" => "用途", "Purpose";
    "log.consent" => "授权", "Consent";
    "log.seen" => "看到的记录", "Records seen";
    "log.with_consent" => "凭您的授权", "Under your consent";
    "log.without_consent" => "无需授权", "No consent needed";
    "log.operator" => "公共信用信息中心", "Public credit centre";
    "log.other" => "其他", "Other";
    "log.nothing" => "只查看了主体信息", "Only who you are";

    "signin.title" => "登录", "Sign in";
    "signin.button" => "登录", "Sign in";
    "signin.no_account" => "还没有账号？", "No account yet?";
    "signin.email_missing" => "请填写电子邮箱。", "Enter your email address.";
    "signin.password_missing" => "请填写密码。", "Enter your password.";
    "signin.invalid" => "电子邮箱或密码不正确。", "The email address or password is not right.";
    "signin.throttled" => "尝试次数太多。请 15 分钟后再试。", "Too many attempts. Try again in 15 minutes.";
    "signin.after_signup" => "账号已创建，请登录。", "Your account has been created. Sign in.";
    "signin.after_signout" => "您已退出登录。", "You have signed out.";
    "signup.title" => "创建账号", "Create an account";
    "signup.lead" => "企业和个人用账号查看自己的信用记录。创建账号后，还需要绑定您的企业或个人身份。", "Enterprises and people use an account to see their own credit records. After creating it, you link it to your enterprise or to yourself.";
    "signup.button" => "创建账号", "Create account";
    "signup.name_missing" => "请填写您的姓名或称呼。", "Enter your name.";
    "signout.title" => "退出登录", "Sign out";
    "signout.everywhere" => "同时退出所有设备上的登录", "Also sign out on every other device";
    "field.email" => "电子邮箱", "Email address";
    "field.email.hint" => "我们会把通知发送到这个邮箱。", "We send notices to this address.";
    "field.password" => "密码", "Password";
    "field.new_password" => "设置密码", "Choose a password";
    "field.new_password.hint" => "至少 10 个字符。几个不相关的词组合起来就很安全。", "At least 10 characters. A few unrelated words make a strong one.";
    "field.display_name" => "姓名或称呼", "Your name";
    "field.display_name.hint" => "显示在页面和邮件中。", "Shown on pages and in emails.";
    "field.language" => "页面和邮件的语言", "Language for pages and email";

    "form.problem" => "请修改以下问题", "There is a problem";
    "form.error_prefix" => "错误：", "Error: ";
    "uerr.generic" => "这一项填写不正确，请检查后重试", "This answer is not accepted; check it and try again";
    "uerr.email_invalid" => "请填写正确的电子邮箱，例如 name@example.com。", "Enter an email address like name@example.com.";
    "uerr.email_taken" => "这个邮箱已经注册。请直接登录。", "This email address already has an account. Sign in instead.";
    "uerr.password_weak" => "密码至少 10 个字符，不能包含邮箱，也不能是常见密码。", "Use at least 10 characters, not your email address and not a common password.";
    "uerr.required" => "请填写这一项。", "Fill this in.";
    "uerr.display_name" => "请填写 1 到 100 个字的姓名或称呼。", "Enter a name of 1 to 100 characters.";
    "uerr.agency_unknown" => "没有找到使用这个代码的在营征信机构。请检查代码。", "No active credit agency has this code. Check the code.";
    "uerr.uscc_invalid" => "代码格式不正确：应为 18 位统一社会信用代码。", "This is not a valid 18-character unified social credit code.";
    "uerr.purpose_unknown" => "请选择一项用途。", "Choose a purpose.";
    "uerr.purpose_text_required" => "选择“其他”时，请说明用途。", "Say what it is for when you choose “other”.";
    "uerr.scope_empty" => "请至少选择一类信息。", "Choose at least one kind of information.";
    "uerr.monthly_cap" => "请填写 1 到 100 之间的整数。", "Enter a whole number from 1 to 100.";
    "uerr.valid_until" => "日期须晚于今天，且不超过 3 年。", "The date must be after today and no more than 3 years away.";

    "err.not_found.title" => "找不到这个页面", "Page not found";
    "err.not_found.text" => "网址可能有误，或者您无权查看这个页面。", "The address may be wrong, or you may not be allowed to see this page.";
    "err.csrf.title" => "表单已过期", "This form has expired";
    "err.csrf.text" => "为了您的安全，这个表单没有提交。请返回上一页，刷新后重试。", "For your safety the form was not sent. Go back, reload the page and try again.";
    "err.rate.title" => "请求太频繁", "Too many requests";
    "err.rate.text" => "请稍等一会儿再试。", "Wait a moment and try again.";
    "err.internal.title" => "服务暂时出了问题", "Sorry, there is a problem with the service";
    "err.internal.text" => "请稍后再试。您填写的内容没有提交。", "Try again later. Nothing you entered was sent.";

    "help.start" => "查看我的信用记录", "See my credit records";
    "help.objection.title" => "如何提出异议", "How to object to a record";
    "help.objection.1" => "如果您认为关于您的信用记录有错误或遗漏，可以登录后在这条记录的页面提出异议，并上传证明材料。", "If you think a record about you is wrong or incomplete, sign in, open the record and object to it, with your evidence.";
    "help.objection.2" => "平台在收到后 3 个工作日内完成初步核查（《福建省公共信用信息管理暂行办法》第四十四条）。需要提供单位核实的，提供单位在 20 个工作日内核实，平台在核实后 2 个工作日内告诉您结果。", "The platform makes a first check within 3 working days of receiving it (Fujian Measures, Art. 44). If the providing department must verify, it has 20 working days, and you are told the result within 2 working days after.";
    "help.objection.3" => "异议处理期间，这条记录暂停向社会公示（第四十五条）。", "While your objection is handled, the record is not published (Art. 45).";
    "help.objection.4" => "每一步都会发送通知到您的收件箱和邮箱，并显示剩余的法定期限。", "Each step is sent to your inbox and email, with the time left under the rules.";
    "help.repair.title" => "如何申请信用修复", "How to apply for credit repair";
    "help.repair.1" => "信用修复是指纠正失信行为后，申请停止公示相关记录。", "Credit repair means asking for a record to stop being published after you have put things right.";
    "help.repair.2" => "行政处罚信息须先满足最短公示期：一般失信信息 3 个月，严重失信信息 1 年；轻微处罚履行完毕即可申请（国办发〔2025〕22号）。", "Penalties must first have been published for a minimum period: 3 months for general, 1 year for serious; minor penalties once fulfilled (State Council Office, Guo Ban Fa 2025 No. 22).";
    "help.repair.3" => "申请时需要上传履行义务的证明，并签署信用承诺书。", "You upload proof that you have met your obligations and sign a credit commitment.";
    "help.repair.4" => "平台在收到后 20 个工作日内作出决定并告诉您（《福建省公共信用信息管理暂行办法》第四十二条）。", "The platform decides within 20 working days of receiving it and tells you (Fujian Measures, Art. 42).";
    "help.consent.title" => "授权查询是什么意思", "What consent means";
    "help.consent.1" => "您不公开的信用信息，只有得到您的授权，征信机构才能查询。个人的信息从不向社会公开。", "Credit agencies can see your non-public information only with your consent. Information about individuals is never public.";
    "help.consent.2" => "授权时您决定：哪家机构、用于什么用途、可以看哪些类别的信息、可以查几次、到什么时候为止。", "When you give consent you decide which agency, for what purpose, which kinds of information, how often and until when.";
    "help.consent.3" => "每次查询都会记录下来，您可以在“谁查看了我的信息”中看到。", "Every query is recorded, and you can see it under “Who saw my data”.";
    "help.consent.4" => "您可以随时撤销授权，撤销立即生效。每项授权都有平台签名的回执，可以下载保存。", "You can revoke consent at any time, with effect at once. Each consent has a receipt signed by the platform that you can download.";

    "bind.title" => "绑定企业或个人（实名认证）", "Link an enterprise or yourself";
    "bind.lead" => "我们会把验证码发送到登记在案的联系人邮箱。企业填写统一社会信用代码；个人填写身份证号和姓名。", "We send a code to the contact registered on file. For an enterprise, give its unified social credit code; for yourself, your ID number and name.";
    "bind.field.identifier" => "统一社会信用代码或身份证号", "Unified social credit code or ID number";
    "bind.field.identifier.hint" => "18 位。", "18 characters.";
    "bind.field.name" => "姓名（个人必填）", "Name (required for a person)";
    "bind.field.name.hint" => "与身份证上的姓名一致。", "As on the identity card.";
    "bind.send" => "发送验证码", "Send the code";
    "bind.code.title" => "输入验证码", "Enter the code";
    "bind.sent_to" => "验证码已发送到", "We sent the code to";
    "bind.field.code" => "6 位验证码", "6-digit code";
    "bind.field.code.hint" => "验证码 15 分钟内有效。", "The code works for 15 minutes.";
    "bind.confirm" => "确认绑定", "Link";
    "bind.err.identifier" => "请填写统一社会信用代码或身份证号。", "Enter a unified social credit code or ID number.";
    "bind.err.code" => "请输入 6 位数字验证码。", "Enter the 6-digit code.";
    "bind.err.code_wrong" => "验证码不正确。请检查邮件中的验证码。", "The code is not right. Check the code in the email.";
    "bind.err.expired" => "验证码已失效。请重新发送验证码。", "The code no longer works. Send a new one.";
    "dash.after_bind" => "绑定成功。现在可以看到您的全部记录。", "Linked. You can now see all your records.";
    "dash.cases" => "办理中的异议", "Open objections";

    "objection.title" => "对这条记录提出异议", "Object to this record";
    "objection.lead" => "说明哪里不对、应该是什么，并上传证明材料。提交后这条记录立即暂停公示。", "Say what is wrong and what it should say, and upload your evidence. The record stops being shown at once.";
    "objection.field.reason" => "异议理由", "Why it is wrong";
    "objection.field.statement" => "具体说明", "What is wrong, and what it should say";
    "objection.field.statement.hint" => "最多 5000 字。", "Up to 5,000 characters.";
    "objection.field.evidence" => "证明材料（选填）", "Evidence (optional)";
    "objection.field.evidence.hint" => "PDF、JPEG 或 PNG，每个不超过 1 MB，最多 5 个。", "PDF, JPEG or PNG, up to 1 MB each, at most 5 files.";
    "objection.button" => "提交异议", "Send the objection";
    "objection.err.reason" => "请选择异议理由。", "Choose why the record is wrong.";
    "objection.err.statement" => "请说明哪里不对。", "Say what is wrong.";
    "objection.err.too_big" => "文件不能超过 1 MB。", "Each file must be 1 MB or smaller.";
    "objection.err.too_many" => "最多上传 5 个文件。", "Upload at most 5 files.";
    "objection.err.upload" => "文件没有上传成功，请重试。", "The file could not be uploaded. Try again.";
    "reason.factual_error" => "内容与事实不符", "The facts are wrong";
    "reason.omission" => "信息有遗漏", "Something is missing";
    "reason.duplicate" => "重复记录", "It is a duplicate";
    "reason.should_not_be_public" => "不应公开", "It should not be public";
    "reason.past_publication_period" => "已超过公示期", "Its publication period is over";
    "reason.wrongly_listed" => "不应列入名单", "I should not be on the list";
    "reason.mismatch_with_authority" => "与原始决定不一致", "It does not match the original decision";
    "reason.other_unlawful" => "其他违法情形", "Another unlawful reason";

    "case.title" => "异议", "Objection";
    "case.record" => "涉及记录", "Record";
    "case.received" => "收到时间", "Received";
    "case.outcome_reason" => "处理理由", "Reasons";
    "case.clocks" => "法定期限", "Statutory deadlines";
    "case.timeline" => "办理过程", "What has happened";
    "case.evidence" => "证明材料", "Evidence";
    "case.no_evidence" => "没有上传材料。", "No files uploaded.";
    "case.status.received" => "已收到，平台初步核查中", "Received: the platform is checking it";
    "case.status.referred" => "已转提供单位核实", "Sent to the providing department to verify";
    "case.status.decided" => "已办结", "Decided";
    "case.status.withdrawn" => "已撤回", "Withdrawn";
    "case.outcome.corrected" => "提供单位已更正记录", "the department corrected the record";
    "case.outcome.deleted" => "无法核实，记录已删除", "it could not be verified, so the record was deleted";
    "case.outcome.upheld" => "记录无误，恢复公示", "the record is right and is shown again";
    "case.outcome.silent" => "提供单位逾期未答复，记录停止查询", "the department did not answer in time, so the record is withdrawn from query";
    "case.outcome.platform" => "平台差错，已更正", "a platform error, corrected";
    "case.done.filed" => "异议已提交。记录已暂停公示，进展会通知您。", "Your objection has been sent. The record is no longer shown, and you will be told of each step.";
    "case.done.withdrawn" => "异议已撤回，记录恢复公示。", "Objection withdrawn; the record is shown again.";
    "case.done.checked" => "已转提供单位核实。", "Sent to the providing department.";
    "case.done.decided" => "处理结果已记录并通知申请人。", "Decision recorded; the applicant is told.";
    "case.withdraw.title" => "撤回异议", "Withdraw the objection";
    "case.withdraw.text" => "撤回后，记录恢复公示，期限停止计算。", "If you withdraw, the record is shown again and the clock stops.";
    "case.withdraw.button" => "撤回异议", "Withdraw";
    "case.note" => "备注（选填）", "Note (optional)";
    "case.check.title" => "初步核查", "First check";
    "case.check.decision" => "核查结论", "Outcome of the check";
    "case.check.refer" => "转提供单位核实（20 个工作日）", "Send to the providing department to verify (20 working days)";
    "case.check.button" => "提交", "Submit";
    "case.decide.title" => "核实结果", "Your answer";
    "case.decide.answer" => "核实结论", "What you found";
    "case.decide.uphold" => "记录无误，维持", "The record is right: keep it";
    "case.decide.delete" => "无法核实，删除记录", "It cannot be verified: delete it";
    "case.decide.reason" => "理由", "Reasons";
    "case.decide.reason.hint" => "会告知申请人。", "The applicant is told these.";
    "case.decide.button" => "提交结论", "Send the answer";
    "case.decide.missing" => "请选择结论并填写理由。", "Choose an answer and give the reasons.";
    "deadline.by" => "期限", "Due";
    "deadline.met" => "已按期完成", "Done in time";
    "deadline.missed" => "已逾期", "Missed";
    "deadline.cancelled" => "已取消", "Cancelled";
    "milestone.first_check" => "平台初步核查", "Platform's first check";
    "milestone.own_error_notify" => "告知申请人（平台差错）", "Tell the applicant (platform error)";
    "milestone.provider_verification" => "提供单位核实", "Department verifies";
    "milestone.applicant_notify" => "告知申请人结果", "Tell the applicant the result";
    "milestone.repair_decision" => "修复决定", "Repair decision";
    "milestone.complaint_handling" => "投诉处理", "Complaint handled";
    "event.received" => "已收到", "Received";
    "event.record_withheld" => "记录暂停公示", "Record withheld from disclosure";
    "event.referred" => "转提供单位核实", "Sent to the department";
    "event.upheld" => "维持原记录", "Record upheld";
    "event.corrected" => "提供单位更正", "Corrected by the department";
    "event.platform_corrected" => "平台更正", "Corrected by the platform";
    "event.deleted" => "无法核实，已删除", "Deleted: could not be verified";
    "event.silent" => "提供单位逾期未答复", "Department did not answer in time";
    "event.applicant_notified" => "已告知申请人", "Applicant told";
    "event.withdrawn" => "申请人撤回", "Withdrawn by the applicant";
    "event.evidence_added" => "补充材料", "Evidence added";
    "event.reminder_sent" => "已发送提醒", "Reminder sent";
    "event.escalated" => "逾期上报", "Escalated as overdue";
    "event.commitment_accepted" => "接受信用承诺", "Credit commitment accepted";
    "event.approved" => "准予修复", "Repair granted";
    "event.rejected" => "不予修复", "Repair refused";
    "event.record_withdrawn" => "提供单位撤回记录", "Record withdrawn by the department";
    "event.founded" => "投诉成立", "Complaint founded";
    "event.unfounded" => "投诉不成立", "Complaint not founded";
    "complaint.title" => "投诉", "Complaint";
    "complaint.section" => "投诉", "Complain about how this was handled";
    "complaint.form.lead.objection" => "如果您认为这项异议的处理有误，可以向平台投诉。平台会在期限内答复，进展会通知您。", "If you think this objection was handled wrongly, you can complain to the platform. It answers within the period shown on the complaint, and tells you of each step.";
    "complaint.form.lead.repair" => "如果您认为不予修复的决定有误，可以向平台投诉。平台会在期限内答复，进展会通知您。", "If you think the refusal to repair was wrong, you can complain to the platform. It answers within the period shown on the complaint, and tells you of each step.";
    "complaint.field.statement" => "投诉内容", "Your complaint";
    "complaint.field.statement.hint" => "说明哪里处理不当、为什么，以及您希望平台怎么做。", "Say what was handled wrongly and why, and what you want the platform to do.";
    "complaint.button" => "提交投诉", "Send the complaint";
    "complaint.err.statement" => "请填写投诉内容。", "Write your complaint.";
    "complaint.err.not_allowed" => "只有异议被维持原记录或修复申请被驳回后才能投诉。", "You can complain only once an objection kept the record or a repair application was refused.";
    "complaint.err.open" => "关于这件事的投诉正在处理中。", "A complaint about this is already being handled.";
    "complaint.err.founded" => "请选择投诉是否成立。", "Choose whether the complaint is founded.";
    "complaint.err.reason" => "请填写理由。", "Give the reasons.";
    "complaint.status.received" => "已收到，平台处理中", "Received: the platform is looking into it";
    "complaint.status.decided" => "已答复", "Answered";
    "complaint.outcome.founded" => "投诉成立，平台将督促纠正", "founded: the platform will see that it is put right";
    "complaint.outcome.unfounded" => "投诉不成立", "not founded";
    "complaint.about" => "投诉的事项", "About";
    "complaint.decided" => "答复时间", "Answered";
    "complaint.decide.title" => "答复投诉", "Answer the complaint";
    "complaint.decide.founded" => "投诉是否成立", "Is the complaint founded?";
    "complaint.decide.button" => "提交答复", "Send the answer";
    "complaint.done.filed" => "投诉已提交，平台会在期限内答复。", "Your complaint has been sent. The platform will answer within the period shown.";
    "complaint.done.decided" => "答复已记录并通知投诉人。", "Answer recorded; the complainant is told.";

    "inbox.title" => "收件箱", "Inbox";
    "inbox.new" => "新", "New";
    "inbox.unread" => "未读", "Unread";
    "inbox.unread_short" => "条未读", "unread";
    "inbox.read_at" => "已读于", "Read";
    "inbox.open" => "查看详情", "Open";
    "settings.title" => "设置", "Settings";
    "settings.query_notices" => "有机构查询我的信息时", "When an agency queries my information";
    "settings.qn.each" => "每次都通知我", "Tell me every time";
    "settings.qn.daily" => "每天汇总通知一次", "Once a day, in a summary";
    "settings.qn.none" => "不通知（仍可在查询记录中查看）", "Do not tell me (the query log still shows it)";
    "settings.email" => "邮件通知", "Email";
    "settings.email.cases" => "异议、修复和期限的邮件", "Emails about objections, repair and deadlines";
    "settings.email.consents" => "授权相关的邮件", "Emails about consents";
    "settings.save" => "保存", "Save";
    "settings.saved" => "设置已保存。", "Settings saved.";
    "staff.queue.empty" => "没有待办案件。", "Nothing to handle.";
    "staff.queue.kind" => "类型", "Kind";
    "staff.queue.clock" => "剩余时间", "Time left";
    "uerr.name_required" => "个人绑定需要填写姓名。", "Enter the person's name.";
    "uerr.binding_not_matched" => "代码（或姓名与身份证号）与登记信息不一致。", "The code (or the name and ID number) does not match what is registered.";
    "uerr.binding_no_contact" => "登记信息中没有联系人邮箱。请携带证明材料申请人工核验。", "There is no contact on file. Ask for a document check instead.";
    "uerr.already_bound" => "您已经绑定了这个主体。", "You are already linked to it.";
    "uerr.attachment_type" => "只能上传 PDF、JPEG 或 PNG 文件。", "Upload PDF, JPEG or PNG files only.";
    "uerr.statement_long" => "说明不能超过 5000 字。", "Use 5,000 characters or fewer.";
    "uerr.objection_open" => "这条记录已经有一个正在办理的异议。", "This record already has an objection in progress.";
    "uerr.case_not_open" => "这个案件已经办结。", "This case is already closed.";

    "content.yes" => "是", "Yes";
    "content.no" => "否", "No";
    "repair.apply" => "申请信用修复", "Apply for credit repair";
    "repair.eligible_from" => "可以申请信用修复的日期：", "You can apply for credit repair from";
    "repair.not_now" => "这条记录现在不能申请信用修复。", "This record cannot be repaired now.";
    "repair.title" => "申请信用修复", "Apply for credit repair";
    "repair.lead" => "请阅读下面的信用承诺书。勾选接受、填写签署人并上传已履行义务的证明后提交。平台在 20 个工作日内作出决定。", "Read the credit commitment below. Accept it, say who signs it, upload proof that the obligations are met, and send. The platform decides within 20 working days.";
    "repair.letter" => "信用承诺书", "Credit commitment";
    "repair.field.accept" => "我已阅读并接受上述信用承诺书", "I have read and accept the credit commitment above";
    "repair.field.accepted_by" => "签署人", "Signed by";
    "repair.field.accepted_by.hint" => "法定代表人或授权代理人的姓名", "The name of the legal representative or authorised agent";
    "repair.field.statement" => "情况说明（可选）", "Statement (optional)";
    "repair.field.statement.hint" => "说明您如何纠正了失信行为、履行了哪些义务。", "Say how you put things right and which obligations you met.";
    "repair.field.proofs" => "履行义务的证明", "Proof that the obligations are met";
    "repair.field.proofs.hint" => "PDF、JPEG 或 PNG，最多 5 个文件，每个不超过 1 MB。", "PDF, JPEG or PNG; up to 5 files of 1 MB each.";
    "repair.button" => "提交修复申请", "Send the application";
    "repair.err.accept" => "请勾选接受信用承诺书。", "Accept the credit commitment.";
    "repair.err.accepted_by" => "请填写签署人姓名。", "Enter who signs the commitment.";
    "repair.err.proofs" => "请上传至少一份证明。", "Upload at least one proof.";
    "repair.err.letter_changed" => "承诺书内容已更新，请重新阅读后再提交。", "The commitment text has changed. Read it again and send.";
    "repair.err.open" => "这条记录已经有一个正在办理的修复申请。", "This record already has a repair application in progress.";
    "repair.application" => "信用修复申请", "Credit repair application";
    "repair.accepted" => "承诺书签署", "Commitment accepted by";
    "repair.proofs" => "证明材料", "Proof";
    "repair.outcome.approved" => "准予修复", "repair granted";
    "repair.outcome.rejected" => "不予修复", "repair refused";
    "repair.done.filed" => "修复申请已提交。平台会在 20 个工作日内作出决定，并通知您。", "Your application has been sent. The platform decides within 20 working days and tells you.";
    "forgot.title" => "忘记密码", "Forgotten your password?";
    "forgot.lead" => "填写您注册时使用的电子邮箱，我们会发送一个重设密码的链接。", "Enter the email address you signed up with and we will send you a link to choose a new password.";
    "forgot.button" => "发送链接", "Send the link";
    "forgot.sent.title" => "请查收邮件", "Check your email";
    "forgot.sent.text" => "如果这个邮箱对应一个账号，我们已经发送了重设密码的链接。链接只能使用一次，并在一段时间后失效。", "If an account has this email address, we have sent it a link to choose a new password. The link works once and expires after a while.";
    "reset.title" => "设置新密码", "Choose a new password";
    "reset.button" => "保存新密码", "Save the new password";
    "reset.again" => "重新获取链接", "Get a new link";
    "reset.bad.title" => "链接无效或已过期", "The link has expired or does not work";
    "reset.bad.text" => "这个重设密码的链接已经用过、已过期或不完整。请重新获取链接。", "This password reset link has been used, has expired or is incomplete. Ask for a new one.";
    "signin.after_reset" => "密码已更新，所有设备都已退出登录。请用新密码登录。", "Your password has been changed and every device signed out. Sign in with the new password.";
    "staff.overdue" => "逾期的办理期限", "Overdue case milestones";
    "staff.overdue.lead" => "已超过法定期限仍未完成的环节，逾期最久的排在最前。", "Milestones past their statutory last day, most overdue first.";
    "staff.complaint" => "投诉", "Complaint";
    "staff.emails" => "发送失败的邮件", "Failed emails";
    "staff.emails.lead" => "已放弃发送或正在重试的邮件。重新发送会立即再试，并重新计算尝试次数；已发送的邮件不会重复发送。", "Emails given up on or still being retried. Sending again tries at once with a fresh set of attempts; a sent email is never sent twice.";
    "staff.emails.none" => "没有发送失败的邮件。", "No failed emails.";
    "email.subject" => "邮件", "Email";
    "email.error" => "最近一次错误", "Last error";
    "email.action" => "操作", "Action";
    "email.dead" => "已放弃", "Given up";
    "email.retrying" => "重试中", "Retrying";
    "email.next" => "下次尝试：", "Next attempt:";
    "email.attempts" => "尝试次数：", "Attempts:";
    "email.retry" => "重新发送", "Send again";
    "email.retried" => "邮件已重新排队发送。", "The email is queued to be sent again.";
    "verify.title" => "验证电子邮箱", "Verify your email address";
    "verify.text" => "点击下面的按钮，确认这个电子邮箱属于您。", "Press the button to confirm that this email address is yours.";
    "verify.button" => "验证", "Verify";
    "verify.bad.title" => "链接无效或已过期", "The link has expired or does not work";
    "verify.bad.text" => "这个验证链接已经用过、已过期或不完整。登录后可以在设置中重新发送。", "This verification link has been used, has expired or is incomplete. Sign in to send a new one.";
    "verify.done.title" => "电子邮箱已验证", "Email address verified";
    "verify.done.text" => "谢谢。您的电子邮箱已经验证。", "Thank you. Your email address is verified.";
    "log.channel" => "渠道", "Channel";
    "log.channel.portal" => "门户网站", "Portal";
    "log.channel.api" => "接口", "API";
    "log.channel.cli" => "命令行", "Command line";
    "staff.title" => "工作台", "Workbench";
    "staff.role.operator" => "平台运营", "Platform operator";
    "staff.queue" => "待办案件", "Cases to handle";
    "staff.queue.text" => "本部门的异议和修复申请按到期时间排列，逾期的排在最前。", "Your department's objections and repair applications, by due time, overdue first.";
    "staff.oversight" => "监督", "Oversight";
    "staff.late" => "逾期报送的双公示信息", "Late 双公示 submissions";
    "staff.late.lead" => "行政许可和行政处罚信息应在作出决定后 7 个工作日内报送公示。", "Licences and penalties must be submitted for publication within 7 working days of the decision.";
    "staff.agencies" => "征信机构和接入客户端", "Agencies and API clients";
    "submit.workbench" => "报送信用记录", "Credit records";
    "submit.workbench.text" => "没有自己业务系统的部门，可以在这里逐条报送、更正和撤回本部门的信用记录。", "If your department has no system of its own, submit, correct and withdraw its credit records here, one at a time.";
    "submit.new" => "报送一条记录", "Submit a record";
    "submit.list.title" => "本部门的记录", "Our records";
    "submit.list.none" => "本部门还没有报送记录。", "Your department has not submitted any records yet.";
    "submit.list.more" => "更早的记录", "Older records";
    "submit.filter" => "筛选", "Filter";
    "submit.col.action" => "操作", "Action";
    "submit.late" => "逾期报送", "sent late";
    "submit.version" => "版本 ", "Version ";
    "submit.withdraw" => "撤回", "Withdraw";
    "submit.done.accepted" => "记录已报送", "The record has been submitted";
    "submit.done.corrected" => "记录已更正，保留了更正前的版本", "The record has been corrected; the earlier version is kept";
    "submit.done.unchanged" => "这条记录已经报送过，内容相同，没有任何变化", "This record was already submitted with the same content: nothing changed";
    "submit.done.withdrawn" => "记录已撤回，不再公示", "The record has been withdrawn and is no longer published";
    "submit.choose.title" => "选择记录类别", "Choose the kind of record";
    "submit.choose.lead" => "选择与这条记录相符的类别。下一页会列出这个类别需要填写的内容。", "Choose the category the record belongs to. The next page asks for what that category needs.";
    "submit.choose.again" => "重新选择类别", "Choose another category";
    "submit.continue" => "继续", "Continue";
    "submit.tag.red" => "红名单", "red list";
    "submit.tag.black" => "黑名单", "black list";
    "submit.tag.double" => "双公示：决定后 7 个工作日内报送", "双公示: submit within 7 working days of the decision";
    "submit.form.title" => "报送记录", "Submit a record";
    "submit.form.lead" => "标明“选填”的可以不填，其余都要填写。提交后平台会逐项检查，有问题的地方会在该项旁边说明，已填写的内容会保留。", "Answer every question not marked optional. The platform checks the whole record when you submit it; anything to fix is shown next to its question, and what you typed is kept.";
    "submit.optional" => "（选填）", " (optional)";
    "submit.not_given" => "不填写", "Not given";
    "submit.yes" => "是", "Yes";
    "submit.no" => "否", "No";
    "submit.section.subject" => "记录对象", "Who the record is about";
    "submit.section.record" => "决定", "The decision";
    "submit.section.content" => "记录内容", "Details of the record";
    "submit.section.basis" => "决定文书", "The decision document";
    "submit.section.disclosure" => "公开方式", "Who may see the record";
    "submit.section.correction" => "更正已报送的记录", "Correcting a record you submitted before";
    "submit.field.identifier" => "统一社会信用代码或身份证号码", "Unified social credit code or ID number";
    "submit.field.identifier.hint" => "企业和组织填写 18 位统一社会信用代码，个人填写 18 位居民身份证号码。平台会核对最后一位校验码。", "For an organisation, the 18-character unified social credit code; for a person, the 18-character resident ID number. The platform checks the last character.";
    "submit.field.subject_name" => "名称或姓名", "Name";
    "submit.field.subject_name.hint" => "与登记的名称或身份证上的姓名一致。", "As registered, or as on the ID card.";
    "submit.field.source_ref" => "本部门的记录编号", "Your reference for the record";
    "submit.field.source_ref.hint" => "本部门自己的编号，例如 SCJG-2026-900102，在本部门内不能重复。用同一编号再次报送，平台视为对原记录的更正。", "Your department's own number for the record, for example SCJG-2026-900102. Use each number once: submitting the same number again corrects that record.";
    "submit.field.title" => "记录标题", "Title";
    "submit.field.title.hint" => "用一句话说明这条记录，例如“销售超过保质期的食品”。", "One line that says what the record is, for example \"Sold food past its use-by date\".";
    "submit.field.decided_on" => "决定日期", "Date of the decision";
    "submit.hint.date" => "格式为 年-月-日，例如 2026-06-18", "As year-month-day, for example 2026-06-18";
    "submit.field.conduct_ended" => "行为终止日期", "Date the conduct ended";
    "submit.field.conduct_ended.hint" => "从这一天起计算 5 年公示期。格式为 年-月-日。", "The 5-year publication period runs from this day. As year-month-day.";
    "submit.field.valid_until" => "有效期至", "Valid until";
    "submit.field.valid_until.hint" => "许可、荣誉或评价的有效期截止日。格式为 年-月-日。", "The last day a licence, honour or rating is valid. As year-month-day.";
    "submit.field.severity" => "处罚的严重程度", "How serious the penalty is";
    "submit.field.severity.hint" => "决定公示多久。", "This decides how long it is published.";
    "submit.severity.minor" => "轻微", "Minor";
    "submit.severity.minor.hint" => "最多公示 3 个月", "Published for at most 3 months";
    "submit.severity.general" => "一般", "General";
    "submit.severity.general.hint" => "公示 3 个月至 1 年", "Published for 3 months to 1 year";
    "submit.severity.serious" => "严重", "Serious";
    "submit.severity.serious.hint" => "公示 1 年至 3 年", "Published for 1 to 3 years";
    "submit.field.disclosure_end" => "公示截止日期", "Last day of publication";
    "submit.field.disclosure_end.hint" => "不填写时按规则的最长期限公示。填写的日期须在规则允许的范围内。格式为 年-月-日。", "Leave it empty to publish for the longest period the rules allow. A date you give must be within the rules. As year-month-day.";
    "submit.basis.required" => "这类记录属于警示信息或行政处罚，必须填写作出决定的文书：文书类型、文号、作出机关和生效日期。", "This kind of record is warning information or a penalty: give the document the decision was made in — its type, number, issuer and the date it took effect.";
    "submit.basis.optional" => "如果这条记录依据一份文书作出，请填写全部四项；没有文书的可以不填。", "If the record rests on a document, give all four parts; otherwise leave them empty.";
    "submit.field.basis_type" => "文书类型", "Type of document";
    "submit.field.basis_type.hint" => "例如 行政处罚决定书", "For example 行政处罚决定书 (penalty decision)";
    "submit.field.basis_number" => "文号", "Document number";
    "submit.field.basis_number.hint" => "例如 榕市监处罚〔2026〕102号", "For example 榕市监处罚〔2026〕102号";
    "submit.field.basis_issuer" => "作出机关", "Issued by";
    "submit.field.basis_effective" => "生效日期", "Date it took effect";
    "submit.field.disclosure" => "谁可以看到这条记录", "Who may see this record";
    "submit.field.disclosure.hint" => "这是记录的公开属性。关于个人的记录不能向社会公开。", "This is the record's disclosure attribute. Records about people can never be public.";
    "submit.disclosure.public" => "社会公开", "Everyone (public)";
    "submit.disclosure.public.hint" => "任何人都能在平台上查到，包括红黑名单和双公示。个人的记录不能选这一项。", "Anyone can find it on the platform, including red and black lists and 双公示. Not possible for a person.";
    "submit.disclosure.authorized" => "授权查询", "Only with the subject's consent";
    "submit.disclosure.authorized.hint" => "只有记录对象本人和得到其授权的机构可以查看。", "Only the subject and the agencies the subject has given consent to.";
    "submit.disclosure.government" => "政务共享", "Government bodies only";
    "submit.disclosure.government.hint" => "只在政府部门之间共享，每次查看都有记录。", "Shared only between government bodies; every look is logged.";
    "submit.correction.text" => "新记录不用填写这一项。如果要更正本部门已报送的记录，请使用原来的记录编号，改正需要修改的内容，并在这里说明更正原因。记录对象可以看到更正前后的内容和原因。", "Leave this empty for a new record. To correct a record your department submitted before, use its original reference, change what is wrong, and say here why it changes. The subject sees the change and your reason.";
    "submit.field.correction" => "更正原因", "Reason for the correction";
    "submit.field.correction.hint" => "最多 1000 字，例如“处罚决定书文号更正”。", "At most 1,000 characters, for example \"Decision number corrected\".";
    "submit.button" => "报送记录", "Submit the record";
    "submit.hint.number" => "填写数字，例如 50000，不要加千位分隔符", "A number, for example 50000, without thousands separators";
    "submit.hint.integer" => "填写整数，例如 2026", "A whole number, for example 2026";
    "submit.hint.minimum" => "；最小为 ", "; at least ";
    "submit.hint.max" => "最多 ", "At most ";
    "submit.hint.chars" => " 个字", " characters";
    "submit.err.category" => "请从列表中选择一个类别", "Choose a category from the list";
    "submit.err.date_missing" => "请填写日期", "Enter the date";
    "submit.err.date" => "请按 年-月-日 填写一个真实的日期，例如 2026-06-18", "Enter a real date as year-month-day, for example 2026-06-18";
    "submit.err.basis_part" => "请填写这一项（1 至 200 个字）：文书的四项需要全部填写", "Enter this (1 to 200 characters): a document needs all four parts";
    "submit.err.basis_required" => "警示信息和行政处罚必须填写决定文书：文书类型、文号、作出机关和生效日期", "Warning information and penalties need the decision document: its type, number, issuer and the date it took effect";
    "submit.err.number" => "请填写一个数字，例如 50000", "Enter a number, for example 50000";
    "submit.err.integer" => "请填写一个整数", "Enter a whole number";
    "submit.err.choose" => "请选择一项", "Choose one of the options";
    "submit.err.enter" => "请填写", "Enter: ";
    "submit.err.source_ref" => "请填写本部门的记录编号（1 至 128 个字符）", "Enter your reference for the record (1 to 128 characters)";
    "submit.err.identifier" => "这不是有效的统一社会信用代码或身份证号码，请核对后重新填写", "This is not a valid unified social credit code or ID number; check it and enter it again";
    "submit.err.identifier_check" => "最后一位校验码不对，请核对号码是否抄错", "The last (check) character does not match: check the number for a typing mistake";
    "submit.err.identifier_missing" => "请填写统一社会信用代码或身份证号码", "Enter the unified social credit code or ID number";
    "submit.err.kind" => "这个类别不适用于这类主体，请选择其他类别", "This category does not apply to this kind of subject; choose another category";
    "submit.err.subject_unknown" => "平台还没有这个主体，本部门也不能登记新主体。请联系平台运营方登记后再报送", "The platform does not know this subject yet and your department cannot register new ones. Ask the platform operator to register it, then submit again";
    "submit.err.subject_name" => "请填写名称或姓名（1 至 200 个字）", "Enter the name (1 to 200 characters)";
    "submit.err.title" => "请填写记录标题（1 至 500 个字）", "Enter a title (1 to 500 characters)";
    "submit.err.never_collect" => "平台不得采集宗教信仰、基因、指纹、血型、疾病和病史信息", "The platform may not collect religion, genes, fingerprints, blood type or medical history";
    "submit.err.future" => "日期不能晚于今天", "The date cannot be after today";
    "submit.err.order" => "这个日期不能早于决定日期", "This date cannot be before the date of the decision";
    "submit.err.severity" => "请选择处罚的严重程度", "Choose how serious the penalty is";
    "submit.err.disclosure" => "请选择谁可以看到这条记录", "Choose who may see this record";
    "submit.err.person_public" => "关于个人的记录不能向社会公开，请选择授权查询或政务共享", "Records about people can never be public: choose consent-only or government bodies only";
    "submit.err.disclosure_end" => "公示截止日期超出了规则允许的范围；不确定时请不填写", "This last day of publication is outside what the rules allow; leave it empty if unsure";
    "submit.err.correction_required" => "本部门已用这个编号报送过内容不同的记录。如果是更正，请填写更正原因；如果是新记录，请换一个编号", "Your department already submitted a different record with this reference. To correct it, give the reason; for a new record, use a new reference";
    "submit.err.correction_long" => "更正原因最多 1000 字", "The reason can have at most 1,000 characters";
    "submit.err.correction_subject" => "更正不能把记录改到另一个主体名下。请撤回原记录，再用新编号报送", "A correction cannot move a record to another subject: withdraw the record and submit a new one with a new reference";
    "submit.err.withdrawn" => "用这个编号报送的记录已撤回，不能再更正。请用新编号报送", "The record with this reference was withdrawn and cannot be corrected: use a new reference";
    "submit.err.withdrawn_already" => "这条记录已经撤回。", "This record has already been withdrawn.";
    "submit.err.withdraw_reason" => "请说明撤回的原因", "Say why the record is withdrawn";
    "submit.withdraw.title" => "撤回这条记录", "Withdraw this record";
    "submit.withdraw.text" => "撤回后，这条记录立即停止公示和查询，并连同撤回原因存档。撤回不能取消；如需重新公示，请用新编号报送。", "Once withdrawn, the record stops being published or shared at once, and is archived with your reason. You cannot undo this; to publish it again, submit it with a new reference.";
    "submit.withdraw.reason" => "撤回原因", "Why is it withdrawn?";
    "submit.withdraw.reason.hint" => "例如“行政复议决定撤销原处罚决定”。记录对象可以看到这个原因。", "For example \"The penalty was annulled on administrative review\". The subject sees this reason.";
    "submit.withdraw.button" => "撤回记录", "Withdraw the record";
    "staff.calendar" => "节假日日历", "Holiday calendar";
    "staff.rules" => "现行期限规则", "Rules in force";
    "weekday.mon" => "星期一", "Monday";
    "weekday.tue" => "星期二", "Tuesday";
    "weekday.wed" => "星期三", "Wednesday";
    "weekday.thu" => "星期四", "Thursday";
    "weekday.fri" => "星期五", "Friday";
    "weekday.sat" => "星期六", "Saturday";
    "weekday.sun" => "星期日", "Sunday";
    "cal.lead" => "工作日为星期一至星期五，扣除法定节假日，加上调休上班日（国务院办公厅每年的节假日安排通知）。所有以工作日计算的期限都按这份日历计算。", "Working days are Monday to Friday, minus the statutory holidays, plus the make-up working days of the State Council General Office's annual holiday notice. Every period in working days is counted with this calendar.";
    "cal.provisional" => "{year}年以后的日期在下一年的通知载入前按临时规则计算（只排除周末），并标为“临时”。", "Dates after {year} are computed provisionally (weekends only) and marked as such until the next year's notice is loaded.";
    "cal.year" => "{year}年", "{year}";
    "cal.notice" => "通知", "Notice";
    "cal.number" => "文号", "Document number";
    "cal.published" => "发布日期", "Published";
    "cal.loaded" => "来源", "Loaded";
    "cal.builtin" => "平台内置", "Built into the platform";
    "cal.loaded_by_operator" => "运营人员载入", "Loaded by an operator";
    "cal.day_count" => "放假天数（含周末）", "Holiday days (weekends included)";
    "cal.holidays" => "放假安排", "Holidays";
    "cal.holiday" => "节日", "Holiday";
    "cal.dates" => "日期", "Dates";
    "cal.days" => "天数", "Days";
    "cal.makeup" => "调休上班日", "Make-up working days";
    "cal.makeup.none" => "没有调休上班日。", "No make-up working days.";
    "cal.load.title" => "载入新一年的日历", "Loading the next year";
    "cal.load.write" => "国务院办公厅的通知发布后（通常在每年11月），按官方文本写出 {file}，格式见", "When the State Council General Office's notice appears (usually in November), write {file} from the official text, in the format of";
    "cal.load.run" => "在平台服务器上运行（先校验文件，有任何错误都不会保存）：", "On the platform's server, run (the file is checked first; nothing is stored if anything is wrong):";
    "cal.load.replace" => "通知修订后重新载入已有年份，加上", "To replace a year already loaded with an amended notice, add";
    "cal.load.recompute" => "同一事务中，依赖该年份的未结案件期限会重新计算，临时期限变为正式期限。", "In the same transaction, the open case deadlines that depend on the year are computed again; provisional ones become firm.";
    "cal.load.restart" => "正在运行的平台进程每分钟检查一次日历，载入后一分钟内生效，无需重启。", "Running platform processes check the calendar every minute: a loaded year takes effect within a minute, with no restart.";
    "rules.lead" => "平台执行的期限和期间，按 {date} 有效的版本。案件按其期限起算当日有效的规则计算。", "The deadlines and periods the platform enforces, in the versions in force on {date}. A case is judged by the rule in force on the day its clock started.";
    "rules.rule" => "规则", "Rule";
    "rules.period" => "期限", "Period";
    "rules.since" => "生效日期", "In force since";
    "rules.source" => "依据", "Source";
    "rules.basis.law" => "法定", "Set by law";
    "rules.basis.policy" => "平台规定（法规未规定期限）", "Platform policy (the law sets no number)";
    "rules.change" => "规则是数据（docs/rules.md）；查看某一天有效的规则：", "The rules are data (docs/rules.md); to see those in force on another day:";
    "bind.document.title" => "联系人邮箱已过期？", "Is the contact on file out of date?";
    "bind.document.when" => "验证码只会发送到登记在案的联系人邮箱。如果这个邮箱已经不用了、登记信息中没有联系人，或者您收不到验证码，可以改为说明您能提供的证明材料（如营业执照副本、法定代表人授权书、身份证），由工作人员人工核验后绑定。", "The code only goes to the contact email on file. If that mailbox is no longer used, there is no contact on file, or the code does not arrive, say which documents you can show instead (a business licence, a letter of authority from the legal representative, an identity card): staff check them and then link your account.";
    "bind.document.link" => "申请人工核验证明材料，或查看已提交的申请", "Ask for a document check, or see your requests";
    "docbind.title" => "人工核验证明材料", "Link by a document check";
    "docbind.lead" => "用于登记的联系人邮箱已过期的情况。说明您将出示哪些证明材料；平台运营人员或部门工作人员核验后，您的账号会成为该主体的所有人。结果会通知您。", "For when the contact on file is out of date. Say which documents you will show; once platform or department staff have checked them, your account becomes an owner of the subject. You will be told the outcome.";
    "docbind.field.evidence" => "您将出示的证明材料", "The documents you will show";
    "docbind.field.evidence.hint" => "10 到 2000 字，例如“营业执照副本和法定代表人授权书，到窗口递交”。", "10 to 2,000 characters, for example “business licence and a letter of authority from the legal representative, brought to the service desk”.";
    "docbind.send" => "提交核验申请", "Ask for the check";
    "docbind.mine" => "我的核验申请", "Your requests";
    "docbind.mine.none" => "您还没有提交过核验申请。", "You have not asked for a document check yet.";
    "docbind.done.requested" => "申请已提交。工作人员核验后会通知您。", "Your request has been sent. You will be told once staff have checked it.";
    "docbind.done.withdrawn" => "申请已撤回。", "Your request has been withdrawn.";
    "docbind.status.pending" => "等待核验", "Waiting for a check";
    "docbind.status.approved" => "已通过", "Approved";
    "docbind.status.rejected" => "未通过", "Rejected";
    "docbind.status.withdrawn" => "已撤回", "Withdrawn";
    "docbind.col.identifier" => "代码或证件号", "Code or ID number";
    "docbind.col.evidence" => "证明材料", "Documents";
    "docbind.col.created" => "提交时间", "Sent";
    "docbind.col.decided" => "办结时间", "Closed";
    "docbind.col.note" => "工作人员说明", "Note from staff";
    "docbind.withdraw.text" => "不再需要核验时可以撤回；撤回后可以重新申请。", "If you no longer need the check you can withdraw the request, and ask again later.";
    "docbind.withdraw" => "撤回申请", "Withdraw the request";
    "docbind.err.evidence" => "请用 10 到 2000 字说明您将出示的证明材料。", "Say which documents you will show, in 10 to 2,000 characters.";
    "docbind.err.pending" => "您对这个主体已有一项等待核验的申请。", "You already have a request for this subject waiting for a check.";
    "bindq.title" => "待核验的绑定申请", "Binding requests to check";
    "bindq.lead" => "登记联系人已过期的企业和个人，凭证明材料申请绑定。核验原件后通过，申请人即成为该主体的所有人；驳回须说明原因和申请人可以怎么做。申请人会收到结果通知。", "Enterprises and people whose contact on file is out of date ask to be linked on documents. Approve once you have checked the originals: the applicant becomes an owner of the subject. A rejection needs a note saying why and what the applicant can do. The applicant is told either way.";
    "bindq.none" => "没有等待核验的申请。", "No requests are waiting for a check.";
    "bindq.applicant" => "申请人", "Applicant";
    "bindq.role" => "通过后的身份", "Role once approved";
    "bindq.note" => "核验说明", "Note";
    "bindq.note.hint" => "驳回时必填：说明原因，以及申请人可以怎么做。通过时可写明核验了哪些材料。", "Required to reject: why, and what the applicant can do. When approving you may say which documents you checked.";
    "bindq.approve" => "核验通过并绑定", "Approve and link";
    "bindq.reject" => "驳回", "Reject";
    "bindq.done.approved" => "已通过，申请人已绑定并会收到通知。", "Approved: the applicant is linked and has been told.";
    "bindq.done.rejected" => "已驳回，申请人会收到通知和您的说明。", "Rejected: the applicant has been told, with your note.";
    "bindq.err.note" => "驳回时请说明原因，以及申请人可以怎么做。", "Say why the request is rejected and what the applicant can do.";
    "bindq.err.note_long" => "说明不能超过 2000 字。", "Use 2,000 characters or fewer.";
    "bindq.err.decision" => "请选择通过或驳回。", "Choose approve or reject.";
    "bindq.err.decided" => "这项申请已经办结或被撤回。", "This request was already decided or withdrawn.";
    "staff.bindings" => "待核验的绑定申请", "Binding requests to check";
    "staff.bindings.text" => "凭证明材料申请绑定（实名）的企业和个人。", "Enterprises and people asking to be linked on documents.";
    "accounts.title" => "可以代表本主体的账号", "Accounts that act for this subject";
    "accounts.role.owner" => "所有人", "Owner";
    "accounts.role.agent" => "代办人", "Agent";
    "accounts.role.owner.text" => "可以代表本主体办理一切事项，并可以添加或取消其他账号。", "Can do everything for the subject, and add or remove the accounts that act for it.";
    "accounts.role.agent.text" => "可以代表本主体查看记录、办理授权、提出异议和申请修复，但不能管理账号。", "Can do everything for the subject (see records, give consent, object, apply for repair) except manage its accounts.";
    "accounts.agent_only" => "您是代办人，这里只显示您自己的绑定。只有所有人可以添加或取消账号。", "You are an agent: you see your own binding only. Only owners can add or remove accounts.";
    "accounts.via.contact_code" => "验证码发送到登记的联系人邮箱", "A code sent to the contact on file";
    "accounts.via.staff_document" => "工作人员核验了证明材料", "Documents checked by staff";
    "accounts.via.external" => "外部身份认证", "An external identity service";
    "accounts.via.demo" => "演示数据", "Demo data";
    "accounts.via.owner_grant" => "由所有人添加", "Added by an owner";
    "accounts.col.account" => "账号", "Account";
    "accounts.col.role" => "身份", "Role";
    "accounts.col.via" => "如何绑定", "How it was linked";
    "accounts.col.since" => "开始时间", "Since";
    "accounts.col.ended" => "结束时间", "Ended";
    "accounts.col.action" => "操作", "Action";
    "accounts.still" => "仍然有效", "Still acting";
    "accounts.revoke" => "取消", "Remove";
    "accounts.add.title" => "添加账号", "Add an account";
    "accounts.add.lead" => "对方需要先用自己的邮箱注册平台账号。添加后对方会收到通知。", "The person must first sign up with their own email address. They are told once added.";
    "accounts.field.email" => "对方注册时使用的邮箱", "The email address they signed up with";
    "accounts.field.email.hint" => "例如会计师事务所的工作邮箱。", "For example an accountant's work address.";
    "accounts.field.role" => "身份", "Role";
    "accounts.add" => "添加", "Add";
    "accounts.done.added" => "已添加。对方现在可以代表本主体办理，并已收到通知。", "Added. They can now act for the subject, and have been told.";
    "accounts.done.revoked" => "已取消。该账号不能再代表本主体，名单中保留了这项记录。", "Removed. The account no longer acts for the subject; the list keeps the record.";
    "accounts.err.email" => "请填写对方注册时使用的邮箱。", "Enter the email address they signed up with.";
    "accounts.err.not_found" => "没有使用这个邮箱的个人账号。请对方先注册。", "No personal account has this email address. Ask the person to sign up first.";
    "accounts.err.already" => "这个账号已经可以代表本主体。", "This account already acts for the subject.";
    "accounts.revoke.title" => "取消这个账号？", "Remove this account?";
    "accounts.revoke.effect1" => "从该账号的下一次操作起，它不能再代表本主体查看记录、办理授权或提出异议。", "From its next request, the account can no longer see the subject's records, give consent or object for it.";
    "accounts.revoke.effect2" => "已经办理的事项不受影响；名单中会保留这项绑定和结束时间，作为谁在何时可以办理的凭证。", "What it has already done stands; the list keeps the binding and when it ended, as a record of who could act when.";
    "accounts.revoke.effect3" => "该账号会收到通知。如需恢复，可以重新添加。", "The account is told. You can add it again later.";
    "accounts.revoke.effect_own" => "这是您自己的账号：取消后您将不能再查看或办理本主体的事项。", "This is your own account: once removed you can no longer see or act for the subject.";
    "accounts.revoke.confirm" => "确认取消", "Yes, remove it";
    "accounts.back" => "返回", "Back";
    "dash.after_unbind" => "您的账号已不再代表这个主体。", "Your account no longer acts for that subject.";
    "staff.identity" => "实名核验", "Identity checks";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_two_different_texts_unless_names() {
        for k in KEYS {
            assert_ne!(t(Lang::Zh, k), *k, "{k} missing");
            assert!(!t(Lang::En, k).is_empty(), "{k} empty in English");
        }
    }

    #[test]
    fn language_tags_round_trip() {
        for l in [Lang::Zh, Lang::En] {
            assert_eq!(Lang::from_tag(l.tag()), Some(l));
        }
        assert_eq!(Lang::from_tag("fr"), None);
    }
}
