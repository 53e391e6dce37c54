"""The ready scenarios (the seeds' 鉄板施策): triggers, steps, parameters and each mail step's copy.

A step's delay counts from the enrollment's anchor (the checkout's last change, the
registration, the predicted reorder date …). Stop conditions are re-checked when a
message is due, so a buyer who ordered in between gets nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import DeliveryKind

ORDERED, CHECKOUT_COMPLETED, CHECKOUT_STARTED = "ordered", "checkout_completed", "checkout_started"


@dataclass(frozen=True)
class Param:
    default: object
    label: dict[str, str]  # {"ja": …, "en": …}, like every text below the Dashboard shows
    help: dict[str, str]
    minimum: float = 0
    maximum: float = 10_000


@dataclass(frozen=True)
class Scenario:
    key: str
    title: dict[str, str]
    description: dict[str, str]
    trigger: dict[str, str]
    # Buyer mail steps get their delays from the `delays_hours` parameter (one mail each);
    # staff steps run at the anchor, a call task after `call_after_hours`.
    staff_steps: tuple[DeliveryKind, ...] = ()
    stop_on: tuple[str, ...] = (ORDERED,)
    params: dict[str, Param] = field(default_factory=dict)
    # One {"ja": {subject, preheader, intro, cta[, offer]}, "en": {…}} per mail step: the first reminds,
    # a middle one adds something useful, the last of several makes an offer (seed 002's "3 days,
    # the offer on day 3"). A shop that adds steps gets the last step's copy for the extra ones.
    # content/templates.py turns them into content documents.
    copy: tuple[dict[str, dict[str, str]], ...] = ()

    @property
    def mails_buyer(self) -> bool:
        return "delays_hours" in self.params

    def step_copy(self, step: int) -> dict[str, dict[str, str]]:
        return self.copy[min(step, len(self.copy) - 1)] if self.copy else {}


def _delays(default: list[float]) -> Param:
    return Param(default, {"ja": "送信タイミング（時間）", "en": "Delays (hours)"},
                 {"ja": "条件成立から各メールを送るまでの時間（1つにつきメール1通）。",
                  "en": "Hours after the trigger for each mail (one mail each)."}, 0, 24 * 365)


_SEGMENT = Param(None, {"ja": "対象セグメント", "en": "Segment"},
                 {"ja": "この保存済みセグメントに入った顧客にも開始します（セグメントID）。空欄：使わない。",
                  "en": "Also start for accounts that enter this saved segment (its id); empty: off."})

SCENARIOS: dict[str, Scenario] = {s.key: s for s in [
    Scenario(
        key="abandoned_checkout",
        title={"ja": "カゴ落ちフォロー", "en": "Abandoned checkout"},
        description={"ja": "メールアドレスと商品が入ったまま放置され、完了していないカート：商品とカートへのリンクを載せた"
                     "メールを最大3通。カートが完了するか注文があれば止まります。",
                     "en": "A checkout with an e-mail and lines, idle and not completed: up to three mails "
                     "with its lines and a link back to it; stops when it completes or the buyer orders."},
        trigger={"ja": "カートが最初の送信タイミングの間、放置されたとき", "en": "checkout idle for the first delay"},
        stop_on=(ORDERED, CHECKOUT_COMPLETED),
        params={"delays_hours": _delays([1, 24, 72]),
                "min_total": Param(0, {"ja": "最低カート金額", "en": "Minimum cart total"},
                                   {"ja": "この金額以上のカートだけ（チャネルの通貨）。",
                                    "en": "Only carts worth at least this much (channel currency)."}, 0, 10**9)},
        copy=(
            {"ja": {"subject": "お買い物カゴに商品が残っています",
                    "preheader": "カートの商品はそのまま保存されています。",
                    "intro": "{name}様、お買い物カゴに商品が残っています。在庫がなくなる前にご購入手続きをお済ませください。",
                    "cta": "カゴに戻る"},
             "en": {"subject": "You left something in your cart",
                    "preheader": "Your items are saved in your cart.",
                    "intro": "{name}, your cart is waiting. Complete your order before the items run out.",
                    "cta": "Back to your cart"}},
            {"ja": {"subject": "カートの商品はご検討中でしょうか",
                    "preheader": "数量の変更やお見積りのご相談も承ります。",
                    "intro": "{name}様\nお世話になっております。{shop_name}でございます。\n"
                             "先日カートに入れていただいた商品を、そのまま保存しております。"
                             "数量の変更、お見積りや請求書払いのご相談も承りますので、このメールにお気軽にご返信ください。",
                    "cta": "カートを確認する"},
             "en": {"subject": "Your cart is still saved",
                    "preheader": "Need another quantity, a quote or invoice payment? Just reply.",
                    "intro": "{name}, we have kept your cart just as you left it. Need another quantity, a quote or "
                             "invoice payment? Simply reply to this mail.",
                    "cta": "Review your cart"}},
            {"ja": {"subject": "【最終のご案内】カートの商品について",
                    "preheader": "今回のご注文に限り、特別条件をご用意しました。",
                    "intro": "{name}様\nお世話になっております。{shop_name}でございます。\n"
                             "カートの商品について、最後のご案内をお送りいたします。今回ご注文いただく場合に限り、"
                             "ご希望の数量に合わせた特別条件でのお見積りを優先してご用意いたします。",
                    "cta": "ご注文手続きへ進む", "coupon_label": "ご注文時に次のクーポンコードをご入力ください"},
             "en": {"subject": "Last reminder: the items in your cart",
                    "preheader": "A special offer for this order only.",
                    "intro": "{name}, this is our last note about your cart. Order now and we will prepare special "
                             "terms for the quantity you need, ahead of the queue.",
                    "cta": "Complete your order", "coupon_label": "Enter this coupon code at checkout"}},
        ),
    ),
    Scenario(
        key="browse_abandonment",
        title={"ja": "閲覧落ちフォロー", "en": "Browse abandonment"},
        description={"ja": "ストアフロントが報告した商品閲覧のあと、カート作成も注文もない顧客へ。",
                     "en": "Product views reported by the storefront with no cart or order since."},
        trigger={"ja": "最後の商品閲覧から最初の送信タイミングが過ぎたとき",
                 "en": "last product view older than the first delay"},
        stop_on=(ORDERED, CHECKOUT_STARTED),
        params={"delays_hours": _delays([2]),
                "lookback_hours": Param(48, {"ja": "閲覧の対象期間（時間）", "en": "Look-back (hours)"},
                                        {"ja": "走査前のこの時間内の閲覧だけを対象にします。",
                                         "en": "Only views in this many hours before the scan."}, 1, 24 * 30)},
        copy=({
            "ja": {"subject": "ご覧になった商品のご案内", "intro": "{name}様、先日ご覧になった商品をご案内します。",
                   "cta": "商品を見る"},
            "en": {"subject": "Still thinking it over?", "intro": "{name}, here are the products you looked at.",
                   "cta": "See the products"},
        },),
    ),
    Scenario(
        key="registered_no_purchase",
        title={"ja": "会員登録後未購入フォロー", "en": "Registered, never bought"},
        description={"ja": "会員登録後、初回注文まで送るフォローメール。",
                     "en": "Follow-up mails after sign-up until the first order."},
        trigger={"ja": "会員登録", "en": "registration"},
        params={"delays_hours": _delays([24, 168])},
        copy=(
            {"ja": {"subject": "ご登録ありがとうございます", "preheader": "よく選ばれている商品をご紹介します。",
                    "intro": "{name}様、ご登録ありがとうございます。人気の商品をご紹介します。", "cta": "ショップを見る"},
             "en": {"subject": "Welcome — here is where to start", "preheader": "The products customers reorder most.",
                    "intro": "{name}, thanks for signing up. Here are the products our customers reorder most.",
                    "cta": "Visit the shop"}},
            {"ja": {"subject": "はじめてのご注文をお手伝いいたします",
                    "preheader": "法人様向けの請求書払い・まとめ買いのご案内です。",
                    "intro": "{name}様\nお世話になっております。{shop_name}でございます。\n"
                             "ご登録から1週間が経ちました。法人のお客様には請求書払いや定期的なまとめ買いのご相談も"
                             "承っております。はじめてのご注文で気になる点がございましたら、このメールにご返信ください。",
                    "cta": "商品を探す", "coupon_label": "初回のご注文にご利用いただけるクーポンコード"},
             "en": {"subject": "Ready for your first order?",
                    "preheader": "Invoice payment and bulk orders for businesses.",
                    "intro": "{name}, it has been a week since you signed up. We offer invoice payment and regular "
                             "bulk orders for businesses — reply to this mail with any question about your first order.",
                    "cta": "Find products", "coupon_label": "A coupon code for your first order"}},
        ),
    ),
    Scenario(
        key="reorder_reminder",
        title={"ja": "買い忘れ防止リマインド", "en": "Reorder reminder"},
        description={"ja": "顧客×SKUの再注文予測日の少し前に、その会社の購買担当者へ、そろそろなくなる商品を一覧にして送ります。",
                     "en": "Shortly before an account × SKU's predicted reorder date, to the company's buyers, "
                     "listing the items due."},
        trigger={"ja": "再注文予測日の指定日数前", "en": "predicted reorder date minus the lead time"},
        params={"delays_hours": _delays([0]),
                "lead_days": Param(3, {"ja": "予測日の何日前", "en": "Lead time (days)"},
                                   {"ja": "再注文予測日の何日前に送るか。", "en": "Days before the predicted reorder date."},
                                   0, 60),
                "segment_id": _SEGMENT},
        copy=({
            "ja": {"subject": "そろそろご注文の時期です", "intro": "{name}様、いつもご利用ありがとうございます。"
                   "以下の商品がそろそろなくなる頃です。", "cta": "まとめて注文する"},
            "en": {"subject": "Time to reorder?", "intro": "{name}, these items are about due for a reorder.",
                   "cta": "Reorder now"},
        },),
    ),
    Scenario(
        key="churn_risk",
        title={"ja": "離脱傾向フォロー", "en": "Churn risk"},
        description={"ja": "自社の購買リズムを猶予係数以上に過ぎた顧客：スタッフへの通知、購買担当者へのメール、"
                     "上位顧客にはメールで注文がなければ架電タスク。",
                     "en": "An account past its own purchase rhythm by the grace factor: staff alert, mails to "
                     "the buyers, and for top accounts a call task when the mails get no order."},
        trigger={"ja": "購買間隔の遅れが猶予係数を超えたとき（離脱リスク）",
                 "en": "overdue beyond the grace factor (AccountMetrics.churn_risk)"},
        staff_steps=(DeliveryKind.STAFF_ALERT, DeliveryKind.STAFF_EMAIL, DeliveryKind.STAFF_WEBHOOK,
                     DeliveryKind.CALL_TASK),
        params={"delays_hours": _delays([0, 168, 336]),
                "call_after_hours": Param(504, {"ja": "架電までの時間（時間）", "en": "Call after (hours)"},
                                          {"ja": "条件成立からこの時間、注文がなければ架電タスクを作ります。",
                                           "en": "Call task this many hours after the trigger with no order."},
                                          0, 24 * 365),
                "call_top_rfm_rank": Param(2, {"ja": "架電対象のRFMランク", "en": "Call: top RFM rank"},
                                           {"ja": "RFMランクがこの値以下（1が最上位）の顧客だけ架電タスクにします。",
                                            "en": "Call tasks only for accounts with an RFM rank at most this (1 best)."},
                                           1, 7),
                "segment_id": _SEGMENT},
        copy=(
            {"ja": {"subject": "その後いかがでしょうか", "preheader": "お困りのことがあればお気軽にご相談ください。",
                    "intro": "{name}様\nいつもお世話になっております。{shop_name}でございます。\n"
                             "{last_order_date}のご注文以来、少し間が空いておりますが、"
                             "お困りのことはございませんか。ご不明な点がございましたら、このメールにご返信ください。",
                    "cta": "ショップを見る"},
             "en": {"subject": "We have not seen you in a while", "preheader": "Anything we can help with?",
                    "intro": "{name}, we have not had an order from you since {last_order_date}. "
                             "Anything we can help with? Just reply to this mail.",
                    "cta": "Visit the shop"}},
            {"ja": {"subject": "業務に役立つ商品と、まとめ買いのご案内",
                    "preheader": "同業のお客様によくご注文いただいている商品です。",
                    "intro": "{name}様\nお世話になっております。{shop_name}でございます。\n"
                             "同じ業種のお客様によくご注文いただいている商品と、在庫切れを防ぐ定期的なまとめ買いを"
                             "ご案内いたします。お届け日や数量のご希望にも柔軟に対応いたします。",
                    "cta": "おすすめの商品を見る"},
             "en": {"subject": "What businesses like yours reorder",
                    "preheader": "Popular products and scheduled bulk orders.",
                    "intro": "{name}, here is what businesses like yours reorder most, and how a scheduled bulk "
                             "order keeps you from running out. Delivery dates and quantities are up to you.",
                    "cta": "See what others order"}},
            {"ja": {"subject": "日頃のご愛顧に感謝を込めて、特別なご案内です",
                    "preheader": "次回のご注文を特別条件でお見積りいたします。",
                    "intro": "{name}様\nいつも格別のお引き立てをいただき、誠にありがとうございます。\n"
                             "これまでのご愛顧に感謝を込めて、次回のご注文を特別条件でお見積りいたします。"
                             "ご希望の商品と数量をこのメールにご返信いただくか、下記よりご注文ください。",
                    "cta": "ご注文はこちら", "coupon_label": "ご注文時に次のクーポンコードをご入力ください"},
             "en": {"subject": "A thank-you offer for your next order",
                    "preheader": "Special terms on your next order.",
                    "intro": "{name}, thank you for your business over the years. As a thank-you we will quote your "
                             "next order on special terms — reply with the items and quantities, or order below.",
                    "cta": "Order now", "coupon_label": "Enter this coupon code at checkout"}},
        ),
    ),
    Scenario(
        key="high_intent",
        title={"ja": "購入確度の高い企業", "en": "High purchase intent"},
        description={"ja": "休眠中または高価値の顧客が再び動いたとき（新しいカート、商品閲覧）：スタッフへ通知。",
                     "en": "A dormant or high-value account active again (a new checkout, product views): staff alert."},
        trigger={"ja": "休眠・離反・上位顧客の新しいカートまたは商品閲覧",
                 "en": "new checkout or product views by a dormant, lost or top account"},
        staff_steps=(DeliveryKind.STAFF_ALERT, DeliveryKind.STAFF_EMAIL, DeliveryKind.STAFF_WEBHOOK),
        stop_on=(),
        params={"window_hours": Param(24, {"ja": "行動の対象期間（時間）", "en": "Window (hours)"},
                                      {"ja": "この時間内の行動を対象にします。", "en": "Activity within this many hours."},
                                      1, 24 * 14),
                "top_rfm_rank": Param(2, {"ja": "高価値とみなすRFMランク", "en": "Top RFM rank"},
                                      {"ja": "RFMランクがこの値以下の顧客を高価値とみなします。",
                                       "en": "Accounts with an RFM rank at most this count as high-value."}, 1, 7)},
    ),
    Scenario(
        key="winback",
        title={"ja": "休眠掘り起こし", "en": "Dormant win-back"},
        description={"ja": "休眠顧客になったばかりの顧客へ、再来店を促すメール。",
                     "en": "An account that just turned dormant: mails inviting it back."},
        trigger={"ja": "休眠ステージに入ったとき", "en": "entered the dormant stage"},
        params={"delays_hours": _delays([0, 336]), "segment_id": _SEGMENT},
        copy=(
            {"ja": {"subject": "お久しぶりです。特別なご案内です", "preheader": "最近の新商品をご紹介します。",
                    "intro": "{name}様、しばらくご注文がございませんので、ご案内をお送りします。", "cta": "ショップを見る"},
             "en": {"subject": "It has been a while", "preheader": "What is new since your last visit.",
                    "intro": "{name}, we would love to have you back.", "cta": "Visit the shop"}},
            {"ja": {"subject": "ご注文再開のお客様へ、特別条件のご案内",
                    "preheader": "再開後のご注文を特別条件でお見積りいたします。",
                    "intro": "{name}様\nお世話になっております。{shop_name}でございます。\n"
                             "ご注文を再開いただくお客様に、特別条件でのお見積りをご用意しております。"
                             "前回のご注文内容をもとにご提案いたしますので、お気軽にこのメールへご返信ください。",
                    "cta": "ご注文を再開する", "coupon_label": "ご注文時に次のクーポンコードをご入力ください"},
             "en": {"subject": "An offer to welcome you back",
                    "preheader": "Special terms when you order again.",
                    "intro": "{name}, when you order again we will quote you special terms, based on what you "
                             "ordered last. Reply to this mail and we will put it together.",
                    "cta": "Order again", "coupon_label": "Enter this coupon code at checkout"}},
        ),
    ),
    Scenario(
        key="f2_followup",
        title={"ja": "新規顧客の2回目購入フォロー", "en": "Second-purchase follow-up"},
        description={"ja": "購入1回の新規顧客へ、購入の数日後にフォロー（F2転換）。",
                     "en": "A new customer with one purchase: a follow-up some days after it (F2 conversion)."},
        trigger={"ja": "初回購入から送信タイミングが過ぎたとき", "en": "first purchase plus the delay"},
        params={"delays_hours": _delays([336]), "segment_id": _SEGMENT},
        copy=({
            "ja": {"subject": "ご購入ありがとうございました", "intro": "{name}様、先日はご購入ありがとうございました。"
                   "お使い心地はいかがでしょうか。", "cta": "次のご注文へ"},
            "en": {"subject": "How is your order working out?", "intro": "{name}, thanks for your first order. "
                   "Here is what customers like you buy next.", "cta": "Shop again"},
        },),
    ),
    Scenario(
        key="shipping_followup",
        title={"ja": "発送完了フォロー", "en": "Shipping follow-up"},
        description={"ja": "注文の商品を発送したとき（Saleor のフルフィルメント、取込ファイルの発送日）：注文した購入者へ"
                     "お問い合わせ番号と商品を載せた発送完了のメール、届いた頃に使い心地と次のご注文を伺うメール。",
                     "en": "When an order's parcel is sent (a Saleor fulfilment, an imported file's shipping date): "
                     "a shipping notice with the tracking number and the items to the buyer who ordered, then a "
                     "note once it has arrived asking how it went and inviting the next order."},
        trigger={"ja": "発送（発送日）", "en": "a parcel shipped (its shipping date)"},
        stop_on=(),
        params={"delays_hours": _delays([0, 120]), "segment_id": _SEGMENT},
        copy=(
            {"ja": {"subject": "ご注文の商品を発送いたしました（ご注文番号 {order_number}）",
                    "preheader": "お問い合わせ番号：{tracking_number}",
                    "intro": "{name}様\nいつもご利用いただき、誠にありがとうございます。{shop_name}でございます。\n"
                             "ご注文（ご注文番号 {order_number}）の商品を{shipped_date}に発送いたしました。\n"
                             "配送会社：{carrier}\nお問い合わせ番号：{tracking_number}",
                    "cta": "ショップを見る"},
             "en": {"subject": "Your order {order_number} has shipped",
                    "preheader": "Tracking number: {tracking_number}",
                    "intro": "{name}, your order {order_number} left us on {shipped_date}.\n"
                             "Carrier: {carrier}\nTracking number: {tracking_number}",
                    "cta": "Visit the shop"}},
            {"ja": {"subject": "お届けした商品はいかがでしょうか",
                    "preheader": "追加のご注文や数量のご相談も承ります。",
                    "intro": "{name}様\nお世話になっております。{shop_name}でございます。\n"
                             "先日お届けした商品はお手元に届きましたでしょうか。お使いになってお気づきの点や、"
                             "追加・定期のご注文のご相談がございましたら、このメールにお気軽にご返信ください。",
                    "cta": "次のご注文へ", "coupon_label": "次回のご注文にご利用いただけるクーポンコード"},
             "en": {"subject": "Has your order arrived well?",
                    "preheader": "Need more, or a regular delivery? Just reply.",
                    "intro": "{name}, we hope your order arrived safely. Anything to tell us about it, or need more "
                             "or a regular delivery? Simply reply to this mail.",
                    "cta": "Order again", "coupon_label": "A coupon code for your next order"}},
        ),
    ),
    Scenario(
        key="cross_sell",
        title={"ja": "クロスセル", "en": "Cross-sell"},
        description={"ja": "A→Bの購入遷移が強い商品Aを買った顧客へ、まだ買っていない次の商品Bを案内します。",
                     "en": "After a product with a strong A→B transition, the next product to an account that "
                     "has not bought it."},
        trigger={"ja": "最後の購入にAが含まれ、A→Bのリフト値が最小値を超えるとき",
                 "en": "last purchase contained A; A→B lift over the minimum"},
        params={"delays_hours": _delays([168]),
                "min_lift": Param(1.5, {"ja": "最小リフト値", "en": "Minimum lift"},
                                  {"ja": "A→B遷移のリフト値の下限。", "en": "Minimum lift of the A→B transition."}, 1, 1000),
                "segment_id": _SEGMENT},
        copy=({
            "ja": {"subject": "こちらの商品もおすすめです", "intro": "{name}様、ご購入の商品と一緒によく選ばれている商品です。",
                   "cta": "商品を見る"},
            "en": {"subject": "Goes well with your last order", "intro": "{name}, customers who bought what "
                   "you bought often add this next.", "cta": "See the product"},
        },),
    ),
]}

LANGUAGES = ("ja", "en")
