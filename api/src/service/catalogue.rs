//! The record catalogue (信用信息目录): the categories departments publish
//! records under, with their information class, default disclosure, list
//! kind, publication rule and content schema.
//!
//! The catalogue is data (`api/resources/catalogue.toml`, documented in
//! `docs/catalogue.md`), compiled into the binary, validated here and
//! upserted into `record_category` at start. Categories are never deleted:
//! records reference them.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use entity::enums::{Disclosure, InfoClass, ListKind, Severity, SubjectKind};
use entity::record_category;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use serde_json::{Value, json};

use super::audit::{self, AuditEntry};
use super::{ServiceError, ServiceResult};
use crate::auth::RequestMeta;

/// The built-in catalogue file.
pub const BUILTIN_TOML: &str = include_str!("../../resources/catalogue.toml");

/// Every publication rule id the built-in catalogue may use (variants
/// included). The disclosure engine maps each to the rule set; see
/// `docs/catalogue.md`.
pub const PUBLICATION_RULE_IDS: &[&str] = &[
    "publication.basic.after_termination",
    "publication.good",
    "publication.rating",
    "publication.hint",
    "publication.warning",
    "publication.penalty",
    "publication.penalty.minor",
    "publication.penalty.general",
    "publication.penalty.serious",
    "publication.court_defaulter",
    "publication.elevator_bad_record",
    "publication.elevator_blacklist",
    "publication.elevator_blacklist.large",
    "publication.elevator_blacklist.major",
    "publication.elevator_blacklist.extraordinary",
];

/// Longest code or rule id the `record_category` columns hold.
const MAX_ID_LEN: usize = 64;

/// Why a catalogue file was refused. Messages name the category and the key,
/// so the author can find the line.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// Not TOML, or a key has the wrong type or an unknown value (the TOML
    /// error carries the line and column).
    #[error("catalogue is not valid TOML for the catalogue format: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("catalogue version {found} is not supported (expected {expected})")]
    Version { found: u32, expected: u32 },
    #[error("catalogue defines no categories")]
    Empty,
    #[error("category code `{0}` is defined more than once")]
    DuplicateCode(String),
    #[error("information class `{0}` is defined more than once")]
    DuplicateClass(String),
    #[error("information class `{0}` is missing from [[classes]]")]
    MissingClass(String),
    #[error("category `{code}`: {problem}")]
    Category { code: String, problem: String },
}

/// One of the four information classes (Measures Art. 12).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassDef {
    pub code: InfoClass,
    pub name_zh: String,
    pub name_en: String,
    pub definition_zh: String,
    pub definition_en: String,
    /// The class's default publication window.
    pub publication_rule: String,
    pub source: String,
}

/// One record category, as written in the catalogue file.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryDef {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub info_class: InfoClass,
    pub default_disclosure: Disclosure,
    /// Disclosure of natural persons' records: authorised query unless a law
    /// makes them public (seed 002 l.595).
    #[serde(default = "authorized")]
    pub natural_person_disclosure: Disclosure,
    pub repairable: bool,
    pub sector: String,
    pub list_kind: ListKind,
    pub double_publicity: bool,
    pub subject_kinds: Vec<SubjectKind>,
    pub publication_rule: String,
    /// What picks a graded window: `severity`, or `content.<field>`.
    #[serde(default)]
    pub publication_variants_by: Option<String>,
    /// Values of the selector that have a window of their own, named
    /// `<publication_rule>.<value>`.
    #[serde(default)]
    pub publication_variants: Vec<String>,
    #[serde(default)]
    pub severity_required: bool,
    /// Rule-set id of the deadline to end a listing (court lists).
    #[serde(default)]
    pub exit_rule: Option<String>,
    /// Rule-set id of the deadline for republishers to delete a delisted entry.
    #[serde(default)]
    pub delisting_rule: Option<String>,
    pub source: String,
    #[serde(default)]
    pub note: Option<String>,
    pub content_schema: Value,
}

fn authorized() -> Disclosure {
    Disclosure::Authorized
}

/// The whole catalogue file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub version: u32,
    pub classes: Vec<ClassDef>,
    #[serde(default)]
    pub categories: Vec<CategoryDef>,
}

const SUPPORTED_VERSION: u32 = 1;

impl CategoryDef {
    pub fn applies_to(&self, kind: SubjectKind) -> bool {
        self.subject_kinds.contains(&kind)
    }

