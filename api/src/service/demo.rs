//! The demo data set: Fuzhou departments, the record catalogue, fifty
//! subjects with their legal representatives and credit records, demo
//! sign-ins for each role, a credit agency and a department system with API
//! credentials.
//!
//! Everything is deterministic (identifiers are derived from list positions,
//! dates are fixed) and written in one transaction, each row only if its
//! natural key is not there yet: seeding twice changes nothing the second
//! time, and a failure leaves nothing half-seeded.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Months, NaiveDate, Utc};
use domain::identifier::{ResidentId, SubjectIdentifier, USCC_ALPHABET, Uscc};
use entity::enums::{
    AccountRole, AccountStatus, BindingMethod, BindingRole, Disclosure, RecordStatus, RelatedRole,
    Severity, SubjectKind,
};
use entity::{
    account, account_subject, agency, api_client, credit_record, department, record_category,
    related_person, subject,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::{Value, json};

pub use super::agencies::create_agency_with_client;
use super::agencies::{self, ClientOwner};
use super::audit::{self, AuditEntry};
use super::catalogue::{self, CategoryDef};
use super::subjects::{self, NewSubject};
use super::{ServiceError, ServiceResult, begin_write};
use crate::auth::{RequestMeta, password};
use crate::crypto::sha256_hex;
use crate::state::AppState;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "xinyong-demo-2026";
/// Platform operator (公共信用信息中心).
pub const OPERATOR_EMAIL: &str = "operator@xinyong.demo";
/// Staff of the market-supervision department ([`MARKET_DEPARTMENT_CODE`]).
pub const STAFF_EMAIL: &str = "staff.scjg@xinyong.demo";
/// Owner of the demo enterprise ([`ENTERPRISE_USCC`]).
pub const ENTERPRISE_USER_EMAIL: &str = "owner@minjiang-dianzi.demo";
/// Bound to the demo natural person 陈美华, who is also her registered contact.
pub const PERSON_USER_EMAIL: &str = "chen.meihua@xinyong.demo";

/// The credit agency's API client.
pub const AGENCY_CLIENT_ID: &str = "demo-xincheng-credit";
pub const AGENCY_CLIENT_SECRET: &str = "demo-xincheng-secret-2026";
pub const AGENCY_SCOPES: &[&str] = &[
    "subjects:read",
    "records:read",
    "consents:request",
    "changes:read",
];
pub const AGENCY_NAME: &str = "福建信诚征信有限公司";
/// The market-supervision department's own system.
pub const DEPARTMENT_CLIENT_ID: &str = "demo-fz-scjg";
pub const DEPARTMENT_CLIENT_SECRET: &str = "demo-fz-scjg-secret-2026";
pub const DEPARTMENT_SCOPES: &[&str] = &["records:write", "records:read"];

/// 福州市市场监督管理局: the staff account's department and the department client's.
pub const MARKET_DEPARTMENT_CODE: &str = "FZ-SCJG";
/// 福州闽江电子科技有限公司, the enterprise [`ENTERPRISE_USER_EMAIL`] owns.
pub const ENTERPRISE_NAME: &str = "福州闽江电子科技有限公司";
pub const ENTERPRISE_USCC: &str = "91350100MA099QFHXF";
/// 福州恒达贸易有限公司: on the court's list of dishonest judgment debtors.
pub const COURT_DEFAULTER_USCC: &str = "91350100MA0R8F559W";
/// 陈美华, the natural person [`PERSON_USER_EMAIL`] is bound to.
pub const PERSON_NAME: &str = "陈美华";

const RATE_TIER: &str = "standard";

// ---------------------------------------------------------------------------
// The data set.

struct DeptSpec {
    code: &'static str,
    /// Prefix of the department's `source_ref`s.
    prefix: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    registers_subjects: bool,
}

#[rustfmt::skip] // a table: one department per line
const DEPARTMENTS: &[DeptSpec] = &[
    DeptSpec { code: "FZ-SCJG", prefix: "SCJG", name_zh: "福州市市场监督管理局", name_en: "Fuzhou Administration for Market Regulation", registers_subjects: true },
    DeptSpec { code: "FZ-SWJ", prefix: "SWJ", name_zh: "国家税务总局福州市税务局", name_en: "Fuzhou Municipal Tax Service, STA", registers_subjects: false },
    DeptSpec { code: "FZ-ZJFY", prefix: "ZJFY", name_zh: "福州市中级人民法院", name_en: "Fuzhou Intermediate People's Court", registers_subjects: false },
    DeptSpec { code: "FZ-ZJJ", prefix: "ZJJ", name_zh: "福州市住房和城乡建设局", name_en: "Fuzhou Housing and Urban-Rural Development Bureau", registers_subjects: false },
    DeptSpec { code: "FZ-JTJ", prefix: "JTJ", name_zh: "福州市交通运输局", name_en: "Fuzhou Transport Bureau", registers_subjects: false },
    DeptSpec { code: "FZ-STHJ", prefix: "STHJ", name_zh: "福州市生态环境局", name_en: "Fuzhou Ecology and Environment Bureau", registers_subjects: false },
    DeptSpec { code: "FZ-MZJ", prefix: "MZJ", name_zh: "福州市民政局", name_en: "Fuzhou Civil Affairs Bureau", registers_subjects: true },
    DeptSpec { code: "FZ-RSJ", prefix: "RSJ", name_zh: "福州市人力资源和社会保障局", name_en: "Fuzhou Human Resources and Social Security Bureau", registers_subjects: false },
    DeptSpec { code: "FZ-JJZD", prefix: "JJZD", name_zh: "福州市公安局交通警察支队", name_en: "Fuzhou Public Security Bureau Traffic Police Detachment", registers_subjects: false },
    DeptSpec { code: "FZ-TJJ", prefix: "TJJ", name_zh: "福州市统计局", name_en: "Fuzhou Statistics Bureau", registers_subjects: false },
    DeptSpec { code: "FZ-WJW", prefix: "WJW", name_zh: "福州市卫生健康委员会", name_en: "Fuzhou Health Commission", registers_subjects: false },
    DeptSpec { code: "FZ-FGW", prefix: "FGW", name_zh: "福州市发展和改革委员会（公共信用信息中心）", name_en: "Fuzhou Development and Reform Commission (Public Credit Information Centre)", registers_subjects: false },
];

/// Fuzhou's administrative division code.
const FUZHOU: &str = "350100";

struct OrgSpec {
    slug: &'static str,
    name: &'static str,
    kind: SubjectKind,
    region: &'static str,
    legal_rep: &'static str,
    registered: (i32, u32, u32),
}

const fn org(
    slug: &'static str,
    name: &'static str,
    kind: SubjectKind,
    region: &'static str,
    legal_rep: &'static str,
    registered: (i32, u32, u32),
) -> OrgSpec {
    OrgSpec {
        slug,
        name,
        kind,
        region,
        legal_rep,
        registered,
    }
}

use SubjectKind::{
    Enterprise as E, IndividualBusiness as IB, PublicInstitution as PI, SocialOrg as SO,
};

/// Organisations; the USCC serial is the position in this list plus one.
#[rustfmt::skip] // a table: one organisation per line
const ORGS: &[OrgSpec] = &[
    org("minjiang-dianzi", ENTERPRISE_NAME, E, FUZHOU, "林晓峰", (2012, 5, 18)),
    org("rongcheng-jianshe", "福建榕城建设工程有限公司", E, FUZHOU, "黄志强", (2006, 9, 1)),
    org("hengda-maoyi", "福州恒达贸易有限公司", E, FUZHOU, "王建国", (2010, 3, 22)),
    org("anjie-dianti", "福州安捷电梯工程有限公司", E, FUZHOU, "刘志明", (2014, 7, 9)),
    org("haixia-wuliu", "福州海峡物流有限公司", E, FUZHOU, "吴建华", (2008, 11, 30)),
    org("gushan-shipin", "福州鼓山食品有限公司", E, FUZHOU, "陈国栋", (2004, 4, 16)),
    org("mindu-huagong", "福建闽都化工有限公司", E, FUZHOU, "林国平", (2003, 8, 12)),
    org("sanfang-wenlv", "福州三坊七巷文化旅游发展有限公司", E, FUZHOU, "郑秀英", (2009, 6, 6)),
    org("mawei-chuanbo", "福州马尾船舶修造有限公司", E, FUZHOU, "高建平", (2005, 2, 28)),
    org("cangshan-fangzhi", "福州仓山纺织有限公司", E, FUZHOU, "何丽萍", (2007, 10, 15)),
    org("jinan-chaye", "福州晋安茶业有限公司", E, FUZHOU, "杨志刚", (2011, 3, 3)),
    org("changle-yunshu", "福州长乐汽车运输有限公司", E, FUZHOU, "郭振华", (2002, 12, 20)),
    org("xinqu-yiyao", "福建福州新区医药科技有限公司", E, FUZHOU, "罗文斌", (2016, 8, 26)),
    org("jiangbin-zhiye", "福州江滨置业有限公司", E, FUZHOU, "谢东升", (2013, 1, 10)),
    org("donghu-shuzi", "福州东湖数字技术有限公司", E, FUZHOU, "许志远", (2017, 4, 21)),
    org("xihu-canyin", "福州西湖餐饮管理有限公司", E, FUZHOU, "蔡雅琴", (2015, 9, 8)),
    org("taijiang-shangmao", "福州台江商贸有限公司", E, FUZHOU, "邓卫东", (2012, 2, 14)),
    org("rongqiao-guangdian", "福清融侨光电有限公司", E, FUZHOU, "施明辉", (2010, 5, 5)),
    org("lianjiang-shuichan", "福州连江水产食品有限公司", E, FUZHOU, "陈秋生", (2008, 7, 19)),
    org("minhou-jixie", "福州闽侯机械制造有限公司", E, FUZHOU, "翁振宇", (2006, 3, 27)),
    org("yongtai-nongye", "福州永泰生态农业有限公司", E, FUZHOU, "黄丽华", (2018, 10, 11)),
    org("luoyuan-gangtie", "福州罗源钢铁有限公司", E, FUZHOU, "林德胜", (2004, 12, 1)),
    org("nantai-ruanjian", "福州南台软件有限公司", E, FUZHOU, "叶晓明", (2019, 6, 17)),
    org("pingshan-yinshua", "福州屏山印刷有限公司", E, FUZHOU, "郑建新", (2001, 9, 25)),
    org("wushan-jiancai", "福州乌山建材有限公司", E, FUZHOU, "李春梅", (2009, 4, 2)),
    org("qishan-keji", "福州旗山科技服务有限公司", E, FUZHOU, "江海涛", (2020, 1, 6)),
    org("langqi-yuye", "福州琅岐海洋渔业有限公司", E, FUZHOU, "林海燕", (2007, 5, 30)),
    org("guling-kangyang", "福州鼓岭康养服务有限公司", E, FUZHOU, "张秀兰", (2021, 3, 18)),
    org("jinshan-wuye", "福州金山物业管理有限公司", E, FUZHOU, "魏忠诚", (2005, 8, 8)),
    org("yeshan-chuanmei", "福州冶山文化传媒有限公司", E, FUZHOU, "卓小红", (2016, 11, 23)),
    org("wulongjiang-jianshe", "福州乌龙江建设工程有限公司", E, FUZHOU, "潘志勇", (2003, 6, 13)),
    org("rongshu-dianti", "福州榕树电梯维保有限公司", E, FUZHOU, "程立新", (2015, 2, 9)),
    org("minyun-keyun", "福州闽运客运有限公司", E, FUZHOU, "游建设", (2000, 10, 18)),
    org("aofeng-jiaoyu", "福州鳌峰教育科技有限公司", E, FUZHOU, "孙明华", (2018, 7, 27)),
    org("wenquan-jiudian", "福州温泉酒店管理有限公司", E, FUZHOU, "薛丽君", (2011, 12, 5)),
    org("huahai-yuanlin", "福州花海园林绿化有限公司", E, FUZHOU, "钟国强", (2014, 4, 29)),
    org("shangxiahang-shangye", "福州上下杭商业管理有限公司", E, FUZHOU, "陈丽清", (2017, 9, 12)),
    org("jinjishan-xinnengyuan", "福州金鸡山新能源有限公司", E, FUZHOU, "姚建明", (2019, 11, 1)),
    org("meihua-xiaochi", "福州市鼓楼区美华小吃店", IB, "350102", PERSON_NAME, (2016, 3, 8)),
    org("laochen-wujin", "福州市台江区老陈五金店", IB, "350103", "陈国华", (2009, 8, 17)),
    org("lijuan-fuzhuang", "福州市仓山区丽娟服装店", IB, "350104", "郑丽娟", (2020, 5, 20)),
    org("ruanjian-xiehui", "福州市软件行业协会", SO, FUZHOU, "许志远", (2002, 6, 28)),
    org("rongcheng-kexin", "福州市榕城科技信息研究所", PI, FUZHOU, "周文华", (1998, 4, 1)),
    org("xihu-peixun", "福州市西湖职业培训学校", PI, FUZHOU, "黄淑贞", (2005, 9, 1)),
];

struct PersonSpec {
    slug: &'static str,
    name: &'static str,
    region: &'static str,
    birth: (i32, u32, u32),
    /// Sequence code: odd for men, even for women (GB 11643).
    seq: u16,
}

#[rustfmt::skip] // a table: one person per line
const PERSONS: &[PersonSpec] = &[
    PersonSpec { slug: "lin.xiaofeng", name: "林晓峰", region: "350102", birth: (1978, 3, 15), seq: 213 },
    PersonSpec { slug: "chen.meihua", name: PERSON_NAME, region: "350103", birth: (1985, 7, 22), seq: 148 },
    PersonSpec { slug: "huang.zhiqiang", name: "黄志强", region: "350104", birth: (1972, 11, 3), seq: 91 },
    PersonSpec { slug: "zheng.lijuan", name: "郑丽娟", region: "350111", birth: (1990, 1, 9), seq: 264 },
    PersonSpec { slug: "wang.jianguo", name: "王建国", region: "350121", birth: (1968, 5, 30), seq: 35 },
    PersonSpec { slug: "zhang.wei", name: "张伟", region: "350181", birth: (1982, 9, 12), seq: 457 },
];

struct AccountSpec {
    role_label: &'static str,
    email: &'static str,
    display_name: &'static str,
    role: AccountRole,
    department: Option<&'static str>,
    /// Slug of the subject the account owns.
    owns: Option<&'static str>,
}

#[rustfmt::skip] // a table: one account per line
const ACCOUNTS: &[AccountSpec] = &[
    AccountSpec { role_label: "operator", email: OPERATOR_EMAIL, display_name: "信用中心运营员", role: AccountRole::Operator, department: None, owns: None },
    AccountSpec { role_label: "department staff", email: STAFF_EMAIL, display_name: "市场监管局信用监管科", role: AccountRole::DepartmentStaff, department: Some(MARKET_DEPARTMENT_CODE), owns: None },
    AccountSpec { role_label: "enterprise owner", email: ENTERPRISE_USER_EMAIL, display_name: "林晓峰", role: AccountRole::SubjectUser, department: None, owns: Some("minjiang-dianzi") },
    AccountSpec { role_label: "individual", email: PERSON_USER_EMAIL, display_name: PERSON_NAME, role: AccountRole::SubjectUser, department: None, owns: Some("chen.meihua") },
];

/// One credit record of the demo set.
struct RecordSpec {
    subject: &'static str,
    category: &'static str,
    department: &'static str,
    serial: u32,
    title: &'static str,
    decided_on: (i32, u32, u32),
    severity: Option<Severity>,
    valid_until: Option<(i32, u32, u32)>,
    /// Type and number of the legally effective document (Measures Art. 17).
    basis: (&'static str, &'static str),
    content: Value,
}

#[allow(clippy::too_many_arguments)]
fn rec(
    subject: &'static str,
    category: &'static str,
    department: &'static str,
    serial: u32,
    title: &'static str,
    decided_on: (i32, u32, u32),
    severity: Option<Severity>,
    valid_until: Option<(i32, u32, u32)>,
    basis: (&'static str, &'static str),
    content: Value,
) -> RecordSpec {
    RecordSpec {
        subject,
        category,
        department,
        serial,
        title,
        decided_on,
        severity,
        valid_until,
        basis,
        content,
    }
}

const LICENCE: &str = "行政许可决定书";
const PENALTY: &str = "行政处罚决定书";

/// The records: subject slug, category, department, serial (the source_ref
/// is `<prefix>-<year>-<serial>`), title, decision date, severity, validity,
/// legal-basis document, content.
#[rustfmt::skip] // a table: two lines per record
fn demo_records() -> Vec<RecordSpec> {
    use Severity::{General, Minor, Serious};
    vec![
        // 福州闽江电子科技有限公司: the owner's enterprise, mostly good news.
        rec("minjiang-dianzi", "administrative_licence", "FZ-SCJG", 101, "工业产品生产许可（电线电缆）", (2024, 3, 12), None, Some((2029, 3, 11)), (LICENCE, "榕市监许〔2024〕101号"),
            json!({ "matter": "电线电缆产品生产许可", "permit_number": "闽XK06-001-00101", "licence_name": "全国工业产品生产许可证", "basis": "《中华人民共和国工业产品生产许可证管理条例》", "valid_from": "2024-03-12" })),
        rec("minjiang-dianzi", "tax_grade_a", "FZ-SWJ", 201, "2025年度纳税信用A级纳税人", (2026, 4, 18), None, Some((2027, 4, 30)), ("纳税信用评价结果公告", "榕税公告〔2026〕3号"),
            json!({ "evaluation_year": 2025, "tax_authority": "国家税务总局福州市税务局" })),
        rec("minjiang-dianzi", "industry_honour", "FZ-FGW", 301, "福州市诚信示范企业", (2025, 12, 10), None, Some((2028, 12, 9)), ("表彰决定", "榕信用办〔2025〕12号"),
            json!({ "honour_name": "福州市诚信示范企业", "conferred_by": "福州市社会信用体系建设领导小组办公室", "level": "city", "honour_year": 2025 })),
        rec("minjiang-dianzi", "administrative_penalty", "FZ-SCJG", 102, "产品标识不符合规定", (2026, 9, 15), Some(Minor), None, (PENALTY, "榕市监处罚〔2026〕102号"),
            json!({ "violation_type": "产品标识不符合规定", "violation_facts": "部分批次产品未标注生产日期", "basis": "《中华人民共和国产品质量法》第五十四条", "penalty_type": "罚款", "penalty_content": "责令改正，罚款人民币2000元", "fine_amount_yuan": 2000 })),
        // 福建榕城建设工程有限公司: illegal subcontracting.
        rec("rongcheng-jianshe", "administrative_licence", "FZ-ZJJ", 101, "建筑业企业资质（施工总承包二级）", (2024, 5, 20), None, Some((2029, 5, 19)), (LICENCE, "榕建许〔2024〕101号"),
            json!({ "matter": "建筑工程施工总承包二级资质", "permit_number": "D235010123", "licence_name": "建筑业企业资质证书" })),
        rec("rongcheng-jianshe", "administrative_penalty", "FZ-ZJJ", 102, "违法分包", (2026, 3, 2), Some(General), None, (PENALTY, "榕建罚〔2026〕102号"),
            json!({ "violation_type": "违法分包", "violation_facts": "将承包工程中的主体结构施工分包给不具备资质的单位", "basis": "《建设工程质量管理条例》第六十二条", "penalty_type": "罚款", "penalty_content": "责令改正，罚款人民币80000元", "fine_amount_yuan": 80000 })),
        rec("rongcheng-jianshe", "construction_violation", "FZ-ZJJ", 103, "列入住建领域违规名单（违法分包）", (2026, 3, 10), None, None, ("违规名单认定书", "榕建信〔2026〕103号"),
            json!({ "violation_type": "illegal_subcontracting", "project_name": "仓山区城门镇安置房二期工程", "facts": "将主体结构施工违法分包，经查处后列入违规名单" })),
        // 福州恒达贸易有限公司: court defaulter, abnormal operations, tax grade D.
        rec("hengda-maoyi", "court_defaulter", "FZ-ZJFY", 101, "失信被执行人", (2025, 8, 6), None, None, ("决定书", "（2025）闽01执1234号"),
            json!({ "case_number": "（2025）闽01执1234号", "court_name": "福州市中级人民法院", "enforcement_basis": "（2024）闽01民初567号", "obligation": "支付货款人民币1280000元及逾期付款利息", "performance": "none_performed", "dishonest_conduct": "有履行能力而拒不履行生效法律文书确定义务" })),
        rec("hengda-maoyi", "abnormal_operations", "FZ-SCJG", 103, "列入经营异常名录", (2025, 7, 1), None, None, ("列入经营异常名录决定书", "榕市监异〔2025〕103号"),
            json!({ "listing_reason": "未依照《企业信息公示暂行条例》第八条规定的期限公示年度报告", "listing_authority": "福州市市场监督管理局" })),
        rec("hengda-maoyi", "tax_credit_rating", "FZ-SWJ", 202, "2025年度纳税信用评价结果", (2026, 4, 18), None, Some((2027, 4, 30)), ("纳税信用评价结果", "榕税评〔2026〕202号"),
            json!({ "evaluation_year": 2025, "grade": "D" })),
        // 福州安捷电梯工程有限公司: elevator maintenance bad record.
        rec("anjie-dianti", "administrative_licence", "FZ-SCJG", 104, "特种设备安装改造修理许可（电梯）", (2024, 2, 26), None, Some((2028, 2, 25)), (LICENCE, "榕市监特许〔2024〕104号"),
            json!({ "matter": "电梯安装、改造、修理", "permit_number": "TS3335001-2028", "licence_name": "中华人民共和国特种设备生产许可证" })),
        rec("anjie-dianti", "elevator_bad_record", "FZ-SCJG", 105, "未在规定时间内抵达电梯困人现场", (2026, 6, 18), None, None, ("不良信用记录告知书", "榕市监特〔2026〕105号"),
            json!({ "case_cause": "电梯困人应急救援超时", "violation": "接报后75分钟方抵达鼓楼区某小区电梯困人现场，超过市区30分钟到达要求", "trigger": "emergency_rescue_failure", "tier": "city", "found_via": "complaint_report" })),
        // 福州海峡物流有限公司: road transport.
        rec("haixia-wuliu", "administrative_licence", "FZ-JTJ", 101, "道路运输经营许可（普通货运）", (2024, 1, 15), None, Some((2028, 1, 14)), (LICENCE, "榕交许〔2024〕101号"),
            json!({ "matter": "道路普通货物运输", "permit_number": "闽交运管许可榕字350100001234号", "licence_name": "道路运输经营许可证" })),
        rec("haixia-wuliu", "road_transport_dishonesty", "FZ-JTJ", 102, "未按规定进行车辆二级维护", (2026, 5, 22), None, None, ("失信行为认定书", "榕交信〔2026〕102号"),
            json!({ "conduct": "3辆营运货车未按规定进行二级维护仍从事运输经营", "found_via": "safety_inspection", "business_type": "freight" })),
        // 福州鼓山食品有限公司: serious food-safety penalty.
        rec("gushan-shipin", "administrative_licence", "FZ-SCJG", 106, "食品生产许可", (2024, 6, 3), None, Some((2029, 6, 2)), (LICENCE, "榕市监食许〔2024〕106号"),
            json!({ "matter": "糕点、速冻食品生产", "permit_number": "SC10635010000106", "licence_name": "食品生产许可证" })),
        rec("gushan-shipin", "administrative_penalty", "FZ-SCJG", 107, "生产不符合食品安全标准的食品", (2025, 11, 20), Some(Serious), None, (PENALTY, "榕市监处罚〔2025〕107号"),
            json!({ "violation_type": "生产不符合食品安全标准的食品", "violation_facts": "速冻汤圆菌落总数超过食品安全国家标准限量", "basis": "《中华人民共和国食品安全法》第一百二十四条", "penalty_type": "罚款、没收违法所得", "penalty_content": "没收违法所得人民币86000元，罚款人民币500000元", "fine_amount_yuan": 500000, "confiscated_amount_yuan": 86000 })),
        // 福建闽都化工有限公司: environmental violation.
        rec("mindu-huagong", "administrative_licence", "FZ-STHJ", 101, "排污许可", (2024, 8, 8), None, Some((2029, 8, 7)), (LICENCE, "榕环许〔2024〕101号"),
            json!({ "matter": "化学原料制造排污许可", "permit_number": "91350100MA2Y001V", "licence_name": "排污许可证" })),
        rec("mindu-huagong", "administrative_penalty", "FZ-STHJ", 103, "超标排放水污染物", (2026, 2, 10), Some(General), None, (PENALTY, "榕环罚〔2026〕103号"),
            json!({ "violation_type": "超过水污染物排放标准排放水污染物", "basis": "《中华人民共和国水污染防治法》第八十三条", "penalty_type": "罚款", "penalty_content": "责令限制生产，罚款人民币200000元", "fine_amount_yuan": 200000 })),
        rec("mindu-huagong", "environmental_violation", "FZ-STHJ", 102, "列入环境违法企业名单", (2026, 2, 14), None, None, ("环境违法企业名单公告", "榕环告〔2026〕102号"),
            json!({ "violation_description": "化学需氧量超标排放，且未如实记录在线监测数据", "handling_result": "罚款人民币200000元，责令限制生产" })),
        rec("mindu-huagong", "environmental_credit_rating", "FZ-STHJ", 104, "2025年度企业环境信用评价：环保不良企业", (2026, 4, 28), None, Some((2027, 4, 30)), ("企业环境信用评价结果公告", "榕环信〔2026〕104号"),
            json!({ "evaluation_year": 2025, "grade": "red", "evaluated_by": "city" })),
        // Red lists.
        rec("sanfang-wenlv", "civilised_unit", "FZ-FGW", 302, "福州市文明单位", (2025, 1, 20), None, Some((2027, 12, 31)), ("表彰决定", "榕文明委〔2025〕1号"),
            json!({ "honour_name": "福州市文明单位", "conferred_by": "福州市精神文明建设委员会", "level": "city", "honour_year": 2024 })),
        rec("jinan-chaye", "tax_grade_a", "FZ-SWJ", 203, "2025年度纳税信用A级纳税人", (2026, 4, 18), None, Some((2027, 4, 30)), ("纳税信用评价结果公告", "榕税公告〔2026〕3号"),
            json!({ "evaluation_year": 2025, "tax_authority": "国家税务总局福州市晋安区税务局" })),
        rec("jinan-chaye", "administrative_licence", "FZ-SCJG", 108, "食品生产许可（茶叶）", (2024, 9, 10), None, Some((2029, 9, 9)), (LICENCE, "榕市监食许〔2024〕108号"),
            json!({ "matter": "茶叶及相关制品生产", "permit_number": "SC11435011100108", "licence_name": "食品生产许可证" })),
        rec("donghu-shuzi", "tax_grade_a", "FZ-SWJ", 204, "2025年度纳税信用A级纳税人", (2026, 4, 18), None, Some((2027, 4, 30)), ("纳税信用评价结果公告", "榕税公告〔2026〕3号"),
            json!({ "evaluation_year": 2025 })),
        rec("donghu-shuzi", "industry_honour", "FZ-FGW", 303, "福建省科技小巨人企业", (2025, 6, 30), None, Some((2028, 6, 29)), ("认定通知", "闽科高〔2025〕30号"),
            json!({ "honour_name": "福建省科技小巨人企业", "conferred_by": "福建省科学技术厅", "level": "provincial", "honour_year": 2025 })),
        rec("jinjishan-xinnengyuan", "industry_honour", "FZ-FGW", 304, "福州市守合同重信用企业", (2026, 3, 15), None, Some((2029, 3, 14)), ("公示决定", "榕市监信〔2026〕15号"),
            json!({ "honour_name": "福州市守合同重信用企业", "conferred_by": "福州市市场监督管理局", "level": "city", "honour_year": 2026 })),
        rec("rongcheng-kexin", "civilised_unit", "FZ-FGW", 305, "福州市文明单位", (2024, 12, 28), None, Some((2027, 12, 31)), ("表彰决定", "榕文明委〔2024〕9号"),
            json!({ "honour_name": "福州市文明单位", "conferred_by": "福州市精神文明建设委员会", "level": "city", "honour_year": 2024 })),
        // Road transport and traffic.
        rec("changle-yunshu", "administrative_licence", "FZ-JTJ", 103, "道路运输经营许可（道路旅客运输）", (2024, 3, 28), None, Some((2028, 3, 27)), (LICENCE, "榕交许〔2024〕103号"),
            json!({ "matter": "县际班车客运", "permit_number": "闽交运管许可榕字350100000103号", "licence_name": "道路运输经营许可证" })),
        rec("changle-yunshu", "road_transport_blacklist", "FZ-JTJ", 104, "列入道路运输“黑名单”", (2026, 7, 30), None, None, ("“黑名单”认定书", "榕交信〔2026〕104号"),
            json!({ "conduct": "一年内三次发生营运客车超员运输且拒不整改", "found_via": "administrative_inspection", "business_type": "passenger" })),
        rec("changle-yunshu", "traffic_violation", "FZ-JJZD", 101, "营运客车超员20%以上", (2026, 7, 2), None, None, ("公安交通管理行政处罚决定书", "榕公交决字〔2026〕101号"),
            json!({ "violation_description": "所属营运客车超过核定载客人数20%以上", "handling_result": "罚款人民币2000元，驾驶人记12分", "vehicle_plate": "闽A·D3012" })),
        rec("minyun-keyun", "administrative_licence", "FZ-JTJ", 105, "道路运输经营许可（道路旅客运输）", (2024, 7, 19), None, Some((2028, 7, 18)), (LICENCE, "榕交许〔2024〕105号"),
            json!({ "matter": "市际班车客运", "permit_number": "闽交运管许可榕字350100000105号" })),
        rec("minyun-keyun", "traffic_violation", "FZ-JJZD", 102, "营运客车未按规定定期检验", (2026, 8, 19), None, None, ("公安交通管理行政处罚决定书", "榕公交决字〔2026〕102号"),
            json!({ "violation_description": "所属营运客车逾期未检验仍上道路行驶", "handling_result": "罚款人民币200元，责令限期检验", "vehicle_plate": "闽A·E5520" })),
        // Penalties of each severity, other departments.
        rec("jiangbin-zhiye", "construction_violation", "FZ-ZJJ", 104, "列入住建领域违规名单（拖欠农民工工资）", (2026, 1, 18), None, None, ("违规名单认定书", "榕建信〔2026〕104号"),
            json!({ "violation_type": "migrant_wage_arrears", "project_name": "晋安区鼓山镇商住楼项目", "facts": "拖欠农民工工资人民币1360000元，经责令限期支付逾期未支付" })),
        rec("jiangbin-zhiye", "administrative_penalty", "FZ-RSJ", 101, "拖欠劳动报酬", (2026, 1, 25), Some(General), None, (PENALTY, "榕人社监罚〔2026〕101号"),
            json!({ "violation_type": "拖欠劳动者劳动报酬", "basis": "《保障农民工工资支付条例》第五十七条", "penalty_type": "罚款", "penalty_content": "罚款人民币50000元", "fine_amount_yuan": 50000 })),
        rec("xihu-canyin", "administrative_licence", "FZ-SCJG", 110, "食品经营许可", (2024, 4, 11), None, Some((2029, 4, 10)), (LICENCE, "榕市监食许〔2024〕110号"),
            json!({ "matter": "热食类食品制售", "permit_number": "JY23501020000110", "licence_name": "食品经营许可证" })),
        rec("xihu-canyin", "administrative_penalty", "FZ-SCJG", 111, "从业人员未取得健康证明", (2026, 10, 9), Some(Minor), None, (PENALTY, "榕市监处罚〔2026〕111号"),
            json!({ "violation_type": "安排未取得健康证明的人员从事接触直接入口食品的工作", "basis": "《中华人民共和国食品安全法》第一百二十六条", "penalty_type": "警告、罚款", "penalty_content": "警告，罚款人民币3000元", "fine_amount_yuan": 3000 })),
        rec("rongqiao-guangdian", "tax_credit_rating", "FZ-SWJ", 205, "2025年度纳税信用评价结果", (2026, 4, 18), None, Some((2027, 4, 30)), ("纳税信用评价结果", "榕税评〔2026〕205号"),
            json!({ "evaluation_year": 2025, "grade": "B", "score": 82 })),
        rec("lianjiang-shuichan", "administrative_licence", "FZ-SCJG", 112, "食品生产许可（水产制品）", (2025, 3, 3), None, Some((2030, 3, 2)), (LICENCE, "榕市监食许〔2025〕112号"),
            json!({ "matter": "水产制品生产", "permit_number": "SC12235012200112" })),
        rec("luoyuan-gangtie", "administrative_penalty", "FZ-STHJ", 106, "超标排放大气污染物（按日连续处罚）", (2025, 12, 1), Some(Serious), None, (PENALTY, "榕环罚〔2025〕106号"),
            json!({ "violation_type": "超过大气污染物排放标准排放大气污染物", "violation_facts": "烧结机头颗粒物排放浓度超标，拒不改正", "basis": "《中华人民共和国大气污染防治法》第九十九条、第一百二十三条", "penalty_type": "罚款", "penalty_content": "按日连续处罚，罚款合计人民币1200000元", "fine_amount_yuan": 1200000 })),
        rec("luoyuan-gangtie", "environmental_violation", "FZ-STHJ", 105, "列入环境违法企业名单", (2025, 12, 5), None, None, ("环境违法企业名单公告", "榕环告〔2025〕105号"),
            json!({ "violation_description": "大气污染物超标排放，被按日连续处罚", "handling_result": "罚款人民币1200000元" })),
        rec("luoyuan-gangtie", "environmental_credit_rating", "FZ-STHJ", 107, "2025年度企业环境信用评价：环保警示企业", (2026, 4, 28), None, Some((2027, 4, 30)), ("企业环境信用评价结果公告", "榕环信〔2026〕104号"),
            json!({ "evaluation_year": 2025, "grade": "yellow", "evaluated_by": "city" })),
        rec("wulongjiang-jianshe", "administrative_licence", "FZ-ZJJ", 105, "建筑业企业资质（市政公用工程施工总承包三级）", (2024, 10, 21), None, Some((2029, 10, 20)), (LICENCE, "榕建许〔2024〕105号"),
            json!({ "matter": "市政公用工程施工总承包三级资质", "permit_number": "D335010105" })),
        rec("wulongjiang-jianshe", "administrative_penalty", "FZ-ZJJ", 106, "未按照工程设计图纸施工", (2026, 6, 6), Some(General), None, (PENALTY, "榕建罚〔2026〕106号"),
            json!({ "violation_type": "未按照工程设计图纸和施工技术标准施工", "basis": "《建设工程质量管理条例》第六十四条", "penalty_type": "罚款", "penalty_content": "责令改正，罚款人民币150000元", "fine_amount_yuan": 150000 })),
        rec("wenquan-jiudian", "administrative_licence", "FZ-WJW", 101, "公共场所卫生许可", (2025, 5, 26), None, Some((2029, 5, 25)), (LICENCE, "榕卫公许〔2025〕101号"),
            json!({ "matter": "住宿、沐浴场所卫生许可", "permit_number": "榕卫公证字〔2025〕第101号", "licence_name": "公共场所卫生许可证" })),
        rec("wenquan-jiudian", "administrative_penalty", "FZ-WJW", 102, "未按规定对顾客用品进行清洗消毒", (2026, 10, 28), Some(Minor), None, (PENALTY, "榕卫公罚〔2026〕102号"),
            json!({ "violation_type": "未按照规定对顾客用品用具进行清洗、消毒", "basis": "《公共场所卫生管理条例实施细则》第三十六条", "penalty_type": "警告、罚款", "penalty_content": "警告，罚款人民币500元", "fine_amount_yuan": 500 })),
        rec("taijiang-shangmao", "major_tax_violation", "FZ-SWJ", 206, "重大税收违法失信主体", (2026, 5, 12), None, None, ("税务处理决定书", "榕税稽处〔2026〕206号"),
            json!({ "violation_type": "tax_evasion", "case_facts": "采取隐匿收入、进行虚假纳税申报的手段少缴增值税及企业所得税", "amount_involved_yuan": 3560000, "penalty_content": "追缴税款3560000元，处少缴税款一倍罚款" })),
        rec("taijiang-shangmao", "market_serious_violation", "FZ-SCJG", 113, "列入严重违法失信名单", (2026, 2, 20), None, None, ("列入严重违法失信名单决定书", "榕市监严〔2026〕113号"),
            json!({ "listing_reason": "被列入经营异常名录届满3年仍未履行相关义务", "listing_authority": "福州市市场监督管理局" })),
        rec("xinqu-yiyao", "administrative_licence", "FZ-SCJG", 109, "药品经营许可（批发）", (2025, 2, 17), None, Some((2030, 2, 16)), (LICENCE, "闽药监许〔2025〕109号"),
            json!({ "matter": "药品批发（中成药、化学药制剂）", "permit_number": "闽AA5910109", "licence_name": "药品经营许可证" })),
        // Social organisation, public institutions, individual businesses.
        rec("ruanjian-xiehui", "social_org_annual_inspection", "FZ-MZJ", 101, "2025年度年检结论：合格", (2026, 6, 30), None, None, ("年检结论公告", "榕民社〔2026〕101号"),
            json!({ "inspection_year": 2025, "result": "qualified", "annual_report_disclosed": true })),
        rec("xihu-peixun", "administrative_licence", "FZ-RSJ", 102, "民办职业培训学校办学许可", (2025, 8, 15), None, Some((2029, 8, 14)), (LICENCE, "榕人社许〔2025〕102号"),
            json!({ "matter": "职业技能培训（餐饮服务、养老护理）", "permit_number": "人社民3501002025102" })),
        rec("meihua-xiaochi", "administrative_licence", "FZ-SCJG", 114, "食品经营许可（小餐饮）", (2024, 11, 5), None, Some((2029, 11, 4)), (LICENCE, "榕鼓市监食许〔2024〕114号"),
            json!({ "matter": "小餐饮（热食类食品制售）", "permit_number": "JY23501020000114" })),
        rec("laochen-wujin", "administrative_penalty", "FZ-SCJG", 115, "销售无中文标识的产品", (2026, 10, 20), Some(Minor), None, (PENALTY, "榕台市监处罚〔2026〕115号"),
            json!({ "violation_type": "销售无中文标明产品名称、生产厂厂名和厂址的产品", "basis": "《中华人民共和国产品质量法》第五十四条", "penalty_type": "罚款", "penalty_content": "责令改正，罚款人民币1500元", "fine_amount_yuan": 1500 })),
        // Natural persons: authorised query only.
        rec("chen.meihua", "moral_model", "FZ-FGW", 306, "福州市道德模范（诚实守信类）", (2025, 9, 20), None, None, ("表彰决定", "榕文明委〔2025〕6号"),
            json!({ "honour_name": "福州市道德模范（诚实守信类）", "conferred_by": "福州市精神文明建设委员会", "deed_summary": "经营小吃店十年如一日诚信经营，拾金不昧", "honour_year": 2025 })),
        rec("chen.meihua", "traffic_violation", "FZ-JJZD", 103, "饮酒后驾驶机动车", (2026, 8, 3), None, None, ("公安交通管理行政处罚决定书", "榕公交决字〔2026〕103号"),
            json!({ "violation_description": "饮酒后驾驶小型汽车", "handling_result": "罚款人民币1000元，暂扣机动车驾驶证6个月", "vehicle_plate": "闽A·8K326" })),
        rec("wang.jianguo", "administrative_penalty", "FZ-SCJG", 116, "未取得营业执照从事经营活动", (2026, 4, 7), Some(General), None, (PENALTY, "榕市监处罚〔2026〕116号"),
            json!({ "violation_type": "无照经营", "basis": "《无证无照经营查处办法》第十三条", "penalty_type": "罚款、没收违法所得", "penalty_content": "没收违法所得人民币12000元，罚款人民币10000元", "fine_amount_yuan": 10000, "confiscated_amount_yuan": 12000 })),
        rec("zhang.wei", "road_transport_dishonesty", "FZ-JTJ", 106, "驾驶营运客车超速50%以上", (2026, 9, 9), None, None, ("失信行为认定书", "榕交信〔2026〕106号"),
            json!({ "conduct": "驾驶营运客车在高速公路上超过规定时速50%以上", "found_via": "daily_supervision", "business_type": "passenger" })),
        rec("huang.zhiqiang", "administrative_licence", "FZ-ZJJ", 107, "一级注册建造师初始注册", (2024, 12, 16), None, Some((2027, 12, 15)), (LICENCE, "榕建许〔2024〕107号"),
            json!({ "matter": "一级注册建造师（建筑工程）初始注册", "permit_number": "闽135060800107" })),
    ]
}

// ---------------------------------------------------------------------------
// Deterministic identifiers.

/// A nine-character organisation code: `MA` and six characters spread from
/// `serial`, then the GB 11714 check character, so that the embedded code
/// conforms too.
fn org_code(serial: u32) -> String {
    const SPACE: u64 = 31 * 31 * 31 * 31 * 31 * 31;
    let alphabet = USCC_ALPHABET.as_bytes();
    let mut v = (u64::from(serial) * 7_368_787 + 1_234_567) % SPACE;
    let mut six = [b'0'; 6];
    for slot in six.iter_mut().rev() {
        *slot = alphabet.get((v % 31) as usize).copied().unwrap_or(b'0');
        v /= 31;
    }
    let mut code = String::from("MA");
    code.extend(six.iter().map(|b| char::from(*b)));
    code.push(org_code_check(&code));
    code
}

/// GB 11714 check character of an eight-character organisation code body.
fn org_code_check(body: &str) -> char {
    const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(36).unwrap_or(0) * w)
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).unwrap_or('0'),
    }
}

