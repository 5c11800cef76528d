"""The demo world (pure data): who is in it, what they make, and how big it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum

from suyuan.identifiers.gs1 import Gtin

CST = timezone(timedelta(hours=8), "Asia/Shanghai")
START = datetime(2026, 3, 2, 8, 0, tzinfo=CST)
PREFIX = "6901234"
IDIS_PREFIX = "88.118.8"


class Scale(StrEnum):
    """How big a world to build."""

    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


@dataclass(frozen=True, slots=True)
class Size:
    """Numbers that follow from a scale."""

    batches: int
    bottles_per_batch: int
    stores_per_distributor: int
    sold_share: float


SIZES = {
    Scale.SMALL: Size(batches=6, bottles_per_batch=1_800, stores_per_distributor=8, sold_share=0.3),
    Scale.MEDIUM: Size(
        batches=40, bottles_per_batch=5_000, stores_per_distributor=12, sold_share=0.25
    ),
    Scale.LARGE: Size(
        batches=100, bottles_per_batch=10_200, stores_per_distributor=16, sold_share=0.2
    ),
}
FAILED_BATCH = 2  # the third batch fails QC: methanol above GB 2757


def gtin(item: int) -> str:
    """A GTIN-14 under the distillery's company prefix."""
    return Gtin.from_body(f"0{PREFIX}{item:05d}").value


BOTTLE = "06901234567892"
SORGHUM, WHEAT, KOJI, BASE_LIQUOR, BLEND = (gtin(n) for n in (1, 2, 3, 4, 5))


@dataclass(frozen=True, slots=True)
class Party:
    """An enterprise of the demo world."""

    slug: str
    name: str
    role: str
    region: str
    address: str
    phone: str = "0831-1234567"


DISTILLERY = Party(
    "yibin-distillery",
    "宜宾某某酒业有限公司",
    "producer",
    "四川省宜宾市",
    "四川省宜宾市翠屏区酒都大道 1 号",
    "0831-8888888",
)
SUPPLIERS = (
    Party(
        "luzhou-sorghum",
        "泸州红粮专业合作社",
        "supplier",
        "四川省泸州市",
        "四川省泸州市纳溪区 18 号",
    ),
    Party(
        "henan-wheat", "河南优质小麦种植基地", "supplier", "河南省周口市", "河南省周口市郸城县 6 号"
    ),
)
LOGISTICS = Party(
    "shunfeng-logistics",
    "顺丰物流四川分公司",
    "logistics",
    "四川省成都市",
    "四川省成都市双流区物流大道 9 号",
)
DISTRIBUTORS = (
    Party(
        "dist-chengdu",
        "成都川酒商贸有限公司",
        "distributor",
        "四川省成都市",
        "四川省成都市锦江区春熙路 88 号",
    ),
    Party(
        "dist-guangzhou",
        "广州粤酒供应链有限公司",
        "distributor",
        "广东省广州市",
        "广东省广州市天河区体育西路 66 号",
    ),
    Party(
        "dist-beijing",
        "北京京华酒业连锁有限公司",
        "distributor",
        "北京市",
        "北京市朝阳区建国路 99 号",
    ),
)
CITIES = {"dist-chengdu": "成都", "dist-guangzhou": "广州", "dist-beijing": "北京"}


def stores(distributor: Party, count: int) -> list[Party]:
    """The stores a distributor supplies."""
    city = CITIES[distributor.slug]
    short = distributor.slug.split("-")[1][:2]
    return [
        Party(
            f"store-{short}-{n:02d}",
            f"{city}名酒专卖店 {n} 号",
            "retailer",
            distributor.region,
            f"{distributor.region}{city}路 {n * 10} 号",
        )
        for n in range(1, count + 1)
    ]


PRODUCT_ATTRIBUTES = {
    "name": "52%vol 某某酒 浓香型白酒",
    "alcohol_content": "52",
    "net_content": "500 mL",
    "specification": "500ml×6瓶",
    "standard_number": "GB/T 10781.1",
    "production_process": "固态法",
    "origin": "四川省宜宾市",
    "ingredients": "高粱、大米、糯米、小麦、玉米、水",
    "storage_conditions": "存放于阴凉干燥处",
    "licence_number": "SC11551150200123",
    "warning_statement": "未成年人不得饮用。过量饮酒，有害健康",
    "special_groups_statement": "孕妇、哺乳期妇女不宜饮用",
    "shelf_life": "长期",
    "aroma_type": "浓香型",
    "category": "grain",
}
