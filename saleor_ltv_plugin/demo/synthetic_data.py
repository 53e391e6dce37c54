"""Word lists and the product catalogue template for the synthetic shop (pure data).

Company names are built as [root][modifier][trade] — 山田 + 精密 + 製作所 — and carry
the romaji that the e-mail domain and the English spelling are made of. Every column's
romaji is unique within the column, so different companies never share a domain.
"""

from __future__ import annotations

# (kanji, romaji): family names, also used as company-name roots.
SURNAMES = tuple(pair.split(":") for pair in (
    "山田:yamada 佐藤:sato 鈴木:suzuki 高橋:takahashi 田中:tanaka 伊藤:ito 渡辺:watanabe "
    "中村:nakamura 小林:kobayashi 加藤:kato 吉田:yoshida 山本:yamamoto 松本:matsumoto 井上:inoue "
    "木村:kimura 林:hayashi 清水:shimizu 山口:yamaguchi 阿部:abe 池田:ikeda 橋本:hashimoto "
    "石川:ishikawa 前田:maeda 藤田:fujita 小川:ogawa 岡田:okada 後藤:goto 長谷川:hasegawa "
    "村上:murakami 近藤:kondo 坂本:sakamoto 遠藤:endo 青木:aoki 藤井:fujii 西村:nishimura "
    "福田:fukuda 太田:ota 三浦:miura 藤原:fujiwara 岡本:okamoto 松田:matsuda 中川:nakagawa "
    "中野:nakano 原田:harada 小野:ono 竹内:takeuchi 金子:kaneko 和田:wada 中山:nakayama "
    "石田:ishida 上田:ueda 森田:morita 原:hara 柴田:shibata 酒井:sakai 工藤:kudo 横山:yokoyama "
    "宮崎:miyazaki 宮本:miyamoto 内田:uchida 高木:takagi 安藤:ando 谷口:taniguchi 大野:ohno "
    "丸山:maruyama 今井:imai 高田:takada 藤本:fujimoto 武田:takeda 村田:murata 上野:ueno "
    "杉山:sugiyama 増田:masuda 平野:hirano 大塚:otsuka 千葉:chiba 久保:kubo 松井:matsui "
    "小島:kojima 岩崎:iwasaki 桜井:sakurai 野口:noguchi 松尾:matsuo 野村:nomura 木下:kinoshita "
    "菊地:kikuchi 佐々木:sasaki 山崎:yamazaki 森:mori 斎藤:saito 菅原:sugawara 市川:ichikawa"
).split())

# Company-name roots: surnames, places, katakana words — (written, romaji, English).
_PLACES = (
    "東京:tokyo 大阪:osaka 名古屋:nagoya 横浜:yokohama 札幌:sapporo 仙台:sendai 広島:hiroshima "
    "福岡:fukuoka 神戸:kobe 京都:kyoto 新潟:niigata 静岡:shizuoka 浜松:hamamatsu 岡山:okayama "
    "熊本:kumamoto 金沢:kanazawa 富山:toyama 長野:nagano 岐阜:gifu 三重:mie 奈良:nara 姫路:himeji "
    "高松:takamatsu 松山:matsuyama 鹿児島:kagoshima 宇都宮:utsunomiya 前橋:maebashi 川崎:kawasaki"
)
_KANA = (
    "サンライズ:sunrise:Sunrise アクア:aqua:Aqua グリーン:green:Green ユニオン:union:Union "
    "アルファ:alpha:Alpha ミライ:mirai:Mirai ヤマト:yamato:Yamato ヒカリ:hikari:Hikari "
    "ダイヤ:daiya:Daiya スター:star:Star オーシャン:ocean:Ocean フロンティア:frontier:Frontier "
    "エコー:echo:Echo パシフィック:pacific:Pacific コスモ:cosmo:Cosmo ネクスト:next:Next "
    "エース:ace:Ace ブライト:bright:Bright ノーザン:northern:Northern リバティ:liberty:Liberty"
)
ROOTS = (
    tuple((kanji, romaji, romaji.title()) for kanji, romaji in SURNAMES)
    + tuple((kanji, romaji, romaji.title()) for kanji, romaji in (p.split(":") for p in _PLACES.split()))
    + tuple(tuple(k.split(":")) for k in _KANA.split())
)
KANA_ROOTS = frozenset(k.split(":")[0] for k in _KANA.split())