fn uscc_prefix(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::IndividualBusiness => "92",
        SubjectKind::SocialOrg => "51",
        SubjectKind::PublicInstitution => "12",
        SubjectKind::GovernmentBody => "11",
        _ => "91",
    }
}

fn demo_uscc(kind: SubjectKind, region: &str, serial: u32) -> ServiceResult<Uscc> {
    let body = format!("{}{region}{}", uscc_prefix(kind), org_code(serial));
    Uscc::from_body(&body).map_err(|e| ServiceError::Internal(format!("demo USCC {body}: {e}")))
}

fn person_id(p: &PersonSpec) -> ServiceResult<ResidentId> {
    ResidentId::from_parts(p.region, date(p.birth)?, p.seq)
        .map_err(|e| ServiceError::Internal(format!("demo ID number of {}: {e}", p.slug)))
}

fn date((y, m, d): (i32, u32, u32)) -> ServiceResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| ServiceError::Internal(format!("demo date {y}-{m}-{d} does not exist")))
}

/// The agency's USCC (serial beyond the subjects').
const AGENCY_SERIAL: u32 = 901;

// ---------------------------------------------------------------------------
// Summary.

/// Rows of one kind: newly created, and already present.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub created: usize,
    pub existing: usize,
}

impl Tally {
    fn add(&mut self, created: bool) {
        if created {
            self.created += 1;
        } else {
            self.existing += 1;
        }
    }