    /// The disclosure a record of this category gets by default for a
    /// subject of `kind`.
    pub fn disclosure_for(&self, kind: SubjectKind) -> Disclosure {
        if kind == SubjectKind::NaturalPerson {
            self.natural_person_disclosure
        } else {
            self.default_disclosure
        }
    }

    /// The publication rule id for one record: the graded variant its
    /// severity (or content field) selects, else the category's rule.
    pub fn publication_rule_for(&self, severity: Option<Severity>, content: &Value) -> String {
        let selected = match self.publication_variants_by.as_deref() {
            Some("severity") => severity.map(severity_str).map(str::to_string),
            Some(by) => by
                .strip_prefix("content.")
                .and_then(|field| content.get(field))
                .and_then(Value::as_str)
                .map(str::to_string),
            None => None,
        };
        match selected {
            Some(v) if self.publication_variants.contains(&v) => {
                format!("{}.{v}", self.publication_rule)
            }
            _ => self.publication_rule.clone(),
        }
    }

    /// Names of the content fields a record must carry.
    pub fn required_fields(&self) -> Vec<&str> {
        self.content_schema
            .get("required")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// `subject_kinds` as stored in the `record_category.subject_kinds` column.
    pub fn subject_kinds_json(&self) -> Value {
        Value::Array(
            self.subject_kinds
                .iter()
                .map(|k| json!(kind_str(*k)))
                .collect(),
        )
    }

    fn problem(&self, problem: impl Into<String>) -> CatalogueError {
        CatalogueError::Category {
            code: self.code.clone(),
            problem: problem.into(),
        }
    }

    fn validate(&self) -> Result<(), CatalogueError> {
        if !is_snake_id(&self.code) {
            return Err(self.problem("code must be snake_case ASCII (a-z, 0-9, _), starting with a letter, at most 64 characters"));
        }
        if self.natural_person_disclosure == Disclosure::Public {
            return Err(self.problem(
                "natural_person_disclosure cannot be public: natural persons' records are never public on the platform",
            ));
        }
        if self.name_zh.trim().is_empty() || self.name_en.trim().is_empty() {
            return Err(self.problem("name_zh and name_en must not be empty"));
        }
        if !is_snake_id(&self.sector) {
            return Err(self.problem(format!("sector `{}` must be snake_case", self.sector)));
        }
        if self.subject_kinds.is_empty() {
            return Err(self.problem("subject_kinds must name at least one kind"));
        }
        let kinds: BTreeSet<&str> = self.subject_kinds.iter().map(|k| kind_str(*k)).collect();
        if kinds.len() != self.subject_kinds.len() {
            return Err(self.problem("subject_kinds lists a kind twice"));
        }
        if self.source.trim().is_empty() {
            return Err(self.problem("source must cite where the category comes from"));
        }
        // A red list is good news and a black list bad news; anything else
        // is a typo that would put a subject on the wrong list.
        match (self.list_kind, self.info_class) {
            (ListKind::Red, c) if c != InfoClass::Good => {
                return Err(self.problem("a red list must be of info_class good"));
            }
            (ListKind::Black, c) if c != InfoClass::Warning => {
                return Err(self.problem("a black list must be of info_class warning"));
            }
            _ => {}
        }
        self.validate_rules()?;
        validate_schema(&self.content_schema)
            .map_err(|p| self.problem(format!("content_schema: {p}")))?;
        self.validate_variants()
    }

    fn validate_rules(&self) -> Result<(), CatalogueError> {
        if !self.publication_rule.starts_with("publication.") || !is_rule_id(&self.publication_rule)
        {
            return Err(self.problem(format!(
                "publication_rule `{}` must be a dotted snake_case id under `publication.`",
                self.publication_rule
            )));
        }
        for (key, id) in [
            ("exit_rule", &self.exit_rule),
            ("delisting_rule", &self.delisting_rule),
        ] {
            if let Some(id) = id
                && !is_rule_id(id)
            {
                return Err(
                    self.problem(format!("{key} `{id}` must be a dotted snake_case rule id"))
                );
            }
        }
        Ok(())
    }

    fn validate_variants(&self) -> Result<(), CatalogueError> {
        let Some(by) = self.publication_variants_by.as_deref() else {
            if !self.publication_variants.is_empty() {
                return Err(self.problem("publication_variants needs publication_variants_by"));
            }
            return Ok(());
        };
        if self.publication_variants.is_empty() {
            return Err(self.problem("publication_variants_by needs publication_variants"));
        }
        let allowed: Vec<String> = if by == "severity" {
            ["minor", "general", "serious"].map(String::from).to_vec()
        } else if let Some(field) = by.strip_prefix("content.") {
            let values = self
                .content_schema
                .get("properties")
                .and_then(|p| p.get(field))
                .and_then(|p| p.get("enum"))
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    self.problem(format!(
                        "publication_variants_by `{by}` must name a content field with an enum"
                    ))
                })?;
            values
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        } else {
            return Err(self.problem(format!(
                "publication_variants_by `{by}` must be `severity` or `content.<field>`"
            )));
        };
        for v in &self.publication_variants {
            if !allowed.contains(v) {
                return Err(self.problem(format!(
                    "publication variant `{v}` is not a value of {by} (expected one of {})",
                    allowed.join(", ")
                )));
            }
            let id = format!("{}.{v}", self.publication_rule);
            if !is_rule_id(&id) {
                return Err(self.problem(format!(
                    "publication variant id `{id}` is not a valid rule id"
                )));
            }
        }
        if by == "severity" && !self.severity_required {
            return Err(self.problem("windows graded by severity need severity_required = true"));
        }
        Ok(())
    }
}

