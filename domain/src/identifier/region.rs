//! Province-level codes of GB/T 2260 (中华人民共和国行政区划代码).
//!
//! Only the first two digits are checked: county-level codes change every
//! year (mergers, renamings) and an ID number keeps the code of the place of
//! first registration for life, so a full county table would reject real
//! numbers issued under codes that no longer exist.

/// (two-digit code, Chinese name, English name)
pub const PROVINCES: &[(&str, &str, &str)] = &[
    ("11", "北京市", "Beijing"),
    ("12", "天津市", "Tianjin"),
    ("13", "河北省", "Hebei"),
    ("14", "山西省", "Shanxi"),
    ("15", "内蒙古自治区", "Inner Mongolia"),
    ("21", "辽宁省", "Liaoning"),
    ("22", "吉林省", "Jilin"),
    ("23", "黑龙江省", "Heilongjiang"),
    ("31", "上海市", "Shanghai"),
    ("32", "江苏省", "Jiangsu"),
    ("33", "浙江省", "Zhejiang"),
    ("34", "安徽省", "Anhui"),
    ("35", "福建省", "Fujian"),
    ("36", "江西省", "Jiangxi"),
    ("37", "山东省", "Shandong"),
    ("41", "河南省", "Henan"),
    ("42", "湖北省", "Hubei"),
    ("43", "湖南省", "Hunan"),
    ("44", "广东省", "Guangdong"),
    ("45", "广西壮族自治区", "Guangxi"),
    ("46", "海南省", "Hainan"),
    ("50", "重庆市", "Chongqing"),
    ("51", "四川省", "Sichuan"),
    ("52", "贵州省", "Guizhou"),
    ("53", "云南省", "Yunnan"),
    ("54", "西藏自治区", "Tibet"),
    ("61", "陕西省", "Shaanxi"),
    ("62", "甘肃省", "Gansu"),
    ("63", "青海省", "Qinghai"),
    ("64", "宁夏回族自治区", "Ningxia"),
    ("65", "新疆维吾尔自治区", "Xinjiang"),
    ("71", "台湾省", "Taiwan"),
    ("81", "香港特别行政区", "Hong Kong"),
    ("82", "澳门特别行政区", "Macao"),
];

/// Residence permits for Taiwan residents (台湾居民居住证, 2018) carry an
/// 18-digit number in the ID-number format with region code 830000. It is
/// not a GB/T 2260 code, but the holders are natural persons a Fujian
/// platform must be able to record, so ID numbers accept it.
pub const TAIWAN_RESIDENCE_PERMIT_PREFIX: &str = "83";

/// The registration region code of organisations registered by a national
/// authority (e.g. ministries, national social organisations).
pub const NATIONAL_REGION_CODE: &str = "100000";

pub fn is_province_code(two_digits: &str) -> bool {
    PROVINCES.iter().any(|(code, _, _)| *code == two_digits)
}

/// Chinese and English name of the province a 6-digit region code belongs to.
pub fn province_name(region_code: &str) -> Option<(&'static str, &'static str)> {
    if region_code == NATIONAL_REGION_CODE {
        return Some(("全国", "National"));
    }
    let prefix = region_code.get(..2)?;
    if prefix == TAIWAN_RESIDENCE_PERMIT_PREFIX {
        return Some(("台湾居民居住证", "Taiwan resident permit"));
    }
    PROVINCES
        .iter()
        .find(|(code, _, _)| *code == prefix)
        .map(|(_, zh, en)| (*zh, *en))
}