# Modifiers between root and trade ("" = none, the most common).
MODIFIERS = (("", "", ""),) + tuple(tuple(m.split(":")) for m in (
    "中央:chuo:Chuo 第一:daiichi:Daiichi 総合:sogo:Sogo 精密:seimitsu:Precision 協和:kyowa:Kyowa "
    "共栄:kyoei:Kyoei 東邦:toho:Toho 三和:sanwa:Sanwa 明和:meiwa:Meiwa 大和:daiwa:Daiwa "
    "昭和:showa:Showa 平和:heiwa:Heiwa 富士:fuji:Fuji 旭:asahi:Asahi 日本:nihon:Nihon "
    "東洋:toyo:Toyo 太陽:taiyo:Taiyo 日進:nisshin:Nisshin 丸:maru:Maru 三共:sankyo:Sankyo "
    "テクノ:techno:Techno メディカル:medical:Medical 光:hikaru:Hikaru 北斗:hokuto:Hokuto "
    "栄光:eiko:Eiko 新和:shinwa:Shinwa 大成:taisei:Taisei"
).split())

# Trades: (written, romaji for the domain, English).
TRADES = tuple(tuple(t.split(":")) for t in (
    "製作所:seisakusho:Works 商事:shoji:Trading 工業:kogyo:Industries 電機:denki:Electric "
    "建設:kensetsu:Construction 物産:bussan:Bussan 印刷:insatsu:Printing 食品:shokuhin:Foods "
    "精機:seiki:Seiki 化学:kagaku:Chemical 産業:sangyo:Sangyo 運輸:unyu:Transport "
    "設計:sekkei:Design 技研:giken:Giken 工務店:komuten:Builders 薬品:yakuhin:Pharmaceutical "
    "紙業:shigyo:Paper 金属:kinzoku:Metal 機械:kikai:Machinery 電子:denshi:Electronics "
    "電設:densetsu:Electrical 鉄工所:tekkosho:Ironworks 塗装:toso:Coating 樹脂:jushi:Plastics "
    "包装:hoso:Packaging 物流:butsuryu:Logistics 製菓:seika:Confectionery 酒造:shuzo:Brewery "
    "不動産:fudosan:Realty 商会:shokai:Shokai 電工:denko:Denko 製薬:seiyaku:Pharma"
).split())

# Given names: (kanji, romaji).
GIVEN_NAMES = tuple(pair.split(":") for pair in (
    "太郎:taro 花子:hanako 次郎:jiro 健太:kenta 由紀:yuki 彩:aya 大輔:daisuke 恵美:emi 翔太:shota "
    "舞:mai 武:takeshi 直子:naoko 涼:ryo さくら:sakura 誠:makoto 美咲:misaki 拓也:takuya 陽子:yoko "
    "浩二:koji 真由美:mayumi 隆:takashi 理恵:rie 和也:kazuya 愛:ai 修:osamu 智子:tomoko "
    "健一:kenichi 裕子:yuko 亮介:ryosuke 香織:kaori 博:hiroshi 明美:akemi"
).split())

# Japanese legal forms: (full word, abbreviations a buyer may type instead).
LEGAL_FORMS = (
    ("株式会社", ("(株)", "（株）", "㈱")),
    ("有限会社", ("(有)", "（有）", "㈲")),
    ("合同会社", ("(同)",)),
)
LEGAL_FORM_SHARES = (0.82, 0.12, 0.06)

# English spellings of "Co., Ltd." and friends; {} is the English base name.
EN_FORMS = ("{} Co., Ltd.", "{} Co.,Ltd.", "{} Co., Ltd", "{} Ltd.", "{} K.K.", "{} CO.,LTD", "{} CO., LTD.")