fn kind_str(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Enterprise => "enterprise",
        SubjectKind::SocialOrg => "social_org",
        SubjectKind::PublicInstitution => "public_institution",
        SubjectKind::IndividualBusiness => "individual_business",
        SubjectKind::NaturalPerson => "natural_person",
        SubjectKind::GovernmentBody => "government_body",
    }
}

fn severity_str(s: Severity) -> &'static str {
    match s {
        Severity::Minor => "minor",
        Severity::General => "general",
        Severity::Serious => "serious",
    }
}

fn is_snake_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_ID_LEN
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `a.b_c.d`: dotted snake_case segments, within the column width.
fn is_rule_id(s: &str) -> bool {
    s.len() <= MAX_ID_LEN && s.split('.').all(is_snake_id)
}

/// One content field of a category, labelled for readers (the portal's
/// record page, an integrator's display).
#[derive(Clone, Debug, PartialEq)]
pub struct ContentField {
    pub key: String,
    pub title_zh: String,
    pub title_en: String,
    /// For an enum field, each value with its labels.
    pub values: Vec<ValueLabel>,
    /// In the schema's `required` list.
    pub required: bool,
    /// The JSON type of the value (`type`; text when the schema says none).
    pub value_type: ValueType,
    /// `maxLength` of a text field.
    pub max_length: Option<u64>,
    /// `minimum` of a number field.
    pub minimum: Option<f64>,
}

/// The JSON type of a content field's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    Text,
    Number,
    Integer,
    Boolean,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueLabel {
    pub value: String,
    pub label_zh: String,
    pub label_en: String,
}

/// The labelled fields of a content schema, by key. A field's
/// Chinese title is `title`, its English one `title_en`; where either is
/// missing the key stands in. An enum field's title may list the values'
/// terms in order in brackets (`违法类型（偷税、抗税）`, `Grade (green, red)`,
/// docs/catalogue.md): then those are the value labels and the bracket is
/// dropped from the field title; otherwise a value is shown as written.
pub fn content_fields(schema: &Value) -> Vec<ContentField> {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    props
        .iter()
        .map(|(key, p)| {
            let values: Vec<&str> = p
                .get("enum")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let title = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or(key).trim();
            let (title_zh, zh) = split_terms(title("title"), values.len(), &['、']);
            let (title_en, en) = split_terms(title("title_en"), values.len(), &[',']);
            let values = values
                .iter()
                .enumerate()
                .map(|(i, v)| ValueLabel {
                    value: v.to_string(),
                    label_zh: zh.as_ref().map_or(*v, |t| t[i].as_str()).to_string(),
                    label_en: en
                        .as_ref()
                        .map_or_else(|| v.replace('_', " "), |t| t[i].clone()),
                })
                .collect();
            ContentField {
                key: key.clone(),
                title_zh,
                title_en,
                values,
                required: required.contains(&key.as_str()),
                value_type: match p.get("type").and_then(Value::as_str) {
                    Some("number") => ValueType::Number,
                    Some("integer") => ValueType::Integer,
                    Some("boolean") => ValueType::Boolean,
                    _ => ValueType::Text,
                },
                max_length: p.get("maxLength").and_then(Value::as_u64),
                minimum: p.get("minimum").and_then(Value::as_f64),
            }
        })
        .collect()
}