    pub fn total(&self) -> usize {
        self.created + self.existing
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoSignIn {
    pub role: &'static str,
    pub email: &'static str,
    /// Whom the account acts for (department or subject), if anyone.
    pub acts_for: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoClient {
    pub role: &'static str,
    pub owner: &'static str,
    pub client_id: &'static str,
    pub secret: &'static str,
    pub scopes: &'static [&'static str],
}

/// What `seed` did, and the demo credentials (`xinyong serve` prints it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoSummary {
    pub departments: Tally,
    pub subjects: Tally,
    pub related_persons: Tally,
    pub records: Tally,
    pub accounts: Tally,
    pub bindings: Tally,
    pub agencies: Tally,
    pub clients: Tally,
    pub sign_ins: Vec<DemoSignIn>,
    pub api_clients: Vec<DemoClient>,
}

impl DemoSummary {
    pub fn created_anything(&self) -> bool {
        [
            self.departments,
            self.subjects,
            self.related_persons,
            self.records,
            self.accounts,
            self.bindings,
            self.agencies,
            self.clients,
        ]
        .iter()
        .any(|t| t.created > 0)
    }
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let created: usize = [
            self.departments,
            self.subjects,
            self.related_persons,
            self.records,
            self.accounts,
            self.bindings,
            self.agencies,
            self.clients,
        ]
        .iter()
        .map(|t| t.created)
        .sum();
        writeln!(
            f,
            "Demo data: {} departments, {} subjects, {} credit records, {} sign-ins, {} API clients ({}).",
            self.departments.total(),
            self.subjects.total(),
            self.records.total(),
            self.accounts.total(),
            self.clients.total(),
            if created == 0 {
                "all already present".to_string()
            } else {
                format!("{created} rows added")
            },
        )?;
        let role_w = self
            .sign_ins
            .iter()
            .map(|s| s.role.len())
            .chain(self.api_clients.iter().map(|c| c.role.len()))
            .max()
            .unwrap_or(0);
        let email_w = self
            .sign_ins
            .iter()
            .map(|s| s.email.len())
            .max()
            .unwrap_or(0);
        writeln!(f, "Demo sign-ins (password: {DEMO_PASSWORD}):")?;
        for s in &self.sign_ins {
            match &s.acts_for {
                Some(who) => writeln!(f, "  {:<role_w$}  {:<email_w$}  {who}", s.role, s.email)?,
                None => writeln!(f, "  {:<role_w$}  {}", s.role, s.email)?,
            }
        }
        let id_w = self
            .api_clients
            .iter()
            .map(|c| c.client_id.len())
            .max()
            .unwrap_or(0);
        let secret_w = self
            .api_clients
            .iter()
            .map(|c| c.secret.len())
            .max()
            .unwrap_or(0);
        writeln!(
            f,
            "Demo API clients (OAuth client credentials, POST /oauth/token):"
        )?;
        for c in &self.api_clients {
            writeln!(
                f,
                "  {:<role_w$}  client_id {:<id_w$}  secret {:<secret_w$}  scopes {}  {}",
                c.role,
                c.client_id,
                c.secret,
                c.scopes.join(" "),
                c.owner
            )?;
        }
        Ok(())
    }
}

