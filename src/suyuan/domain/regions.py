"""Offline geography for the channel-diversion rule (窜货, GEN-15): city → province (pure).

Scan places are coarse city names (QBT-T14.3) and enterprise regions are written like
``四川省成都市``; both are reduced to a short province name (``四川``) and compared. The
table holds provinces, municipalities and the major cities only: an unknown place gives
``None`` and the rule stays quiet rather than guess.
"""

from __future__ import annotations

PROVINCES: tuple[str, ...] = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏",
    "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南",
    "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏",
    "宁夏", "新疆", "香港", "澳门",
)  # fmt: skip

_CITIES: dict[str, tuple[str, ...]] = {
    "河北": ("石家庄", "唐山", "保定", "邯郸", "秦皇岛", "廊坊", "沧州", "张家口", "邢台"),
    "山西": ("太原", "大同", "运城", "长治", "临汾", "晋中"),
    "辽宁": ("沈阳", "大连", "鞍山", "抚顺", "锦州", "丹东"),
    "吉林": ("长春", "吉林市", "延边", "四平"),
    "黑龙江": ("哈尔滨", "齐齐哈尔", "大庆", "牡丹江", "佳木斯"),
    "江苏": ("南京", "苏州", "无锡", "常州", "徐州", "南通", "扬州", "镇江", "盐城", "宿迁"),
    "浙江": ("杭州", "宁波", "温州", "绍兴", "嘉兴", "金华", "台州", "湖州", "义乌"),
    "安徽": ("合肥", "芜湖", "蚌埠", "安庆", "阜阳", "亳州", "马鞍山"),
    "福建": ("福州", "厦门", "泉州", "漳州", "莆田"),
    "江西": ("南昌", "赣州", "九江", "上饶", "景德镇"),
    "山东": ("济南", "青岛", "烟台", "潍坊", "临沂", "淄博", "济宁", "威海", "泰安"),
    "河南": ("郑州", "洛阳", "开封", "南阳", "新乡", "商丘", "许昌", "安阳"),
    "湖北": ("武汉", "宜昌", "襄阳", "荆州", "十堰", "黄石"),
    "湖南": ("长沙", "株洲", "湘潭", "衡阳", "岳阳", "常德"),
    "广东": ("广州", "深圳", "东莞", "佛山", "珠海", "汕头", "惠州", "中山", "湛江", "江门"),
    "海南": ("海口", "三亚"),
    "四川": ("成都", "宜宾", "泸州", "绵阳", "德阳", "南充", "乐山", "自贡", "内江", "达州"),
    "贵州": ("贵阳", "遵义", "仁怀", "茅台", "六盘水", "毕节", "安顺"),
    "云南": ("昆明", "大理", "丽江", "曲靖", "玉溪"),
    "陕西": ("西安", "宝鸡", "咸阳", "延安", "榆林", "汉中"),
    "甘肃": ("兰州", "天水", "酒泉", "嘉峪关"),
    "青海": ("西宁",),
    "台湾": ("台北", "高雄", "台中"),
    "内蒙古": ("呼和浩特", "包头", "鄂尔多斯", "赤峰"),
    "广西": ("南宁", "桂林", "柳州", "北海"),
    "西藏": ("拉萨",),
    "宁夏": ("银川",),
    "新疆": ("乌鲁木齐", "喀什", "伊犁"),
}

_PINYIN: dict[str, str] = {
    "beijing": "北京", "tianjin": "天津", "shanghai": "上海", "chongqing": "重庆",
    "chengdu": "四川", "yibin": "四川", "luzhou": "四川", "mianyang": "四川",
    "guangzhou": "广东", "shenzhen": "广东", "dongguan": "广东", "foshan": "广东",
    "hangzhou": "浙江", "ningbo": "浙江", "wenzhou": "浙江", "nanjing": "江苏",
    "suzhou": "江苏", "wuxi": "江苏", "wuhan": "湖北", "changsha": "湖南",
    "xian": "陕西", "xi'an": "陕西", "zhengzhou": "河南", "jinan": "山东",
    "qingdao": "山东", "shenyang": "辽宁", "dalian": "辽宁", "harbin": "黑龙江",
    "changchun": "吉林", "hefei": "安徽", "fuzhou": "福建", "xiamen": "福建",
    "nanchang": "江西", "kunming": "云南", "guiyang": "贵州", "zunyi": "贵州",
    "nanning": "广西", "lanzhou": "甘肃", "taiyuan": "山西", "shijiazhuang": "河北",
    "haikou": "海南", "urumqi": "新疆", "lhasa": "西藏", "hohhot": "内蒙古",
    "yinchuan": "宁夏", "xining": "青海", "hong kong": "香港", "macau": "澳门",
}  # fmt: skip

CITY_PROVINCE: dict[str, str] = {
    **{city: province for province, cities in _CITIES.items() for city in cities},
    **{name: name for name in ("北京", "天津", "上海", "重庆", "香港", "澳门")},
}
"""Major city (short name, no 市) → short province name."""


def province_of(text: str | None) -> str | None:
    """The short province name of a region (四川省成都市) or a city (成都, Chengdu), or None."""
    if not text:
        return None
    cleaned = text.strip()
    for province in PROVINCES:
        if cleaned.startswith(province):
            return province
    for city, province in CITY_PROVINCE.items():
        if cleaned.startswith(city):
            return province
    return _PINYIN.get(cleaned.lower().removesuffix(" shi").removesuffix(" city").strip())


def same_province(region: str | None, place: str | None) -> bool | None:
    """Whether ``place`` lies in the province of ``region``; None when either is unknown."""
    expected, actual = province_of(region), province_of(place)
    if expected is None or actual is None:
        return None
    return expected == actual