/// `name（a、b）` → (`name`, [a, b]) when the bracket lists exactly `n`
/// terms; otherwise the title unchanged and no terms.
fn split_terms(title: &str, n: usize, seps: &[char]) -> (String, Option<Vec<String>>) {
    let unchanged = (title.to_string(), None);
    if n == 0 {
        return unchanged;
    }
    let Some(inner) = title
        .strip_suffix('）')
        .and_then(|t| t.rsplit_once('（'))
        .or_else(|| title.strip_suffix(')').and_then(|t| t.rsplit_once('(')))
    else {
        return unchanged;
    };
    let terms: Vec<String> = inner
        .1
        .split(seps)
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    if terms.len() != n {
        return unchanged;
    }
    (inner.0.trim().to_string(), Some(terms))
}

/// Checks that a content schema stays within the subset the platform
/// validates submissions with: an object with typed properties.
fn validate_schema(schema: &Value) -> Result<(), String> {
    const TOP: &[&str] = &[
        "$schema",
        "type",
        "required",
        "properties",
        "additionalProperties",
        "title",
        "description",
    ];
    const PROP: &[&str] = &[
        "type",
        "maxLength",
        "enum",
        "minimum",
        "title",
        "title_en",
        "description",
    ];
    let obj = schema.as_object().ok_or("must be a table")?;
    if let Some(k) = obj.keys().find(|k| !TOP.contains(&k.as_str())) {
        return Err(format!(
            "unsupported keyword `{k}` (allowed: {})",
            TOP.join(", ")
        ));
    }
    if obj.get("type").and_then(Value::as_str) != Some("object") {
        return Err("type must be \"object\"".into());
    }
    if obj
        .get("additionalProperties")
        .is_some_and(|v| !v.is_boolean())
    {
        return Err("additionalProperties must be true or false".into());
    }
    let props = obj
        .get("properties")
        .and_then(Value::as_object)
        .filter(|p| !p.is_empty())
        .ok_or("must have a non-empty `properties` table")?;
    for (name, prop) in props {
        if !is_snake_id(name) {
            return Err(format!("property `{name}` must be snake_case"));
        }
        let p = prop
            .as_object()
            .ok_or_else(|| format!("property `{name}` must be a table"))?;
        if let Some(k) = p.keys().find(|k| !PROP.contains(&k.as_str())) {
            return Err(format!(
                "property `{name}`: unsupported keyword `{k}` (allowed: {})",
                PROP.join(", ")
            ));
        }
        let ty = p.get("type").and_then(Value::as_str).unwrap_or_default();
        if !["string", "number", "integer", "boolean"].contains(&ty) {
            return Err(format!(
                "property `{name}`: type must be string, number, integer or boolean"
            ));
        }
        if let Some(max) = p.get("maxLength")
            && (ty != "string" || max.as_u64().is_none_or(|n| n == 0))
        {
            return Err(format!(
                "property `{name}`: maxLength must be a positive integer on a string"
            ));
        }
        if let Some(values) = p.get("enum") {
            let ok = ty == "string"
                && values
                    .as_array()
                    .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string));
            if !ok {
                return Err(format!(
                    "property `{name}`: enum must be a non-empty list of strings on a string"
                ));
            }
            let distinct: BTreeSet<&str> = values
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if values.as_array().is_some_and(|a| a.len() != distinct.len()) {
                return Err(format!("property `{name}`: enum lists a value twice"));
            }
        }
        if let Some(min) = p.get("minimum")
            && (!min.is_number() || !["number", "integer"].contains(&ty))
        {
            return Err(format!(
                "property `{name}`: minimum must be a number on a number or integer"
            ));
        }
        for key in ["title", "title_en", "description"] {
            if p.get(key).is_some_and(|v| !v.is_string()) {
                return Err(format!("property `{name}`: {key} must be a string"));
            }
        }
    }
    if let Some(required) = obj.get("required") {
        let list = required
            .as_array()
            .ok_or("required must be a list of property names")?;
        for r in list {
            let r = r
                .as_str()
                .ok_or("required must be a list of property names")?;
            if !props.contains_key(r) {
                return Err(format!("required field `{r}` is not among the properties"));
            }
        }
    }
    Ok(())
}