fn sign_ins() -> Vec<DemoSignIn> {
    let market = DEPARTMENTS
        .iter()
        .find(|d| d.code == MARKET_DEPARTMENT_CODE)
        .map(|d| d.name_zh.to_string());
    ACCOUNTS
        .iter()
        .map(|a| DemoSignIn {
            role: a.role_label,
            email: a.email,
            acts_for: match (a.role, a.owns) {
                (AccountRole::DepartmentStaff, _) => market.clone(),
                (_, Some("minjiang-dianzi")) => {
                    Some(format!("{ENTERPRISE_NAME} {ENTERPRISE_USCC}"))
                }
                (_, Some(_)) => Some(PERSON_NAME.to_string()),
                _ => None,
            },
        })
        .collect()
}

fn api_clients() -> Vec<DemoClient> {
    vec![
        DemoClient {
            role: "credit agency",
            owner: AGENCY_NAME,
            client_id: AGENCY_CLIENT_ID,
            secret: AGENCY_CLIENT_SECRET,
            scopes: AGENCY_SCOPES,
        },
        DemoClient {
            role: "department system",
            owner: "福州市市场监督管理局",
            client_id: DEPARTMENT_CLIENT_ID,
            secret: DEPARTMENT_CLIENT_SECRET,
            scopes: DEPARTMENT_SCOPES,
        },
    ]
}