# Catalogue template: (category, product name, options, JPY price range, replenishment days range).
# consumables: short cycles; supplies: mid cycles; equipment: durable, bought rarely.
CATALOGUE = (
    ("consumable", "トナーカートリッジ", ("ブラック", "シアン", "マゼンタ", "イエロー", "大容量ブラック"), (6000, 24000), (20, 60)),
    ("consumable", "インクカートリッジ", ("ブラック", "カラー3色", "顔料ブラック"), (1500, 6000), (20, 50)),
    ("consumable", "コピー用紙 500枚×5冊", ("A4", "A3", "B4", "B5"), (2400, 5200), (7, 30)),
    ("consumable", "ニトリル手袋 100枚入", ("S", "M", "L", "XL"), (600, 1500), (7, 30)),
    ("consumable", "使い捨てマスク 50枚入", ("ふつう", "小さめ"), (400, 1200), (10, 40)),
    ("consumable", "アルコール除菌シート", ("詰替100枚", "ボトル80枚"), (500, 1200), (10, 40)),
    ("consumable", "ゴミ袋 10枚×10", ("45L", "70L", "90L"), (800, 2400), (14, 45)),
    ("consumable", "軍手 12双組", ("白", "滑り止め付"), (500, 1400), (10, 40)),
    ("consumable", "ウエス 10kg", ("白メリヤス", "カラー"), (3000, 6500), (20, 60)),
    ("consumable", "養生テープ 30巻", ("緑", "白", "黄"), (3500, 7000), (14, 45)),
    ("consumable", "OPPテープ 50巻", ("透明48mm", "透明60mm"), (3000, 6000), (14, 45)),
    ("consumable", "ボールペン 10本", ("黒0.5", "黒0.7", "赤0.5", "3色"), (800, 2500), (20, 60)),
    ("consumable", "付箋", ("75×75 20冊", "50×15 40冊"), (900, 2200), (20, 60)),
    ("consumable", "ペーパータオル 40個", ("レギュラー", "中判"), (4000, 7500), (14, 40)),
    ("consumable", "トイレットペーパー 48ロール", ("シングル", "ダブル"), (3500, 6500), (14, 40)),
    ("consumable", "アルカリ乾電池 40本", ("単3", "単4"), (1500, 3500), (30, 60)),
    ("consumable", "段ボール箱 20枚", ("60サイズ", "80サイズ", "100サイズ", "120サイズ"), (2000, 5500), (10, 40)),
    ("consumable", "緩衝材 エアキャップ", ("1200mm×42m", "600mm×42m"), (2500, 5500), (14, 45)),
    ("consumable", "ラベルシール 100シート", ("12面", "24面", "44面"), (1800, 4200), (20, 60)),
    ("consumable", "結束バンド 1000本", ("100mm", "200mm", "300mm"), (900, 2600), (30, 60)),
    ("consumable", "切削油 18L", ("水溶性", "不水溶性"), (9000, 22000), (20, 60)),
    ("consumable", "研磨ディスク 10枚", ("#60", "#80", "#120"), (1200, 3200), (14, 45)),
    ("consumable", "ハンドソープ 詰替4L", ("薬用", "無香料"), (1600, 3800), (20, 60)),
    ("consumable", "コーヒー豆 1kg", ("深煎り", "中煎り"), (2400, 4800), (10, 30)),
    ("consumable", "ミネラルウォーター 500ml×24", ("軟水",), (1500, 2800), (7, 30)),
    ("supply", "作業服 上下セット", ("M", "L", "LL"), (6000, 15000), (90, 180)),
    ("supply", "安全靴", ("25.0cm", "26.0cm", "27.0cm"), (4500, 12000), (120, 240)),
    ("supply", "ヘルメット", ("白", "黄"), (2500, 6000), (150, 300)),
    ("supply", "エアフィルター", ("空調用", "コンプレッサー用"), (2000, 9000), (60, 150)),
    ("supply", "LED直管ランプ 10本", ("40形", "20形"), (9000, 26000), (90, 240)),
    ("supply", "防護メガネ 10個", ("クリア", "スモーク"), (3000, 8000), (60, 150)),
    ("supply", "延長コード", ("3m", "5m", "10m"), (1200, 4500), (90, 240)),
    ("supply", "収納ボックス 6個", ("小", "中", "大"), (3000, 9000), (90, 240)),
    ("supply", "ドリルビットセット", ("鉄工用", "木工用"), (2500, 9000), (60, 150)),
    ("supply", "ホワイトボードマーカー 10本", ("黒", "赤", "青"), (1200, 2600), (45, 120)),
    ("supply", "ファイルボックス 10冊", ("A4", "B4"), (2800, 6000), (60, 150)),
    ("supply", "掃除機用紙パック 30枚", ("業務用",), (2200, 4200), (45, 120)),
    ("equipment", "レーザープリンター", ("A4モノクロ", "A4カラー", "A3カラー"), (38000, 240000), (700, 1500)),
    ("equipment", "シュレッダー", ("小型", "大型"), (25000, 160000), (700, 1500)),
    ("equipment", "オフィスチェア", ("メッシュ", "ハイバック"), (18000, 65000), (700, 1500)),
    ("equipment", "スチール棚", ("W900", "W1200", "W1800"), (15000, 60000), (900, 2000)),
    ("equipment", "運搬台車", ("300kg", "500kg"), (12000, 48000), (700, 1800)),
    ("equipment", "電動ドリル", ("充電式", "AC100V"), (15000, 52000), (700, 1500)),
    ("equipment", "エアコンプレッサー", ("静音型", "オイルレス"), (38000, 180000), (900, 2000)),
    ("equipment", "空気清浄機", ("業務用",), (45000, 120000), (700, 1500)),
    ("equipment", "ノートPC", ("14型", "15.6型"), (85000, 220000), (900, 1500)),
)
