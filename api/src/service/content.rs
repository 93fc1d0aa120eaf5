//! Checks a record's `content` against its category's schema (the JSON
//! Schema subset documented in docs/catalogue.md) and against the list of
//! information the platform must never collect.

use serde_json::Value;

use super::FieldError;

/// Information a credit platform may not collect (征信业管理条例 Art. 14:
/// 宗教信仰、基因、指纹、血型、疾病和病史). Matched against content field
/// names, in English and Chinese. Values are not scanned: a department's
/// name such as 疾病预防控制中心 is not health data.
const NEVER_COLLECT_WORDS: &[(&str, Item)] = &[
    ("religion", Item::Religion),
    ("religious", Item::Religion),
    ("gene", Item::Genes),
    ("genes", Item::Genes),
    ("genetic", Item::Genes),
    ("genome", Item::Genes),
    ("dna", Item::Genes),
    ("fingerprint", Item::Fingerprints),
    ("fingerprints", Item::Fingerprints),
    ("blood", Item::BloodType),
    ("bloodtype", Item::BloodType),
    ("disease", Item::Medical),
    ("diseases", Item::Medical),
    ("illness", Item::Medical),
    ("diagnosis", Item::Medical),
    ("medicalhistory", Item::Medical),
];
const NEVER_COLLECT_ZH: &[(&str, Item)] = &[
    ("宗教", Item::Religion),
    ("基因", Item::Genes),
    ("指纹", Item::Fingerprints),
    ("血型", Item::BloodType),
    ("病史", Item::Medical),
    ("疾病", Item::Medical),
    ("病历", Item::Medical),
];

#[derive(Clone, Copy)]
enum Item {
    Religion,
    Genes,
    Fingerprints,
    BloodType,
    Medical,
}

/// Every problem with `content`, each tied to its field path under `prefix`.
pub fn check(schema: &Value, content: &Value, prefix: &[String]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let path = |key: Option<&str>| -> Vec<String> {
        let mut p = prefix.to_vec();
        if let Some(k) = key {
            p.push(k.to_string());
        }
        p
    };
    let Some(obj) = content.as_object() else {
        errors.push(field_error(
            path(None),
            "CONTENT_NOT_OBJECT",
            "content must be a JSON object of the category's fields".into(),
        ));
        return errors;
    };
    let properties = schema.get("properties").and_then(Value::as_object);
    for (key, value) in obj {
        if let Some(what) = forbidden_cached(key) {
            errors.push(field_error(
                path(Some(key)),
                "NEVER_COLLECT",
                format!(
                    "{what} may not be collected by a credit platform; remove the field `{key}`"
                ),
            ));
            continue;
        }
        let Some(prop) = properties.and_then(|p| p.get(key)) else {
            errors.push(field_error(
                path(Some(key)),
                "CONTENT_FIELD_UNKNOWN",
                format!(
                    "`{key}` is not a field of this category; see its schema in docs/catalogue.md"
                ),
            ));
            continue;
        };
        if let Some(problem) = check_value(prop, value) {
            errors.push(field_error(
                path(Some(key)),
                "CONTENT_FIELD_INVALID",
                problem,
            ));
        }
    }
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        for name in required.iter().filter_map(Value::as_str) {
            let missing = match obj.get(name) {
                None | Some(Value::Null) => true,
                Some(Value::String(s)) => s.trim().is_empty(),
                _ => false,
            };
            if missing {
                errors.push(field_error(
                    path(Some(name)),
                    "CONTENT_FIELD_REQUIRED",
                    format!("`{name}` is required for this category"),
                ));
            }
        }
    }
    errors
}

fn field_error(field: Vec<String>, code: &'static str, message: String) -> FieldError {
    FieldError {
        field,
        code,
        message,
    }
}

/// Which never-collect item a field name names, if any. English names are
/// split into words (`blood_type`, `geneMarker`) so `general` is not `gene`.
pub fn forbidden(name: &str) -> Option<&'static str> {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        if c.is_ascii_alphanumeric() {
            cur.push(c.to_ascii_lowercase());
        } else if !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
    }
    words.push(cur);
    let joined: String = words.concat();
    let item = NEVER_COLLECT_WORDS
        .iter()
        .find(|(w, _)| words.iter().any(|x| x == w) || (w.len() > 8 && joined.contains(w)))
        .or_else(|| NEVER_COLLECT_ZH.iter().find(|(zh, _)| name.contains(zh)))
        .map(|(_, item)| *item)?;
    Some(match item {
        Item::Religion => "religious belief (宗教信仰)",
        Item::Genes => "genetic information (基因)",
        Item::Fingerprints => "fingerprints (指纹)",
        Item::BloodType => "blood type (血型)",
        Item::Medical => "medical history (疾病和病史)",
    })
}

/// [`forbidden`], worked out once per name and thread: every record of a
/// category carries the same few field names, and splitting and matching
/// them anew was a tenth of a bulk import's own CPU. Bounded, since names
/// come from the input.
fn forbidden_cached(name: &str) -> Option<&'static str> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    const MAX_NAMES: usize = 1024;
    thread_local! {
        static SEEN: RefCell<HashMap<String, Option<&'static str>>> = RefCell::new(HashMap::new());
    }
    SEEN.with(|seen| {
        if let Some(known) = seen.borrow().get(name) {
            return *known;
        }
        let answer = forbidden(name);
        let mut seen = seen.borrow_mut();
        if seen.len() < MAX_NAMES {
            seen.insert(name.to_string(), answer);
        }
        answer
    })
}