// ---------------------------------------------------------------------------
// Seeding.

/// Seeds the demo data set; running it again changes nothing.
pub async fn seed(state: &AppState) -> ServiceResult<DemoSummary> {
    let now = state.now();
    // Hash once, outside the transaction (argon2 is slow on purpose), and
    // only when an account is missing.
    let emails: Vec<&str> = ACCOUNTS.iter().map(|a| a.email).collect();
    let present = account::Entity::find()
        .filter(account::Column::Email.is_in(emails))
        .count(&state.db)
        .await?;
    let password_hash = if (present as usize) < ACCOUNTS.len() {
        Some(hash_demo_password().await?)
    } else {
        None
    };

    let txn = begin_write(&state.db).await?;
    let summary = seed_in(&txn, state, now, password_hash.as_deref()).await?;
    txn.commit().await?;
    Ok(summary)
}

/// Seeds only a database without accounts (a fresh install).
pub async fn seed_if_empty(state: &AppState) -> ServiceResult<Option<DemoSummary>> {
    if account::Entity::find().count(&state.db).await? > 0 {
        return Ok(None);
    }
    seed(state).await.map(Some)
}

async fn hash_demo_password() -> ServiceResult<String> {
    tokio::task::spawn_blocking(|| password::hash(DEMO_PASSWORD))
        .await
        .map_err(|e| ServiceError::Internal(format!("hashing task: {e}")))?
        .map_err(|e| ServiceError::Internal(format!("hashing: {e}")))
}

