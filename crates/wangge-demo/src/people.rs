//! Names of people and businesses, and phone numbers, for customers and
//! contacts: drawn from the commonest surnames and given-name characters, so
//! the lists look like a branch's customer file.

use rand::Rng;

/// The commonest Chinese surnames, most frequent first (drawn with a bias to the front).
const SURNAMES: [&str; 60] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "柯",
];

const GIVEN: [&str; 64] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "志", "红", "文", "玉", "兰", "春",
    "海", "林", "波", "斌", "辉", "鹏", "俊", "琴", "云", "凤", "梅", "莉", "萍", "成", "德", "荣",
    "新", "宇", "浩", "婷", "欣", "怡", "佳", "晨", "雪", "峰", "亮", "晓", "立", "江", "振", "兴",
];

const SHOPS: [&str; 20] = [
    "超市",
    "便利店",
    "餐馆",
    "烟酒店",
    "理发店",
    "药店",
    "五金店",
    "服装店",
    "手机店",
    "茶楼",
    "面馆",
    "水果店",
    "汽修店",
    "诊所",
    "干洗店",
    "母婴店",
    "建材店",
    "农资店",
    "快递站",
    "棋牌室",
];

const FIRMS: [&str; 16] = [
    "商贸", "建筑", "物流", "汽配", "机械", "电子", "广告", "装饰", "科技", "食品", "印务", "建材",
    "劳务", "餐饮", "医药", "环保",
];

const FIRM_STEMS: [&str; 24] = [
    "恒达", "宏远", "华新", "金洲", "顺通", "瑞丰", "龙泰", "鑫源", "同创", "天合", "众诚", "博远",
    "永兴", "润泽", "远航", "盛达", "华通", "长青", "东信", "汉风", "武当", "车城", "秦巴", "郧阳",
];

const DEPARTMENTS: [&str; 8] = [
    "",
    "办公室",
    "信息中心",
    "财务部",
    "后勤处",
    "营业部",
    "综合部",
    "值班室",
];

/// A surname, the common ones more often (about half of all draws are of the top ten).
pub fn surname(rng: &mut impl Rng) -> &'static str {
    let i = if rng.gen_bool(0.45) {
        rng.gen_range(0..10)
    } else {
        rng.gen_range(0..SURNAMES.len())
    };
    SURNAMES[i]
}

/// A person's full name: `张伟`, `刘桂英`.
pub fn person(rng: &mut impl Rng) -> String {
    let mut name = String::with_capacity(9);
    name.push_str(surname(rng));
    name.push_str(GIVEN[rng.gen_range(0..GIVEN.len())]);
    if rng.gen_bool(0.7) {
        name.push_str(GIVEN[rng.gen_range(0..GIVEN.len())]);
    }
    name
}

/// A shop (商客): `老王超市`, `柳林面馆`, `张记汽修店`.
pub fn shop(place_stem: &str, rng: &mut impl Rng) -> String {
    let kind = SHOPS[rng.gen_range(0..SHOPS.len())];
    match rng.gen_range(0..4) {
        0 => format!("老{}{kind}", surname(rng)),
        1 => format!("{}记{kind}", surname(rng)),
        2 => format!("{place_stem}{kind}"),
        _ => format!("{}{kind}", FIRM_STEMS[rng.gen_range(0..FIRM_STEMS.len())]),
    }
}

/// A company: `十堰恒达商贸有限公司`.
pub fn firm(prefix: &str, rng: &mut impl Rng) -> String {
    format!(
        "{prefix}{}{}有限公司",
        FIRM_STEMS[rng.gen_range(0..FIRM_STEMS.len())],
        FIRMS[rng.gen_range(0..FIRMS.len())]
    )
}

/// A unit of an institution: `十堰市人民政府办公室`.
pub fn department_of(institution: &str, rng: &mut impl Rng) -> String {
    format!(
        "{institution}{}",
        DEPARTMENTS[rng.gen_range(0..DEPARTMENTS.len())]
    )
}

/// A firm stem for developers and property managers.
pub fn firm_stem(rng: &mut impl Rng) -> &'static str {
    FIRM_STEMS[rng.gen_range(0..FIRM_STEMS.len())]
}

/// A Chinese mobile number: `13972812345`.
pub fn mobile(rng: &mut impl Rng) -> String {
    const PREFIXES: [u32; 16] = [
        133, 134, 135, 136, 137, 138, 139, 153, 158, 159, 177, 180, 181, 187, 189, 199,
    ];
    format!(
        "{}{:08}",
        PREFIXES[rng.gen_range(0..PREFIXES.len())],
        rng.gen_range(0..100_000_000_u32)
    )
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn names_and_numbers_look_real() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..200 {
            let name = person(&mut rng);
            assert!((2..=3).contains(&name.chars().count()), "{name}");
            let phone = mobile(&mut rng);
            assert_eq!(phone.len(), 11);
            assert!(phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit()));
        }
        assert!(firm("十堰", &mut rng).ends_with("有限公司"));
    }
}
