"""The words the renderer itself writes into a mail (not the shop's copy), in ja and en."""

from __future__ import annotations

WORDS = {
    "ja": {"due": "目安", "recent_price": "参考価格", "subtotal": "小計", "total": "合計", "coupon": "クーポンコード",
           "sender": "送信者", "address": "住所", "contact": "お問い合わせ",
           "marketing": "このメールは{sender}が広告・宣伝を目的としてお送りしています。",
           "unsubscribe_link": "配信停止はこちら", "unsubscribe": "配信停止"},
    "en": {"due": "due", "recent_price": "recent price", "subtotal": "subtotal", "total": "Total",
           "coupon": "Coupon code", "sender": "Sender", "address": "Address", "contact": "Contact",
           "marketing": "You are receiving this marketing e-mail from {sender}.",
           "unsubscribe_link": "Unsubscribe", "unsubscribe": "Unsubscribe"},
}
