"""Words of the consumer pages in Chinese (the default) and English (QBT-12, GEN-18)."""

from __future__ import annotations

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

MESSAGES: dict[str, dict[str, str]] = {
    "zh": {
        "title": "产品追溯查询",
        "home_intro": "扫描瓶身二维码，或输入二维码下方印刷的追溯码。",
        "code_label": "追溯码",
        "check": "查询",
        "switch": "English",
        "verdict.genuine": "正品：此追溯码真实有效",
        "verdict.recalled": "召回产品：请勿饮用",
        "verdict.suspicious": "可疑：此追溯码已被多次查询",
        "verdict.unknown": "未知追溯码：未找到该产品",
        "verdict.voided": "此追溯码已作废或销毁",
        "verdict.forged": "非正品追溯码",
        "verdict.malformed": "追溯码格式有误",
        "reason.malformed": "请核对输入的追溯码。",
        "reason.bad_tag": "该码的防伪校验未通过，可能是假冒产品。请向购买处或监管部门反映。",
        "reason.never_commissioned": "该码未投入使用，可能是假冒产品。",
        "reason.not_found": "系统中没有该码的记录，可能是假冒产品。",
        "reason.voided": "该标签已作废，不应出现在市场上的产品上。",
        "reason.destroyed": "该标签已销毁，不应出现在市场上的产品上。",
        "reason.recalled": "该产品所在批次正在召回。请停止饮用，联系生产企业（{phone}）"
        "或退回购买处。",
        "reason.many_checks": "此码首次查询于 {first_at}（{first_place}），此后共查询 {count} 次。"
        "若您是首次查询，标签可能被复制。",
        "reason.genuine": "",
        "checks": "此码已被查询 {count} 次；首次查询：{first_at}（{first_place}）。",
        "first_check": "这是此码的首次查询。",
        "unknown_place": "地点未知",
        "public_info": "产品公开信息",
        "flow": "流向信息",
        "no_flow": "暂无流向记录",
        "step.shipping": "发货",
        "step.receiving": "收货",
        "step.retail_selling": "门店销售",
        "from": "发货单位",
        "to": "收货单位",
        "place": "地点",
        "none": "—",
        "qc.pass": "合格",
        "qc.fail": "不合格",
        "complaint": "投诉与反馈",
        "complaint_name": "姓名（可不填）",
        "complaint_contact": "联系方式（手机或邮箱）",
        "complaint_content": "投诉内容",
        "complaint_send": "提交",
        "complaint_thanks": "已收到您的投诉，企业会尽快与您联系。",
        "complaint_limited": "提交过于频繁，请稍后再试。",
        "error.contact": "请填写有效的手机号、电话或邮箱。",
        "error.content": "请填写 5 到 1000 字的投诉内容。",
        "error.name": "姓名不超过 32 字。",
        "share_place": "提供我的大致位置（仅城市级，可选）",
        "place_shared": "谢谢，已记录大致位置。",
        "ticket": "交易溯源票",
        "code": "查询码",
        "privacy": "查询仅记录时间、大致地点和查询方式，不收集个人信息。",
    },
    "en": {
        "title": "Product trace check",
        "home_intro": "Scan the QR code on the bottle, or type the trace code printed below it.",
        "code_label": "Trace code",
        "check": "Check",
        "switch": "中文",
        "verdict.genuine": "Genuine: this trace code is valid",
        "verdict.recalled": "Recalled product: do not drink",
        "verdict.suspicious": "Suspicious: this code has been checked many times",
        "verdict.unknown": "Unknown code: no such product",
        "verdict.voided": "This code was voided or destroyed",
        "verdict.forged": "Not a genuine code",
        "verdict.malformed": "This is not a valid trace code",
        "reason.malformed": "Please check the code you typed.",
        "reason.bad_tag": "The code fails its anti-counterfeit check: the product may be fake. "
        "Please tell the seller or the market regulator.",
        "reason.never_commissioned": "This code was never put into use: the product may be fake.",
        "reason.not_found": "There is no record of this code: the product may be fake.",
        "reason.voided": "This label was voided and should not be on a product for sale.",
        "reason.destroyed": "This label was destroyed and should not be on a product for sale.",
        "reason.recalled": "This product's batch is being recalled. Stop drinking it and contact "
        "the producer ({phone}) or return it where you bought it.",
        "reason.many_checks": "This code was first checked on {first_at} in {first_place}; "
        "{count} checks since. If this is your first check, the label may be copied.",
        "reason.genuine": "",
        "checks": "Checked {count} times; first check: {first_at} ({first_place}).",
        "first_check": "This is the first check of this code.",
        "unknown_place": "unknown place",
        "public_info": "Public product information",
        "flow": "Flow",
        "no_flow": "No movements recorded yet",
        "step.shipping": "Shipped",
        "step.receiving": "Received",
        "step.retail_selling": "Sold in store",
        "from": "Shipper",
        "to": "Consignee",
        "place": "Place",
        "none": "—",
        "qc.pass": "Pass",
        "qc.fail": "Fail",
        "complaint": "Complaint and feedback",
        "complaint_name": "Name (optional)",
        "complaint_contact": "Contact (mobile or e-mail)",
        "complaint_content": "Your complaint",
        "complaint_send": "Send",
        "complaint_thanks": "Thank you: the producer will contact you soon.",
        "complaint_limited": "Too many complaints from here; please try again later.",
        "error.contact": "Please give a valid phone number or e-mail address.",
        "error.content": "Please write 5 to 1000 characters.",
        "error.name": "The name may have at most 32 characters.",
        "share_place": "Share my approximate location (city level, optional)",
        "place_shared": "Thank you, approximate location recorded.",
        "ticket": "Market trace ticket",
        "code": "Code",
        "privacy": "A check records only the time, a coarse place and the channel; "
        "no personal data.",
    },
}


def language(value: str | None) -> str:
    """The page language: ``en`` if asked for, else Chinese."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def text(lang: str, key: str, **values: object) -> str:
    """A message in ``lang`` with ``values`` filled in (falls back to Chinese, then the key)."""
    template = MESSAGES[language(lang)].get(key) or MESSAGES[DEFAULT_LANGUAGE].get(key, key)
    return template.format(**values) if values else template


def qc_words(value: str | None, lang: str) -> str | None:
    """Render the stored T15.17 wording (``合格，一级``) in the page language."""
    if value is None or lang == "zh":
        return value
    verdict, _, grade = value.partition("，")
    words = {"合格": text(lang, "qc.pass"), "不合格": text(lang, "qc.fail")}.get(verdict, verdict)
    return f"{words}, {grade}" if grade else words
