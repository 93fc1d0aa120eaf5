//! Enums of subjects and records as the API shows them, mirroring the
//! entity enums one to one (English names; the stored values stay in the
//! entity crate).

use async_graphql::Enum;
use entity::enums as e;

use crate::service::views::View;

/// Which view of a subject and its records the viewer has.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewLevel {
    /// What anyone may see: public records in their window; personal data masked.
    Public,
    /// The subject's own view (a bound account): every record, with reasons.
    Own,
    /// Government sharing (department staff, operators): logged.
    Government,
}

impl From<View> for ViewLevel {
    fn from(v: View) -> Self {
        match v {
            View::Public => ViewLevel::Public,
            View::Own => ViewLevel::Own,
            View::Government => ViewLevel::Government,
        }
    }
}

/// Generates a GraphQL enum mirroring an entity enum (`entity::enums`),
/// with the conversions both ways.
macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident = $entity:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl From<e::$entity> for $name {
            fn from(v: e::$entity) -> Self {
                match v {
                    $(e::$entity::$variant => $name::$variant),+
                }
            }
        }

        impl From<$name> for e::$entity {
            fn from(v: $name) -> Self {
                match v {
                    $($name::$variant => e::$entity::$variant),+
                }
            }
        }
    };
}

mirror_enum! {
    /// Information class (Measures Art. 12).
    InfoClass = InfoClass {
        /// 基本信息
        Basic,
        /// 良好信息
        Good,
        /// 提示信息
        Hint,
        /// 警示信息
        Warning,
    }
}

mirror_enum! {
    /// The public list a category puts a subject on.
    ListKind = ListKind {
        None,
        /// 红名单 (honours)
        Red,
        /// 黑名单 (serious dishonesty)
        Black,
    }
}

mirror_enum! {
    /// Severity of a penalty.
    Severity = Severity {
        /// 轻微
        Minor,
        /// 一般
        General,
        /// 严重
        Serious,
    }
}

mirror_enum! {
    /// Disclosure attribute (公开属性, Measures Art. 22).
    Disclosure = Disclosure {
        /// 社会公开
        Public,
        /// 授权查询: only with the subject's consent
        Authorized,
        /// 政务共享: government bodies only
        Government,
    }
}

mirror_enum! {
    /// Where a record stands.
    RecordStatus = RecordStatus {
        Active,
        /// An objection is open; disclosure is suspended.
        UnderObjection,
        /// Credit repaired; no longer published or shared.
        Repaired,
        /// Withdrawn by the department.
        Withdrawn,
        /// The publication period ended; kept, not deleted.
        Archived,
        Deleted,
    }
}

mirror_enum! {
    /// What a revision did to a record.
    ChangeKind = ChangeKind {
        Create,
        Correct,
        Withdraw,
        Suspend,
        Restore,
        Repair,
        Archive,
        Delete,
    }
}

mirror_enum! {
    /// What kind of legal or natural person a subject is.
    SubjectKind = SubjectKind {
        /// 企业
        Enterprise,
        /// 社会组织
        SocialOrg,
        /// 事业单位
        PublicInstitution,
        /// 个体工商户
        IndividualBusiness,
        /// 自然人
        NaturalPerson,
        /// 机关
        GovernmentBody,
    }
}

mirror_enum! {
    /// Registration lifecycle of a subject.
    SubjectStatus = SubjectStatus {
        /// 存续
        Registered,
        /// 变更
        Changed,
        /// 注销
        Deregistered,
        /// 吊销
        Revoked,
    }
}
