//! Masking for display of personal data. Masks have a fixed shape that does
//! not reveal the length of what is hidden, except for names, where the
//! convention (张*丰) is what people expect to see.

/// `张三丰` → `张*丰`; `张三` → `张*`; `欧阳小明` → `欧**明`; one character → `*`.
/// Works on characters, not bytes; surrounding whitespace is dropped.
pub fn mask_person_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.as_slice() {
        [] => String::new(),
        [_] => "*".to_string(),
        [first, _] => format!("{first}*"),
        [first, middle @ .., last] => {
            let mut out = String::with_capacity(name.len());
            out.push(*first);
            out.extend(std::iter::repeat_n('*', middle.len()));
            out.push(*last);
            out
        }
    }
}

/// `zhangsan@example.com` → `z***@example.com`. The domain is kept (it says
/// where a notice went); the local part keeps its first character only.
/// Input without `@` is masked as a whole the same way.
pub fn mask_email(email: &str) -> String {
    let email = email.trim();
    let (local, domain) = match email.rsplit_once('@') {
        Some((local, domain)) => (local, Some(domain)),
        None => (email, None),
    };
    let mut out = String::new();
    if let Some(first) = local.chars().next() {
        out.push(first);
    }
    out.push_str("***");
    if let Some(domain) = domain {
        out.push('@');
        out.push_str(domain);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(mask_person_name("张三丰"), "张*丰");
        assert_eq!(mask_person_name("张三"), "张*");
        assert_eq!(mask_person_name("欧阳小明"), "欧**明");
        assert_eq!(mask_person_name("张"), "*");
        assert_eq!(mask_person_name(""), "");
        assert_eq!(mask_person_name(" 李四 "), "李*");
        assert_eq!(mask_person_name("买买提·艾力"), "买****力");
    }

    #[test]
    fn emails() {
        assert_eq!(mask_email("zhangsan@example.com"), "z***@example.com");
        assert_eq!(mask_email("a@b.cn"), "a***@b.cn");
        assert_eq!(mask_email("@b.cn"), "***@b.cn");
        assert_eq!(mask_email("nobody"), "n***");
        assert_eq!(mask_email(""), "***");
    }
}