async fn seed_in(
    txn: &impl ConnectionTrait,
    state: &AppState,
    now: DateTime<Utc>,
    password_hash: Option<&str>,
) -> ServiceResult<DemoSummary> {
    let meta = RequestMeta::default();
    let mut summary = DemoSummary {
        departments: Tally::default(),
        subjects: Tally::default(),
        related_persons: Tally::default(),
        records: Tally::default(),
        accounts: Tally::default(),
        bindings: Tally::default(),
        agencies: Tally::default(),
        clients: Tally::default(),
        sign_ins: sign_ins(),
        api_clients: api_clients(),
    };

    catalogue::ensure_builtin(txn, now).await?;

    // Departments.
    let mut departments: HashMap<&str, department::Model> = HashMap::new();
    for d in DEPARTMENTS {
        let (row, created) = ensure_department(txn, d, now).await?;
        summary.departments.add(created);
        departments.insert(d.code, row);
    }

    // Subjects: people first, so organisations can link their representatives.
    let mut subjects_by_slug: HashMap<&str, subject::Model> = HashMap::new();
    let mut person_ids: HashMap<&str, (ResidentId, i64)> = HashMap::new();
    for p in PERSONS {
        let id = person_id(p)?;
        let new = NewSubject {
            kind: SubjectKind::NaturalPerson,
            name: p.name.to_string(),
            identifier: SubjectIdentifier::ResidentId(id.clone()),
            legal_representative: None,
            region_code: None,
            contact_email: Some(format!("{}@xinyong.demo", p.slug)),
            registered_on: None,
        };
        let (row, created) = ensure_subject(txn, state, new, now).await?;
        summary.subjects.add(created);
        person_ids.insert(p.name, (id, row.id));
        subjects_by_slug.insert(p.slug, row);
    }
    for (i, o) in ORGS.iter().enumerate() {
        let serial = u32::try_from(i + 1)
            .map_err(|_| ServiceError::Internal("too many demo organisations".into()))?;
        let uscc = demo_uscc(o.kind, o.region, serial)?;
        let new = NewSubject {
            kind: o.kind,
            name: o.name.to_string(),
            identifier: SubjectIdentifier::Uscc(uscc),
            legal_representative: Some(o.legal_rep.to_string()),
            region_code: Some(o.region.to_string()),
            contact_email: Some(format!("contact@{}.demo", o.slug)),
            registered_on: Some(date(o.registered)?),
        };
        let (row, created) = ensure_subject(txn, state, new, now).await?;
        summary.subjects.add(created);
        let linked = person_ids.get(o.legal_rep);
        let created = ensure_legal_representative(txn, state, &row, o, linked, now).await?;
        summary.related_persons.add(created);
        subjects_by_slug.insert(o.slug, row);
    }

    // Accounts and their bindings.
    for a in ACCOUNTS {
        let department_id = match a.department {
            Some(code) => Some(lookup(&departments, code, "department")?.id),
            None => None,
        };
        let (acc, created) =
            ensure_account(txn, a, department_id, password_hash, now, &meta).await?;
        summary.accounts.add(created);
        if let Some(slug) = a.owns {
            let subject = lookup(&subjects_by_slug, slug, "subject")?;
            let created = ensure_binding(txn, acc.id, subject.id, now, &meta).await?;
            summary.bindings.add(created);
        }
    }

    // The credit agency and the department's system.
    let agency_uscc = demo_uscc(SubjectKind::Enterprise, FUZHOU, AGENCY_SERIAL)?;
    let (agency_row, created) = match agency::Entity::find()
        .filter(agency::Column::Uscc.eq(agency_uscc.as_str()))
        .one(txn)
        .await?
    {
        Some(row) => (row, false),
        None => (
            agencies::insert_demo_agency(
                txn,
                now,
                AGENCY_NAME,
                &agency_uscc,
                "91350000-ZX-2019-0008",
                "service@xincheng-credit.demo",
            )
            .await?,
            true,
        ),
    };
    summary.agencies.add(created);
    let market = lookup(&departments, MARKET_DEPARTMENT_CODE, "department")?;
    let client_specs = [
        (
            ClientOwner::Agency(agency_row.id),
            AGENCY_CLIENT_ID,
            "福建信诚征信 API",
            AGENCY_CLIENT_SECRET,
            AGENCY_SCOPES,
        ),
        (
            ClientOwner::Department(market.id),
            DEPARTMENT_CLIENT_ID,
            "市场监管局信用信息报送系统",
            DEPARTMENT_CLIENT_SECRET,
            DEPARTMENT_SCOPES,
        ),
    ];
    let mut department_client_id = None;
    for (owner, client_id, name, secret, scopes) in client_specs {
        let existing = api_client::Entity::find()
            .filter(api_client::Column::ClientId.eq(client_id))
            .one(txn)
            .await?;
        let (row, created) = match existing {
            Some(row) => (row, false),
            None => (
                agencies::insert_client(
                    txn,
                    now,
                    owner,
                    &agencies::ClientSpec {
                        client_id,
                        name,
                        secret,
                        scopes,
                        rate_tier: RATE_TIER,
                    },
                    None,
                    &meta,
                )
                .await?,
                true,
            ),
        };
        summary.clients.add(created);
        if matches!(owner, ClientOwner::Department(_)) {
            department_client_id = Some(row.id);
        }
    }

    // Credit records.
    let defs: HashMap<String, CategoryDef> = catalogue::builtin()
        .map_err(|e| ServiceError::Internal(format!("built-in catalogue: {e}")))?
        .into_iter()
        .map(|d| (d.code.clone(), d))
        .collect();
    let categories: HashMap<String, record_category::Model> = record_category::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|c| (c.code.clone(), c))
        .collect();
    for spec in demo_records() {
        let dept_spec = DEPARTMENTS
            .iter()
            .find(|d| d.code == spec.department)
            .ok_or_else(|| {
                ServiceError::Internal(format!("demo department {} unknown", spec.department))
            })?;
        let dept = lookup(&departments, spec.department, "department")?;
        let subject = lookup(&subjects_by_slug, spec.subject, "subject")?;
        let def = defs.get(spec.category).ok_or_else(|| {
            ServiceError::Internal(format!("demo category {} unknown", spec.category))
        })?;
        let category = categories.get(spec.category).ok_or_else(|| {
            ServiceError::Internal(format!("category {} not in the database", spec.category))
        })?;
        let submitted_by = (spec.department == MARKET_DEPARTMENT_CODE)
            .then_some(department_client_id)
            .flatten();
        let created = ensure_record(
            txn,
            &spec,
            dept_spec,
            dept,
            subject,
            def,
            category,
            submitted_by,
            now,
        )
        .await?;
        summary.records.add(created);
    }

    if summary.created_anything() {
        audit::record(
            txn,
            AuditEntry::system("demo.seed", "demo", now, &meta).detail(json!({
                "departments": summary.departments.created,
                "subjects": summary.subjects.created,
                "records": summary.records.created,
                "accounts": summary.accounts.created,
                "clients": summary.clients.created,
            })),
        )
        .await?;
    }
    Ok(summary)
}

