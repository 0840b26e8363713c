//! Error messages in Chinese, by stable code and parameters: the one
//! catalogue [`crate::api_error::localize`] reads. A code without an entry
//! gets the sentence of its coarse `error`; the English text stays in
//! `detail` for whoever reads the JSON.

use serde_json::{Map, Value};

/// Puts the answer's `message`, and each of its `refusals`' messages, into
/// Chinese (the English is kept as `detail`).
pub fn to_chinese(body: &mut Value) {
    translate(body);
    if let Some(refusals) = body.get_mut("refusals").and_then(Value::as_array_mut) {
        refusals.iter_mut().for_each(translate);
    }
}

fn translate(item: &mut Value) {
    let Some(object) = item.as_object_mut() else {
        return;
    };
    let Some(chinese) = chinese(object) else {
        return;
    };
    if let Some(english) = object.insert("message".into(), Value::String(chinese)) {
        object.insert("detail".into(), english);
    }
}

/// The Chinese message of one error object, `None` when it has no code.
fn chinese(object: &Map<String, Value>) -> Option<String> {
    // Refusals of claim steps carry their code as `reason` and their
    // values beside it; other errors as `code` and `params`.
    let (code, params) = match object.get("reason").and_then(Value::as_str) {
        Some(reason) if reason != "forbidden" || object.contains_key("cell") => (reason, object),
        _ => (
            object.get("code").and_then(Value::as_str)?,
            object
                .get("params")
                .and_then(Value::as_object)
                .unwrap_or(object),
        ),
    };
    let text = |key: &str| -> String {
        match params.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }
    };
    let cell = text("cell");
    let message = match code {
        // Signing in.
        "login_required" | "unauthorized" => "请先登录".to_owned(),
        "session_expired" => "登录已失效（已过期或已注销），请重新登录".to_owned(),
        "bad_credentials" => "用户名或密码错误".to_owned(),
        "login_throttled" => format!("登录失败次数过多，请 {} 秒后再试", text("retry_after_s")),
        "map_private" => "此地图须登录后查看".to_owned(),
        // Claim steps (the store's refusals).
        "unknown_cell" => format!("没有网格 {cell}"),
        "not_a_cell" => format!(
            "{cell} 是第 {} 级网格，只有第 4 级网格单元可以认领",
            text("level")
        ),
        "duplicate_in_batch" => format!("{cell} 在本批中出现了不止一次"),
        "locked" | "already_locked" => {
            let why = text("lock_reason");
            if why.is_empty() {
                format!("{cell} 已被 {} 锁定", text("by"))
            } else {
                format!("{cell} 已被 {} 锁定（{why}）", text("by"))
            }
        }
        "claimed_by" => match text("status").as_str() {
            "pending" => format!("{cell} 已被 {} 认领（待审批）", text("owner")),
            _ => format!("{cell} 已被 {} 认领", text("owner")),
        },
        "already_yours" => format!("{cell} 已是您的（{}）", status_zh(&text("status"))),
        "already_owner" => format!("{cell} 已归 {} 所有", text("owner")),
        "not_claimed" => format!("{cell} 没有人认领"),
        "not_pending" => format!("{cell} 没有待审批的认领"),
        "pending_decision" => format!(
            "{cell} 有 {} 的认领等待审批：请先批准或驳回",
            text("claimant")
        ),
        "not_owner" => format!("{cell} 由 {} 认领，只有认领人或主管可以释放", text("owner")),
        "not_a_manager" => format!("{cell} 不能转给 {}：此人不是启用中的网格经理", text("name")),
        "kind_not_allowed" => match kind_zh(&text("kind")) {
            Some(kind) => format!(
                "{cell} 的类型是{}，{kind}客户经理不能认领（认领规则）",
                type_zh(&text("cell_type"))
            ),
            None => format!("{} 没有客户经理类型，不能认领 {cell}", text("manager")),
        },
        "outside_scope" => format!(
            "{cell} 位于 {}，不在 {} 的负责范围内（认领规则不允许范围外认领）",
            text("l3"),
            text("manager")
        ),
        "cell_limit" => format!(
            "认领 {cell} 后，{} 的网格将超过 {} 个（认领规则）",
            text("manager"),
            text("max")
        ),
        "customer_limit" => format!(
            "认领 {cell} 后，{} 的{}客户将达到 {} 个，超过定额 {}",
            text("manager"),
            tier_zh(&text("tier")),
            text("would_hold"),
            text("max")
        ),
        "not_locked" => format!("{cell} 没有被锁定"),
        "forbidden" if !cell.is_empty() => format!("您无权对 {cell} 执行此操作"),
        "cells_refused" => format!(
            "{} 个网格中有 {} 个被拒绝，未做任何更改",
            text("cells"),
            text("refused")
        ),
        "features_refused" => format!(
            "文件中有 {} 个要素不能导入，未写入任何内容（逐个列在 params.features 中）",
            text("count")
        ),
        "unknown_transfer_target" => format!("没有用户 {}，无法移交", text("to")),
        // The grid's hierarchy (imports and edits).
        "parent_not_found" => format!(
            "网格 {}{} 的上级 {} 既不在本次导入中，也不在已有网格中",
            text("grid"),
            source(&text("source")),
            text("parent")
        ),
        "parent_level" => format!(
            "网格 {}{} 是第 {} 级，上级须是第 {} 级，但 {} 是第 {} 级",
            text("grid"),
            source(&text("source")),
            text("level"),
            params
                .get("level")
                .and_then(Value::as_u64)
                .map_or(0, |l| l.saturating_sub(1)),
            text("parent"),
            text("parent_level")
        ),
        "missing_parent" => format!(
            "网格 {}{} 没有上级：第 2–4 级网格须给出上一级网格的编码",
            text("grid"),
            source(&text("source"))
        ),
        "unexpected_parent" => format!(
            "网格 {}{} 是第 1 级，不能有上级",
            text("grid"),
            source(&text("source"))
        ),
        "cell_type_required" => format!(
            "网元 {}{}（第 4 级）没有类型：须是 01–20 中的一种",
            text("grid"),
            source(&text("source"))
        ),
        "cell_type_not_allowed" => format!(
            "网格 {}{} 有类型，但只有第 4 级网元才有类型",
            text("grid"),
            source(&text("source"))
        ),
        "unknown_cell_type" => format!(
            "网元 {}{}：类型 {} 不在网元类型表中",
            text("grid"),
            source(&text("source")),
            text("cell_type")
        ),
        // Names.
        "name_empty" => "名称不能为空".to_owned(),
        "name_too_long" => "名称最多 100 个字".to_owned(),
        "name_control_character" => "名称不能包含控制字符（换行、制表符等）".to_owned(),
        // The rest, by kind.
        "changed_meanwhile" => "数据在请求期间被修改了：请重新读取后再试".to_owned(),
        "busy" => "数据库正忙（例如正在命令行导入），未做任何更改：请 2 秒后重试".to_owned(),
        "temporarily_unavailable" | "unavailable" => "暂时无法提供，请稍后重试".to_owned(),
        "internal" => "服务器内部错误，详情见服务器日志".to_owned(),
        "forbidden" => "您无权执行此操作".to_owned(),
        "not_found" => "没有找到所请求的内容".to_owned(),
        "conflict" => "与现有数据冲突，未做任何更改".to_owned(),
        "unprocessable" | "invalid_field" => "数据不符合规则，未做任何更改".to_owned(),
        "bad_request" => "请求有误".to_owned(),
        "payload_too_large" => "文件或请求太大".to_owned(),
        "too_many_requests" => "请求过于频繁，请稍后再试".to_owned(),
        _ => return None,
    };
    Some(message)
}