/// Parses and validates a catalogue file.
pub fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
    let catalogue: Catalogue = toml::from_str(text)?;
    if catalogue.version != SUPPORTED_VERSION {
        return Err(CatalogueError::Version {
            found: catalogue.version,
            expected: SUPPORTED_VERSION,
        });
    }
    let mut classes = BTreeSet::new();
    for class in &catalogue.classes {
        let name = info_class_str(class.code);
        if !classes.insert(name) {
            return Err(CatalogueError::DuplicateClass(name.to_string()));
        }
    }
    for class in [
        InfoClass::Basic,
        InfoClass::Good,
        InfoClass::Hint,
        InfoClass::Warning,
    ] {
        if !classes.contains(info_class_str(class)) {
            return Err(CatalogueError::MissingClass(
                info_class_str(class).to_string(),
            ));
        }
    }
    if catalogue.categories.is_empty() {
        return Err(CatalogueError::Empty);
    }
    let mut codes = BTreeSet::new();
    for def in &catalogue.categories {
        if !codes.insert(def.code.as_str()) {
            return Err(CatalogueError::DuplicateCode(def.code.clone()));
        }
        def.validate()?;
    }
    Ok(catalogue)
}

fn info_class_str(c: InfoClass) -> &'static str {
    match c {
        InfoClass::Basic => "basic",
        InfoClass::Good => "good",
        InfoClass::Hint => "hint",
        InfoClass::Warning => "warning",
    }
}

/// The built-in catalogue, parsed and validated.
pub fn builtin_catalogue() -> Result<Catalogue, CatalogueError> {
    parse(BUILTIN_TOML)
}

/// The built-in categories, parsed and validated.
pub fn builtin() -> Result<Vec<CategoryDef>, CatalogueError> {
    Ok(builtin_catalogue()?.categories)
}

/// One built-in category's definition by code (parsed once per process:
/// the catalogue is compiled in).
pub fn builtin_definition(code: &str) -> Option<&'static CategoryDef> {
    static DEFS: std::sync::OnceLock<Vec<CategoryDef>> = std::sync::OnceLock::new();
    DEFS.get_or_init(|| builtin().unwrap_or_default())
        .iter()
        .find(|d| d.code == code)
}

/// The columns of `record_category` a definition sets, by name, for
/// comparing a stored row with its definition.
fn definition_columns(def: &CategoryDef) -> BTreeMap<&'static str, Value> {
    BTreeMap::from([
        ("name_zh", json!(def.name_zh)),
        ("name_en", json!(def.name_en)),
        ("info_class", json!(def.info_class)),
        ("default_disclosure", json!(def.default_disclosure)),
        ("repairable", json!(def.repairable)),
        ("sector", json!(def.sector)),
        ("list_kind", json!(def.list_kind)),
        ("double_publicity", json!(def.double_publicity)),
        ("subject_kinds", def.subject_kinds_json()),
        ("publication_rule", json!(def.publication_rule)),
        ("content_schema", def.content_schema.clone()),
    ])
}

fn row_columns(row: &record_category::Model) -> BTreeMap<&'static str, Value> {
    BTreeMap::from([
        ("name_zh", json!(row.name_zh)),
        ("name_en", json!(row.name_en)),
        ("info_class", json!(row.info_class)),
        ("default_disclosure", json!(row.default_disclosure)),
        ("repairable", json!(row.repairable)),
        ("sector", json!(row.sector)),
        ("list_kind", json!(row.list_kind)),
        ("double_publicity", json!(row.double_publicity)),
        ("subject_kinds", row.subject_kinds.clone()),
        ("publication_rule", json!(row.publication_rule)),
        ("content_schema", row.content_schema.clone()),
    ])
}

