"""Where a Saleor shop's staff are managed: in Saleor, not here (both Saleor hosts)."""

STAFF_HOME = {
    "ja": "スタッフは Saleor のユーザーです。Saleor ダッシュボードの「設定 → スタッフメンバー」で追加・無効化し、"
          "権限グループで権限を付けます。下の表は、どの Saleor 権限でどのスコープが使えるかを示します。",
    "en": "Staff are Saleor's users: add and deactivate them in Saleor's Dashboard (Configuration → Staff Members) "
          "and give permissions through permission groups. The table below shows which Saleor permission gives "
          "which scope.",
}