fn lookup<'a, T>(map: &'a HashMap<&str, T>, key: &str, what: &str) -> ServiceResult<&'a T> {
    map.get(key)
        .ok_or_else(|| ServiceError::Internal(format!("demo {what} {key} missing")))
}

async fn ensure_department(
    conn: &impl ConnectionTrait,
    d: &DeptSpec,
    now: DateTime<Utc>,
) -> ServiceResult<(department::Model, bool)> {
    if let Some(row) = department::Entity::find()
        .filter(department::Column::Code.eq(d.code))
        .one(conn)
        .await?
    {
        return Ok((row, false));
    }
    let row = department::ActiveModel {
        code: Set(d.code.to_string()),
        name_zh: Set(d.name_zh.to_string()),
        name_en: Set(d.name_en.to_string()),
        region_code: Set(FUZHOU.to_string()),
        contact_email: Set(Some(format!(
            "credit@{}.fuzhou.demo",
            d.prefix.to_lowercase()
        ))),
        may_register_subjects: Set(d.registers_subjects),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok((row, true))
}

async fn ensure_subject(
    conn: &impl ConnectionTrait,
    state: &AppState,
    new: NewSubject,
    now: DateTime<Utc>,
) -> ServiceResult<(subject::Model, bool)> {
    if let Some(row) = subjects::find_by_identifier(conn, &state.keys, &new.identifier).await? {
        return Ok((row, false));
    }
    Ok((
        subjects::insert_subject(conn, &state.keys, new, now).await?,
        true,
    ))
}

async fn ensure_legal_representative(
    conn: &impl ConnectionTrait,
    state: &AppState,
    org: &subject::Model,
    spec: &OrgSpec,
    person: Option<&(ResidentId, i64)>,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let exists = related_person::Entity::find()
        .filter(related_person::Column::SubjectId.eq(org.id))
        .filter(related_person::Column::Role.eq(RelatedRole::LegalRepresentative))
        .filter(related_person::Column::Name.eq(spec.legal_rep))
        .one(conn)
        .await?
        .is_some();
    if exists {
        return Ok(false);
    }
    let identity = person.map(|(id, _)| {
        subjects::identity_columns(&state.keys, &SubjectIdentifier::ResidentId(id.clone()))
    });
    related_person::ActiveModel {
        subject_id: Set(org.id),
        person_subject_id: Set(person.map(|(_, subject_id)| *subject_id)),
        role: Set(RelatedRole::LegalRepresentative),
        name: Set(spec.legal_rep.to_string()),
        identifier_hash: Set(identity.as_ref().map(|c| c.hash.clone())),
        identifier_masked: Set(identity.map(|c| c.masked)),
        valid_from: Set(org.registered_on),
        valid_until: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(true)
}

async fn ensure_account(
    conn: &impl ConnectionTrait,
    a: &AccountSpec,
    department_id: Option<i64>,
    password_hash: Option<&str>,
    now: DateTime<Utc>,
    meta: &RequestMeta,
) -> ServiceResult<(account::Model, bool)> {
    if let Some(row) = account::Entity::find()
        .filter(account::Column::Email.eq(a.email))
        .one(conn)
        .await?
    {
        return Ok((row, false));
    }
    let hash =
        password_hash.ok_or_else(|| ServiceError::Internal("demo password hash missing".into()))?;
    let row = account::ActiveModel {
        email: Set(a.email.to_string()),
        display_name: Set(a.display_name.to_string()),
        password_hash: Set(hash.to_string()),
        role: Set(a.role),
        department_id: Set(department_id),
        language: Set("zh-CN".to_string()),
        status: Set(AccountStatus::Active),
        email_verified_at: Set(Some(now)),
        notify_prefs: Set(json!({ "email": true })),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        AuditEntry::system("account.create", "account", now, meta)
            .object_id(Some(row.id.to_string()))
            .detail(json!({ "role": row.role, "source": "demo" })),
    )
    .await?;
    Ok((row, true))
}

async fn ensure_binding(
    conn: &impl ConnectionTrait,
    account_id: i64,
    subject_id: i64,
    now: DateTime<Utc>,
    meta: &RequestMeta,
) -> ServiceResult<bool> {
    let exists = account_subject::Entity::find()
        .filter(account_subject::Column::AccountId.eq(account_id))
        .filter(account_subject::Column::SubjectId.eq(subject_id))
        .one(conn)
        .await?
        .is_some();
    if exists {
        return Ok(false);
    }
    let row = account_subject::ActiveModel {
        account_id: Set(account_id),
        subject_id: Set(subject_id),
        role: Set(BindingRole::Owner),
        bound_via: Set(BindingMethod::Demo),
        bound_at: Set(now),
        verified_by_account_id: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        AuditEntry::system("subject.bind", "account_subject", now, meta)
            .object_id(Some(row.id.to_string()))
            .subject(subject_id)
            .detail(json!({ "account_id": account_id, "bound_via": BindingMethod::Demo, "role": BindingRole::Owner })),
    )
    .await?;
    Ok(true)
}

/// Approximate disclosure window from the category's publication rule; the
/// disclosure engine computes the exact one from the rule set.
fn disclosure_window(
    def: &CategoryDef,
    severity: Option<Severity>,
    content: &Value,
    decided_on: NaiveDate,
    valid_until: Option<NaiveDate>,
) -> Option<NaiveDate> {
    let months = |n: u32| decided_on.checked_add_months(Months::new(n));
    match def.publication_rule_for(severity, content).as_str() {
        "publication.penalty.minor" => months(3),
        "publication.penalty.general"
        | "publication.elevator_bad_record"
        | "publication.elevator_blacklist" => months(12),
        "publication.elevator_blacklist.large" => months(24),
        "publication.penalty.serious" | "publication.elevator_blacklist.major" => months(36),
        "publication.elevator_blacklist.extraordinary" => months(48),
        "publication.hint" | "publication.warning" => months(60),
        "publication.good" | "publication.rating" => valid_until,
        // Basic information lasts until 3 years after the subject ends; a
        // court listing until the court ends it.
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
async fn ensure_record(
    conn: &impl ConnectionTrait,
    spec: &RecordSpec,
    dept_spec: &DeptSpec,
    dept: &department::Model,
    subject: &subject::Model,
    def: &CategoryDef,
    category: &record_category::Model,
    submitted_by_client_id: Option<i64>,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let decided_on = date(spec.decided_on)?;
    let source_ref = format!(
        "{}-{}-{:06}",
        dept_spec.prefix, spec.decided_on.0, spec.serial
    );
    let exists = credit_record::Entity::find()
        .filter(credit_record::Column::DepartmentId.eq(dept.id))
        .filter(credit_record::Column::SourceRef.eq(source_ref.as_str()))
        .one(conn)
        .await?
        .is_some();
    if exists {
        return Ok(false);
    }
    let valid_until = spec.valid_until.map(date).transpose()?;
    // Natural persons' data is only ever disclosed with their consent here,
    // whatever the category's default (seed 002 l.595).
    let disclosure = if subject.kind == SubjectKind::NaturalPerson {
        Disclosure::Authorized
    } else {
        def.disclosure_for(subject.kind)
    };
    credit_record::ActiveModel {
        subject_id: Set(subject.id),
        category_id: Set(category.id),
        department_id: Set(dept.id),
        source_ref: Set(source_ref),
        title: Set(spec.title.to_string()),
        content: Set(spec.content.clone()),
        legal_basis_type: Set(Some(spec.basis.0.to_string())),
        legal_basis_number: Set(Some(spec.basis.1.to_string())),
        legal_basis_issuer: Set(Some(dept.name_zh.clone())),
        legal_basis_effective_on: Set(Some(decided_on)),
        decided_on: Set(decided_on),
        conduct_ended_on: Set(None),
        valid_until: Set(valid_until),
        severity: Set(spec.severity),
        disclosure: Set(disclosure),
        disclosure_start: Set(decided_on),
        disclosure_end: Set(disclosure_window(
            def,
            spec.severity,
            &spec.content,
            decided_on,
            valid_until,
        )),
        status: Set(RecordStatus::Active),
        status_reason: Set(None),
        payload_hash: Set(sha256_hex(domain::consent::canonical_json(&spec.content))),
        submitted_by_account_id: Set(None),
        submitted_by_client_id: Set(submitted_by_client_id),
        submitted_at: Set(now),
        late_submission: Set(false),
        derived_from_record_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    // No revision: version 1 is the record itself (records::write_revisions).
    Ok(true)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn published_identifiers_match_the_generator() {
        let index = |slug: &str| ORGS.iter().position(|o| o.slug == slug).unwrap() as u32 + 1;
        assert_eq!(
            demo_uscc(E, FUZHOU, index("minjiang-dianzi"))
                .unwrap()
                .as_str(),
            ENTERPRISE_USCC
        );
        assert_eq!(
            demo_uscc(E, FUZHOU, index("hengda-maoyi"))
                .unwrap()
                .as_str(),
            COURT_DEFAULTER_USCC
        );
        assert_eq!(
            ORGS[index("minjiang-dianzi") as usize - 1].name,
            ENTERPRISE_NAME
        );
    }

    #[test]
    fn the_data_set_has_the_promised_shape() {
        let count = |k: SubjectKind| ORGS.iter().filter(|o| o.kind == k).count();
        assert_eq!(ORGS.len() + PERSONS.len(), 50);
        assert_eq!(count(IB), 3);
        assert_eq!(count(SO), 1);
        assert_eq!(count(PI), 2);
        assert_eq!(DEPARTMENTS.len(), 12);
        let mut codes = HashSet::new();
        for (i, o) in ORGS.iter().enumerate() {
            let u = demo_uscc(o.kind, o.region, i as u32 + 1).unwrap();
            assert!(Uscc::parse(u.as_str()).is_ok());
            assert!(u.embedded_org_code_conforms(), "{}", u.as_str());
            assert_eq!(
                u.suggested_subject_kind().as_str(),
                serde_json::to_value(o.kind).unwrap()
            );
            assert!(
                codes.insert(u.as_str().to_string()),
                "duplicate {}",
                u.as_str()
            );
        }
        for p in PERSONS {
            let id = person_id(p).unwrap();
            assert!(ResidentId::parse(id.as_str()).is_ok());
            assert!(id.as_str().starts_with("3501"));
        }
        let slugs: HashSet<&str> = ORGS
            .iter()
            .map(|o| o.slug)
            .chain(PERSONS.iter().map(|p| p.slug))
            .collect();
        assert_eq!(slugs.len(), 50);
        for a in ACCOUNTS {
            assert!(a.owns.is_none_or(|s| slugs.contains(s)));
        }
        // Some legal representatives are natural-person subjects.
        assert!(
            ORGS.iter()
                .filter(|o| PERSONS.iter().any(|p| p.name == o.legal_rep))
                .count()
                >= 3
        );
    }

    /// A small check of content against the catalogue's schema subset.
    fn conforms(schema: &Value, content: &Value) -> Result<(), String> {
        let props = schema["properties"].as_object().unwrap();
        for r in schema["required"].as_array().unwrap() {
            let r = r.as_str().unwrap();
            if content.get(r).is_none() {
                return Err(format!("missing {r}"));
            }
        }
        for (k, v) in content.as_object().ok_or("not an object")? {
            let p = props.get(k).ok_or_else(|| format!("unknown field {k}"))?;
            let ok = match p["type"].as_str().unwrap() {
                "string" => v.as_str().is_some_and(|s| {
                    p.get("maxLength")
                        .and_then(Value::as_u64)
                        .is_none_or(|m| s.chars().count() as u64 <= m)
                        && p.get("enum")
                            .and_then(Value::as_array)
                            .is_none_or(|e| e.contains(v))
                }),
                "integer" => v.is_i64() || v.is_u64(),
                "number" => v.is_number(),
                "boolean" => v.is_boolean(),
                _ => false,
            };
            if !ok {
                return Err(format!("field {k} = {v} does not fit {p}"));
            }
        }
        Ok(())
    }

    #[test]
    fn every_demo_record_fits_its_category() {
        let defs: HashMap<String, CategoryDef> = catalogue::builtin()
            .unwrap()
            .into_iter()
            .map(|d| (d.code.clone(), d))
            .collect();
        let kinds: HashMap<&str, SubjectKind> = ORGS
            .iter()
            .map(|o| (o.slug, o.kind))
            .chain(PERSONS.iter().map(|p| (p.slug, SubjectKind::NaturalPerson)))
            .collect();
        let mut refs = HashSet::new();
        let records = demo_records();
        for r in &records {
            let def = &defs[r.category];
            let kind = kinds[r.subject];
            assert!(
                def.applies_to(kind),
                "{} does not apply to {kind:?} ({})",
                r.category,
                r.subject
            );
            conforms(&def.content_schema, &r.content)
                .unwrap_or_else(|e| panic!("{} {}: {e}", r.subject, r.category));
            assert_eq!(
                def.severity_required,
                r.severity.is_some(),
                "{} {}",
                r.subject,
                r.category
            );
            assert!(DEPARTMENTS.iter().any(|d| d.code == r.department));
            assert!(
                refs.insert((r.department, r.decided_on.0, r.serial)),
                "duplicate source_ref {} {}",
                r.department,
                r.serial
            );
            let decided = date(r.decided_on).unwrap();
            assert!(
                (2024..=2026).contains(&chrono::Datelike::year(&decided)),
                "{}",
                r.title
            );
            if let Some(until) = r.valid_until {
                assert!(date(until).unwrap() > decided);
            }
        }
        let used: HashSet<&str> = records.iter().map(|r| r.category).collect();
        for code in [
            "administrative_licence",
            "administrative_penalty",
            "court_defaulter",
            "tax_grade_a",
            "tax_credit_rating",
            "abnormal_operations",
            "elevator_bad_record",
            "civilised_unit",
            "industry_honour",
        ] {
            assert!(used.contains(code), "no demo record of {code}");
        }
        for sev in [Severity::Minor, Severity::General, Severity::Serious] {
            assert!(
                records
                    .iter()
                    .any(|r| r.category == "administrative_penalty" && r.severity == Some(sev))
            );
        }
        assert_eq!(
            records
                .iter()
                .filter(|r| r.category == "court_defaulter")
                .count(),
            1
        );
        assert!(
            records
                .iter()
                .any(|r| kinds[r.subject] == SubjectKind::NaturalPerson)
        );
    }

    #[test]
    fn windows_follow_the_publication_rules() {
        let defs = catalogue::builtin().unwrap();
        let def = |c: &str| defs.iter().find(|d| d.code == c).unwrap().clone();
        let on = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        let penalty = def("administrative_penalty");
        assert_eq!(
            disclosure_window(&penalty, Some(Severity::Minor), &json!({}), on, None),
            NaiveDate::from_ymd_opt(2026, 4, 30)
        );
        assert_eq!(
            disclosure_window(&penalty, Some(Severity::Serious), &json!({}), on, None),
            NaiveDate::from_ymd_opt(2029, 1, 31)
        );
        assert_eq!(
            disclosure_window(&def("administrative_licence"), None, &json!({}), on, None),
            None
        );
        assert_eq!(
            disclosure_window(&def("court_defaulter"), None, &json!({}), on, None),
            None
        );
        let until = NaiveDate::from_ymd_opt(2027, 4, 30);
        assert_eq!(
            disclosure_window(&def("tax_grade_a"), None, &json!({}), on, until),
            until
        );
        assert_eq!(
            disclosure_window(
                &def("elevator_blacklist"),
                None,
                &json!({ "accident_level": "extraordinary" }),
                on,
                None
            ),
            NaiveDate::from_ymd_opt(2030, 1, 31)
        );
    }

    #[test]
    fn the_summary_lists_every_credential() {
        let summary = DemoSummary {
            departments: Tally {
                created: 12,
                existing: 0,
            },
            subjects: Tally {
                created: 50,
                existing: 0,
            },
            related_persons: Tally::default(),
            records: Tally {
                created: 3,
                existing: 1,
            },
            accounts: Tally {
                created: 4,
                existing: 0,
            },
            bindings: Tally::default(),
            agencies: Tally::default(),
            clients: Tally {
                created: 0,
                existing: 2,
            },
            sign_ins: sign_ins(),
            api_clients: api_clients(),
        };
        let text = summary.to_string();
        for needle in [
            DEMO_PASSWORD,
            OPERATOR_EMAIL,
            STAFF_EMAIL,
            ENTERPRISE_USER_EMAIL,
            PERSON_USER_EMAIL,
            AGENCY_CLIENT_ID,
            AGENCY_CLIENT_SECRET,
            DEPARTMENT_CLIENT_ID,
            DEPARTMENT_CLIENT_SECRET,
            ENTERPRISE_USCC,
            "changes:read",
            "4 credit records",
        ] {
            assert!(text.contains(needle), "{needle} missing from:\n{text}");
        }
        // The email column is aligned.
        let cols: HashSet<usize> = ACCOUNTS
            .iter()
            .filter_map(|a| {
                text.lines()
                    .find(|l| l.contains(a.email))
                    .and_then(|l| l.find(a.email))
            })
            .collect();
        assert_eq!(cols.len(), 1, "{text}");
    }
}