/// "（要素 3）" after a grid code when the store knows where it came from.
fn source(hint: &str) -> String {
    if hint.is_empty() {
        String::new()
    } else {
        format!(
            "（{}）",
            hint.replace("feature", "要素").replace("(code ", "(编码 ")
        )
    }
}

fn status_zh(status: &str) -> &str {
    match status {
        "pending" => "待审批",
        "active" => "已生效",
        "rejected" => "已驳回",
        "released" => "已释放",
        "transferred" => "已转移",
        other => other,
    }
}

fn kind_zh(kind: &str) -> Option<&'static str> {
    match kind {
        "zhengqi" => Some("政企"),
        "community" => Some("社区"),
        _ => None,
    }
}

fn tier_zh(tier: &str) -> &'static str {
    match tier {
        "high" => "高价值",
        "potential" => "潜力",
        "medium" => "中价值",
        "low" => "低价值",
        _ => "",
    }
}

/// 「学校」(07) for a built-in type; the code alone for another.
fn type_zh(code: &str) -> String {
    static CATALOG: std::sync::LazyLock<wangge_model::CellTypeCatalog> =
        std::sync::LazyLock::new(wangge_model::CellTypeCatalog::default);
    let catalog = &*CATALOG;
    code.parse::<wangge_model::CellTypeCode>()
        .ok()
        .and_then(|c| {
            catalog
                .get(c)
                .map(|t| format!("「{}」（{code}）", t.name_zh))
        })
        .unwrap_or_else(|| format!(" {code} "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_claim_refusal_reads_in_chinese_with_its_values() {
        let mut body = json!({
            "error": "forbidden", "cell": "SY-1", "reason": "kind_not_allowed",
            "manager": "zhang", "kind": "community", "cell_type": "07",
            "message": "cell SY-1 is of type 07, which community managers may not claim",
        });
        to_chinese(&mut body);
        assert_eq!(
            body["message"],
            "SY-1 的类型是「学校」（07），社区客户经理不能认领（认领规则）"
        );
        assert!(body["detail"].as_str().unwrap().starts_with("cell SY-1"));
    }

    #[test]
    fn a_batch_translates_every_refusal_and_codes_fall_back_by_kind() {
        let mut body = json!({
            "error": "conflict", "code": "conflict", "message": "2 of 3 cells refused",
            "refusals": [
                {"cell": "A", "reason": "locked", "by": "li", "lock_reason": null, "message": "cell A is locked by li"},
                {"cell": "B", "reason": "forbidden", "message": "cell B: not in your scope"},
            ],
        });
        to_chinese(&mut body);
        assert_eq!(body["message"], "与现有数据冲突，未做任何更改");
        assert_eq!(body["refusals"][0]["message"], "A 已被 li 锁定");
        assert_eq!(body["refusals"][1]["message"], "您无权对 B 执行此操作");
        let mut throttled = json!({"error": "too_many_requests", "code": "login_throttled",
            "params": {"retry_after_s": 42}, "message": "too many failed logins; try again in 42 s"});
        to_chinese(&mut throttled);
        assert_eq!(throttled["message"], "登录失败次数过多，请 42 秒后再试");
    }
}