/// Writes the built-in categories: inserts missing ones, updates those whose
/// definition changed, leaves the rest (and the `active` flag an operator
/// may have cleared) alone. Never deletes: records reference categories.
/// Each insert or change leaves an audit row by the system.
pub async fn ensure_builtin(db: &impl ConnectionTrait, now: DateTime<Utc>) -> ServiceResult<()> {
    let defs = builtin().map_err(|e| ServiceError::Internal(format!("built-in catalogue: {e}")))?;
    let meta = RequestMeta::default();
    for def in &defs {
        let existing = record_category::Entity::find()
            .filter(record_category::Column::Code.eq(def.code.as_str()))
            .one(db)
            .await?;
        match existing {
            None => {
                let row = record_category::ActiveModel {
                    code: Set(def.code.clone()),
                    name_zh: Set(def.name_zh.clone()),
                    name_en: Set(def.name_en.clone()),
                    info_class: Set(def.info_class),
                    default_disclosure: Set(def.default_disclosure),
                    repairable: Set(def.repairable),
                    sector: Set(Some(def.sector.clone())),
                    list_kind: Set(def.list_kind),
                    double_publicity: Set(def.double_publicity),
                    subject_kinds: Set(def.subject_kinds_json()),
                    publication_rule: Set(Some(def.publication_rule.clone())),
                    content_schema: Set(def.content_schema.clone()),
                    active: Set(true),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                audit::record(
                    db,
                    AuditEntry::system("catalogue.category.create", "record_category", now, &meta)
                        .object_id(Some(row.id.to_string()))
                        .detail(json!({ "code": def.code })),
                )
                .await?;
            }
            Some(row) => {
                let want = definition_columns(def);
                let have = row_columns(&row);
                let changed: Vec<&str> = want
                    .iter()
                    .filter(|(k, v)| have.get(*k) != Some(*v))
                    .map(|(k, _)| *k)
                    .collect();
                if changed.is_empty() {
                    continue;
                }
                let id = row.id;
                let mut active: record_category::ActiveModel = row.into();
                active.name_zh = Set(def.name_zh.clone());
                active.name_en = Set(def.name_en.clone());
                active.info_class = Set(def.info_class);
                active.default_disclosure = Set(def.default_disclosure);
                active.repairable = Set(def.repairable);
                active.sector = Set(Some(def.sector.clone()));
                active.list_kind = Set(def.list_kind);
                active.double_publicity = Set(def.double_publicity);
                active.subject_kinds = Set(def.subject_kinds_json());
                active.publication_rule = Set(Some(def.publication_rule.clone()));
                active.content_schema = Set(def.content_schema.clone());
                active.update(db).await?;
                audit::record(
                    db,
                    AuditEntry::system("catalogue.category.update", "record_category", now, &meta)
                        .object_id(Some(id.to_string()))
                        .detail(json!({ "code": def.code, "changed": changed })),
                )
                .await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn content_fields_label_fields_and_enum_values_in_both_languages() {
        let schema = json!({
            "type": "object",
            "properties": {
                "grade": {
                    "type": "string", "enum": ["green", "red"],
                    "title": "评价等级（绿牌、红牌）", "title_en": "Grade (green card, red card)"
                },
                "level": { "type": "string", "enum": ["city", "county"], "title": "级别（市）" },
                "fine_yuan": { "type": "number", "minimum": 0, "title": "罚款（元）", "title_en": "Fine (yuan)" },
                "case_no": { "type": "string", "maxLength": 64, "title": "案号" },
            },
            "required": ["grade", "case_no"]
        });
        let f = super::content_fields(&schema);
        let by = |k: &str| f.iter().find(|c| c.key == k).expect("field present");
        let grade = by("grade");
        assert_eq!(
            (grade.title_zh.as_str(), grade.title_en.as_str()),
            ("评价等级", "Grade")
        );
        assert_eq!(grade.values[1].label_zh, "红牌");
        assert_eq!(grade.values[1].label_en, "red card");
        // A bracket that does not list every value is part of the title.
        let level = by("level");
        assert_eq!(level.title_zh, "级别（市）");
        assert_eq!(level.title_en, "level");
        assert_eq!(level.values[0].label_zh, "city");
        // Not an enum: the bracket stays.
        assert_eq!(by("fine_yuan").title_zh, "罚款（元）");
        // What a form needs: required, the value's type and its limits.
        assert!(grade.required && by("case_no").required && !level.required);
        assert_eq!(by("fine_yuan").value_type, super::ValueType::Number);
        assert_eq!(by("fine_yuan").minimum, Some(0.0));
        assert_eq!(by("case_no").value_type, super::ValueType::Text);
        assert_eq!(by("case_no").max_length, Some(64));
        assert_eq!(by("fine_yuan").max_length, None);
    }

    #[test]
    fn every_builtin_content_field_has_both_titles() {
        let cat = super::parse(super::BUILTIN_TOML).expect("built-in catalogue parses");
        for c in &cat.categories {
            for (key, p) in c.content_schema["properties"]
                .as_object()
                .into_iter()
                .flatten()
            {
                for t in ["title", "title_en"] {
                    assert!(
                        p.get(t)
                            .and_then(serde_json::Value::as_str)
                            .is_some_and(|s| !s.is_empty()),
                        "{}.{key} has no {t}",
                        c.code
                    );
                }
            }
        }
    }

    use super::*;

    /// Every category the catalogue issue asks for.
    const REQUIRED_CODES: &[&str] = &[
        "administrative_licence",
        "administrative_penalty",
        "civilised_unit",
        "moral_model",
        "industry_honour",
        "tax_grade_a",
        "tax_credit_rating",
        "court_defaulter",
        "major_tax_violation",
        "market_serious_violation",
        "construction_violation",
        "traffic_violation",
        "environmental_violation",
        "abnormal_operations",
        "road_transport_dishonesty",
        "road_transport_blacklist",
        "elevator_bad_record",
        "elevator_blacklist",
        "social_org_annual_inspection",
        "social_org_abnormal_activity",
        "social_org_serious_violation",
    ];

    fn find<'a>(defs: &'a [CategoryDef], code: &str) -> &'a CategoryDef {
        defs.iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("category {code} missing"))
    }

    #[test]
    fn builtin_parses_and_has_every_required_category() {
        let cat = builtin_catalogue().expect("the built-in catalogue is valid");
        assert_eq!(cat.classes.len(), 4);
        for code in REQUIRED_CODES {
            find(&cat.categories, code);
        }
        // Every class is used by some category.
        for class in [
            InfoClass::Basic,
            InfoClass::Good,
            InfoClass::Hint,
            InfoClass::Warning,
        ] {
            assert!(
                cat.categories.iter().any(|c| c.info_class == class),
                "{class:?} unused"
            );
        }
    }

    #[test]
    fn builtin_categories_carry_the_seed_rules() {
        let defs = builtin().unwrap();
        let penalty = find(&defs, "administrative_penalty");
        assert!(penalty.double_publicity && penalty.repairable && penalty.severity_required);
        assert_eq!(
            (penalty.info_class, penalty.default_disclosure),
            (InfoClass::Warning, Disclosure::Public)
        );
        assert_eq!(
            penalty.disclosure_for(SubjectKind::NaturalPerson),
            Disclosure::Authorized
        );
        for (sev, id) in [
            (Severity::Minor, "publication.penalty.minor"),
            (Severity::General, "publication.penalty.general"),
            (Severity::Serious, "publication.penalty.serious"),
        ] {
            assert_eq!(penalty.publication_rule_for(Some(sev), &json!({})), id);
        }
        assert!(find(&defs, "administrative_licence").double_publicity);

        let court = find(&defs, "court_defaulter");
        assert!(!court.repairable);
        assert_eq!(court.list_kind, ListKind::Black);
        assert_eq!(
            court.disclosure_for(SubjectKind::NaturalPerson),
            Disclosure::Authorized
        );
        assert_eq!(court.exit_rule.as_deref(), Some("court_list.exit"));
        assert_eq!(
            court.delisting_rule.as_deref(),
            Some("delisting.republisher_deletion")
        );

        let elevator = find(&defs, "elevator_blacklist");
        assert_eq!(
            elevator.publication_rule_for(None, &json!({})),
            "publication.elevator_blacklist"
        );
        assert_eq!(
            elevator.publication_rule_for(None, &json!({ "accident_level": "major" })),
            "publication.elevator_blacklist.major"
        );
        assert_eq!(
            elevator.publication_rule_for(None, &json!({ "accident_level": "general" })),
            "publication.elevator_blacklist"
        );
        assert_eq!(
            find(&defs, "elevator_bad_record").publication_rule,
            "publication.elevator_bad_record"
        );

        // Natural persons' data is never public by default, except where a law says so.
        for d in &defs {
            if d.code != "court_defaulter" {
                assert_ne!(
                    d.disclosure_for(SubjectKind::NaturalPerson),
                    Disclosure::Public,
                    "{}",
                    d.code
                );
            }
        }
        let penalty_fields = penalty.required_fields();
        assert_eq!(
            penalty_fields,
            ["violation_type", "basis", "penalty_content"]
        );
    }

    #[test]
    fn every_rule_id_is_known_and_documented() {
        let cat = builtin_catalogue().unwrap();
        let docs = include_str!("../../../docs/catalogue.md");
        for d in &cat.categories {
            let mut ids = vec![d.publication_rule.clone()];
            ids.extend(
                d.publication_variants
                    .iter()
                    .map(|v| format!("{}.{v}", d.publication_rule)),
            );
            for id in ids {
                assert!(
                    PUBLICATION_RULE_IDS.contains(&id.as_str()),
                    "{} uses unlisted {id}",
                    d.code
                );
            }
            for id in [&d.exit_rule, &d.delisting_rule].into_iter().flatten() {
                assert!(
                    domain::rules::ALL_RULE_IDS.contains(&id.as_str()),
                    "{}: {id} is not in the rule set",
                    d.code
                );
            }
            assert!(
                docs.contains(&format!("`{}`", d.code)),
                "docs/catalogue.md misses {}",
                d.code
            );
        }
        for c in &cat.classes {
            assert!(PUBLICATION_RULE_IDS.contains(&c.publication_rule.as_str()));
        }
        for id in PUBLICATION_RULE_IDS {
            assert!(
                docs.contains(&format!("`{id}`")),
                "docs/catalogue.md misses {id}"
            );
        }
    }

    /// The built-in file with one category's TOML replaced.
    fn with(extra: &str) -> String {
        let head = BUILTIN_TOML
            .split("[[categories]]")
            .next()
            .unwrap_or_default();
        format!("{head}{extra}")
    }

    const GOOD: &str = r#"
[[categories]]
code = "sample"
name_zh = "样例"
name_en = "Sample"
info_class = "hint"
default_disclosure = "public"
repairable = false
sector = "general"
list_kind = "none"
double_publicity = false
subject_kinds = ["enterprise"]
publication_rule = "publication.hint"
source = "test"
[categories.content_schema]
type = "object"
required = ["a"]
properties.a = { type = "string", maxLength = 10 }
"#;

    fn err(text: &str) -> String {
        parse(text).expect_err("must be refused").to_string()
    }

    #[test]
    fn a_minimal_category_parses() {
        let cat = parse(&with(GOOD)).unwrap();
        assert_eq!(cat.categories.len(), 1);
        assert_eq!(
            cat.categories[0].natural_person_disclosure,
            Disclosure::Authorized
        );
    }

    #[test]
    fn bad_files_are_refused_with_a_useful_message() {
        let m = err(&with("[[categories]\ncode = 1"));
        assert!(m.contains("TOML") && m.contains("line"), "{m}");

        let m = err(&with(&GOOD.replace("\"hint\"", "\"gossip\"")));
        assert!(m.contains("gossip") && m.contains("basic"), "{m}");

        let m = err(&with(&format!("{GOOD}{GOOD}")));
        assert!(m.contains("`sample` is defined more than once"), "{m}");

        let m = err(&with(&GOOD.replace(
            "properties.a = { type = \"string\", maxLength = 10 }",
            "title = \"x\"",
        )));
        assert!(
            m.contains("category `sample`") && m.contains("properties"),
            "{m}"
        );

        let m = err(&with(
            &GOOD.replace("required = [\"a\"]", "required = [\"b\"]"),
        ));
        assert!(m.contains("required field `b`"), "{m}");

        let m = err(&with(&GOOD.replace("maxLength = 10", "format = \"date\"")));
        assert!(m.contains("unsupported keyword `format`"), "{m}");

        let m = err(&with(&GOOD.replace("\"publication.hint\"", "\"hint\"")));
        assert!(m.contains("publication_rule"), "{m}");

        let m = err(&with(
            &GOOD.replace("list_kind = \"none\"", "list_kind = \"red\""),
        ));
        assert!(m.contains("red list"), "{m}");

        let m = err(&with(
            &GOOD.replace("code = \"sample\"", "code = \"Sample Code\""),
        ));
        assert!(m.contains("snake_case"), "{m}");

        let m = err(&with(
            &GOOD.replace("source = \"test\"", "source = \"test\"\nsevere = true"),
        ));
        assert!(m.contains("severe"), "{m}");

        let graded = GOOD.replace(
            "source = \"test\"",
            "source = \"test\"\npublication_variants_by = \"content.a\"\npublication_variants = [\"x\"]",
        );
        let m = err(&with(&graded));
        assert!(m.contains("enum"), "{m}");

        let m = err(&BUILTIN_TOML.replacen("code = \"good\"", "code = \"basic\"", 1));
        assert!(m.contains("more than once"), "{m}");

        let m = err(&with("").replace("version = 1", "version = 2"));
        assert!(m.contains("version 2"), "{m}");

        let m = err(&with(""));
        assert!(m.contains("no categories"), "{m}");
    }
}
