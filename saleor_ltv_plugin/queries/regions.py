"""Japan's prefectures by region, for segments such as "companies in 関東".

A contact's prefecture is stored as its source wrote it: Saleor's country_area (東京都), a file's
都道府県 column, sometimes the Latin name (Tokyo) or the ISO 3166-2 code (JP-13). A region matches
all three spellings of each of its prefectures.
"""

from __future__ import annotations

# region key → (ja, en, prefectures as (ISO number, ja, Latin)).
REGIONS: dict[str, tuple[str, str, tuple[tuple[int, str, str], ...]]] = {
    "hokkaido": ("北海道", "Hokkaido", ((1, "北海道", "Hokkaido"),)),
    "tohoku": ("東北", "Tohoku", ((2, "青森県", "Aomori"), (3, "岩手県", "Iwate"), (4, "宮城県", "Miyagi"),
                                 (5, "秋田県", "Akita"), (6, "山形県", "Yamagata"), (7, "福島県", "Fukushima"))),
    "kanto": ("関東", "Kanto", ((8, "茨城県", "Ibaraki"), (9, "栃木県", "Tochigi"), (10, "群馬県", "Gunma"),
                               (11, "埼玉県", "Saitama"), (12, "千葉県", "Chiba"), (13, "東京都", "Tokyo"),
                               (14, "神奈川県", "Kanagawa"))),
    "chubu": ("中部", "Chubu", ((15, "新潟県", "Niigata"), (16, "富山県", "Toyama"), (17, "石川県", "Ishikawa"),
                               (18, "福井県", "Fukui"), (19, "山梨県", "Yamanashi"), (20, "長野県", "Nagano"),
                               (21, "岐阜県", "Gifu"), (22, "静岡県", "Shizuoka"), (23, "愛知県", "Aichi"))),
    "kinki": ("近畿", "Kinki", ((24, "三重県", "Mie"), (25, "滋賀県", "Shiga"), (26, "京都府", "Kyoto"),
                               (27, "大阪府", "Osaka"), (28, "兵庫県", "Hyogo"), (29, "奈良県", "Nara"),
                               (30, "和歌山県", "Wakayama"))),
    "chugoku": ("中国", "Chugoku", ((31, "鳥取県", "Tottori"), (32, "島根県", "Shimane"), (33, "岡山県", "Okayama"),
                                   (34, "広島県", "Hiroshima"), (35, "山口県", "Yamaguchi"))),
    "shikoku": ("四国", "Shikoku", ((36, "徳島県", "Tokushima"), (37, "香川県", "Kagawa"), (38, "愛媛県", "Ehime"),
                                   (39, "高知県", "Kochi"))),
    "kyushu": ("九州・沖縄", "Kyushu & Okinawa", ((40, "福岡県", "Fukuoka"), (41, "佐賀県", "Saga"),
                                              (42, "長崎県", "Nagasaki"), (43, "熊本県", "Kumamoto"),
                                              (44, "大分県", "Oita"), (45, "宮崎県", "Miyazaki"),
                                              (46, "鹿児島県", "Kagoshima"), (47, "沖縄県", "Okinawa"))),
}


def spellings(region: str) -> list[str]:
    """Every stored form of the region's prefectures (the Latin name in its usual casings)."""
    out: list[str] = []
    for number, ja, latin in REGIONS[region][2]:
        out += [ja, latin, latin.upper(), latin.lower(), f"JP-{number:02d}"]
    return out