/// The problem with one value, if any.
fn check_value(prop: &Value, value: &Value) -> Option<String> {
    if value.is_null() {
        return None;
    }
    match prop.get("type").and_then(Value::as_str) {
        Some("string") => {
            let Some(s) = value.as_str() else {
                return Some("must be text".into());
            };
            if let Some(max) = prop.get("maxLength").and_then(Value::as_u64)
                && s.chars().count() as u64 > max
            {
                return Some(format!("must be at most {max} characters"));
            }
            if let Some(options) = prop.get("enum").and_then(Value::as_array)
                && !options.iter().any(|o| o.as_str() == Some(s))
            {
                let list: Vec<&str> = options.iter().filter_map(Value::as_str).collect();
                return Some(format!("must be one of: {}", list.join(", ")));
            }
            if prop.get("format").and_then(Value::as_str) == Some("date")
                && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_err()
            {
                return Some("must be a date as YYYY-MM-DD".into());
            }
            None
        }
        Some(t @ ("number" | "integer")) => {
            let ok = if t == "integer" {
                value.is_i64() || value.is_u64()
            } else {
                value.is_number()
            };
            if !ok {
                return Some(format!(
                    "must be {}",
                    if t == "integer" {
                        "a whole number"
                    } else {
                        "a number"
                    }
                ));
            }
            let n = value.as_f64().unwrap_or_default();
            if let Some(min) = prop.get("minimum").and_then(Value::as_f64)
                && n < min
            {
                return Some(format!("must be at least {min}"));
            }
            if let Some(max) = prop.get("maximum").and_then(Value::as_f64)
                && n > max
            {
                return Some(format!("must be at most {max}"));
            }
            None
        }
        Some("boolean") => (!value.is_boolean()).then(|| "must be true or false".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema() -> Value {
        json!({
            "type": "object",
            "required": ["violation_type", "basis"],
            "properties": {
                "violation_type": { "type": "string", "maxLength": 5 },
                "basis": { "type": "string" },
                "fine_amount_yuan": { "type": "number", "minimum": 0 },
                "grade": { "type": "string", "enum": ["A", "B"] },
                "count": { "type": "integer" },
                "on": { "type": "string", "format": "date" }
            }
        })
    }

    fn codes(content: Value) -> Vec<(String, &'static str)> {
        check(&schema(), &content, &["content".into()])
            .into_iter()
            .map(|e| (e.field.join("."), e.code))
            .collect()
    }

    #[test]
    fn valid_content_passes() {
        assert!(codes(json!({ "violation_type": "无证经营", "basis": "《条例》第5条", "fine_amount_yuan": 5000, "grade": "A", "count": 3, "on": "2025-01-02" })).is_empty());
    }

    #[test]
    fn each_problem_is_reported_on_its_field() {
        let got = codes(json!({
            "violation_type": "太长的违法行为类型",
            "fine_amount_yuan": -1,
            "grade": "C",
            "count": 1.5,
            "on": "02/01/2025",
            "extra": "x",
        }));
        assert!(got.contains(&("content.violation_type".into(), "CONTENT_FIELD_INVALID")));
        assert!(got.contains(&("content.fine_amount_yuan".into(), "CONTENT_FIELD_INVALID")));
        assert!(got.contains(&("content.grade".into(), "CONTENT_FIELD_INVALID")));
        assert!(got.contains(&("content.count".into(), "CONTENT_FIELD_INVALID")));
        assert!(got.contains(&("content.on".into(), "CONTENT_FIELD_INVALID")));
        assert!(got.contains(&("content.extra".into(), "CONTENT_FIELD_UNKNOWN")));
        assert!(got.contains(&("content.basis".into(), "CONTENT_FIELD_REQUIRED")));
        assert_eq!(
            codes(json!([1, 2])),
            vec![("content".into(), "CONTENT_NOT_OBJECT")]
        );
    }

    #[test]
    fn never_collect_keys_and_values_are_refused() {
        // Twice: the second round answers from the per-thread cache.
        for key in [0, 1]
            .map(|_| {
                [
                    "religion",
                    "blood_type",
                    "Fingerprint_hash",
                    "宗教信仰",
                    "病史",
                    "gene_marker",
                    "diagnosis",
                    "geneMarker",
                    "medical_history",
                ]
            })
            .concat()
        {
            let got = codes(json!({ "violation_type": "x", "basis": "y", key: "z" }));
            assert_eq!(
                got,
                vec![(format!("content.{key}"), "NEVER_COLLECT")],
                "{key}"
            );
        }
        for name in ["general_manager", "medical_device_licence"] {
            assert_eq!(forbidden(name), None);
            assert_eq!(forbidden_cached(name), None);
        }
        // Field values are not scanned: an issuer like 疾病预防控制中心 is fine.
        assert!(
            codes(json!({ "violation_type": "x", "basis": "福州市疾病预防控制中心" })).is_empty()
        );
    }
}
