// UI text in English and Japanese; the Dashboard's locale picks one (anything "ja…" → Japanese).
export type Lang = "en" | "ja";

export const langOf = (locale: string): Lang => (locale.toLowerCase().startsWith("ja") ? "ja" : "en");

const en = {
  overview: "Overview", accounts: "Accounts", alerts: "Alerts", scenarios: "Scenarios", recompute: "Recompute",
  channel: "Channel", loading: "Loading…", empty: "Nothing here yet.", retry: "Retry",
  noPermission: "You don't have permission to see this.", needPermissions: "Needed: one of",
  notEmbedded: "Open this app from the Saleor Dashboard (Customers → LTV).",
  noData: "No scored accounts yet: import orders and run a recompute.",
  buyingAccounts: "Buying accounts", revenue: "Revenue", f2: "F2 conversion", since: "Movement since",
  stageFunnel: "Lifecycle stages", stageMovement: "Change since", revenueByMonth: "Revenue, new vs repeat",
  newRevenue: "New", repeatRevenue: "Repeat", cpmGrid: "CPM", rfmGrid: "RFM (recency × frequency)",
  active: "Active", lapsed: "Lapsed", recencyScore: "R score", frequencyScore: "F score", accountsN: "accounts",
  name: "Name", stage: "Stage", cpm: "CPM", rfm: "RFM", pAlive: "P(alive)", overdue: "Overdue",
  nextPurchase: "Next purchase", spend: "Spend", clv: "CLV", orders: "Orders", lastPurchase: "Last purchase",
  filters: "Filters", clear: "Clear", sortBy: "Sort by", asc: "Ascending", desc: "Descending",
  exportCsv: "Export CSV", exported: "Exported", rows: "rows", next: "Next", previous: "Previous",
  min: "min", max: "max", from: "from", to: "to", all: "All", search: "Search name or key", churnRisk: "Churn risk",
  rhythm: "Purchase rhythm", predictedNext: "Predicted next order", band: "expected window",
  typicalInterval: "Typical interval", days: "days", skuReorders: "Reorder dates by SKU", sku: "SKU",
  product: "Product", due: "Due", dueIn: "in", overdueBy: "overdue", contacts: "Contacts", email: "E-mail",
  consent: "Consent", unsubscribed: "Unsubscribed", messages: "Messages", scenario: "Scenario", status: "Status",
  sentAt: "Sent", opened: "Opened", clicked: "Clicked", expectedPurchases: "Expected purchases (1 y)",
  back: "Back", noAccount: "This customer has no LTV account yet (no purchases recorded).",
  inbox: "Inbox", callList: "Call list", print: "Print", open: "Open", acknowledged: "Acknowledged",
  closed: "Closed", assign: "Assign", acknowledge: "Acknowledge", close: "Close", reopen: "Reopen",
  assignee: "Assignee", kind: "Kind", priority: "Priority", reason: "Reason", created: "Created",
  churn_risk: "Churn risk", high_intent: "High intent", call: "Call task", note: "Note",
  enabled: "On", disabled: "Off", settings: "Settings", save: "Save", saved: "Saved", report: "Report",
  period: "Period", enrolled: "Enrolled", sent: "Sent", openRate: "Open rate", clickRate: "Click rate",
  attributed: "Attributed revenue", incremental: "Incremental revenue", roas: "ROAS", holdout: "Holdout",
  interval95: "95% interval", verdict: "Holdout read-out",
  verdict_TOO_SMALL: "Too few to tell", verdict_INCONCLUSIVE: "No clear effect yet",
  verdict_POSITIVE: "Raised revenue", verdict_NEGATIVE: "Lowered revenue",
  total: "Total", cost: "Cost", trigger: "Trigger", runs: "Recent runs", startRecompute: "Recompute now",
  queued: "Queued", progress: "Progress", started: "Started", finished: "Finished", account: "Account",
  phone: "Phone", staffAlerts: "Staff alerts",
  contactEmails: "Contact e-mails", computedAt: "Computed at", noReason: "—",
  reasonOverdue: "{ratio}× its typical interval of {days} days", reasonActive: "Active again",
  sort_OVERDUE_RATIO: "Overdue ratio", sort_P_ALIVE: "P(alive)", sort_MONETARY: "Spend", sort_CLV: "CLV",
  sort_NEXT_PURCHASE_ON: "Next purchase", sort_LAST_PURCHASE_AT: "Last purchase", sort_FREQUENCY: "Orders",
  sort_RFM_RANK: "RFM rank", sort_NAME: "Name",
  status_pending: "Waiting", status_sending: "Sending", status_committing: "Handed over, awaiting acceptance",
  status_sent: "Sent", status_skipped: "Skipped", status_failed: "Failed, will retry", status_dead: "Gave up",
  skip_no_address: "no address", skip_invalid_address: "invalid address", skip_unsubscribed: "unsubscribed",
  skip_no_consent: "no consent", skip_frequency_cap: "weekly cap reached", skip_scenario_disabled: "scenario off",
  skip_not_configured: "channel not set up", skip_ordered: "ordered since", skip_checkout_completed: "checkout completed",
  skip_checkout_started: "cart started", skip_stopped: "stopped",
  channel_email: "E-mail", channel_staff_alert: "Staff alert", channel_staff_email: "Staff e-mail",
  channel_staff_webhook: "Staff webhook", channel_call_task: "Call task",
  consent_unknown: "Unknown", consent_granted: "Granted", consent_revoked: "Revoked",
  run_running: "Running", run_done: "Done", run_failed: "Failed",
  error_invalid: "Invalid input", error_required: "Required", error_not_found: "Not found",
  error_unique: "Already exists", error_rate_limited: "Too many requests; try again shortly",
  error_duplicated: "Given twice", error_out_of_scope_permission: "Beyond your permissions",
  error_in_use: "Still in use", error_sender_incomplete: "Set the sender first (name, address, postal address, public URL)",
  error_network: "The plugin could not be reached", error_http: "The plugin answered with an error",
  error_other: "Something went wrong", errorFields: "fields",
  setup: "Setup", cancel: "Cancel", openAccount: "Open the full account page",
  printExpired: "This print link has expired: press Print again in the Dashboard.",
  userLacksPermission: "Read-only: switching and editing scenarios needs the {permission} permission, which your staff account does not have. Ask an administrator to add you to a permission group with it.",
  appLacksPermission: "Read-only: you have {permission}, but the app was installed without it. An administrator grants it under Extensions → this app → Manage permissions.",
  setupTitle: "Setup checklist", setupItem: "Item", setupFound: "What we found", setupTodo: "What to do",
  setupOk: "OK", setupWarn: "Check", setupFail: "Action needed", sendTestMail: "Send a test mail to me",
  testMailTo: "Test mail to", testMailSent: "Test mail sent", checkedAt: "Checked at",
  setup_sender: "Sender identity", setup_public_url: "Public URL", setup_consent: "Consent to marketing mail",
  setup_smtp: "Mail server (SMTP)", setup_celery: "Celery worker and beat", setup_recompute: "Last recompute",
  setup_host: "Saleor version",
};
export type Key = keyof typeof en;

const ja: Record<Key, string> = {
  overview: "概要", accounts: "顧客一覧", alerts: "アラート", scenarios: "シナリオ", recompute: "再計算",
  channel: "チャネル", loading: "読み込み中…", empty: "まだありません。", retry: "再試行",
  noPermission: "この画面を見る権限がありません。", needPermissions: "必要な権限（いずれか）",
  notEmbedded: "Saleor ダッシュボード（顧客 → LTV）から開いてください。",
  noData: "まだスコアのある顧客がいません。注文を取り込んで再計算してください。",
  buyingAccounts: "購入顧客数", revenue: "売上", f2: "F2転換率", since: "比較開始日",
  stageFunnel: "ライフサイクル", stageMovement: "増減（比較日から）", revenueByMonth: "売上（新規・リピート）",
  newRevenue: "新規", repeatRevenue: "リピート", cpmGrid: "CPM", rfmGrid: "RFM（R × F）",
  active: "現役", lapsed: "離脱", recencyScore: "Rスコア", frequencyScore: "Fスコア", accountsN: "社",
  name: "名前", stage: "ステージ", cpm: "CPM", rfm: "RFM", pAlive: "生存確率", overdue: "遅れ",
  nextPurchase: "次回購入予測", spend: "累計購入額", clv: "CLV", orders: "注文", lastPurchase: "最終購入",
  filters: "絞り込み", clear: "クリア", sortBy: "並び順", asc: "昇順", desc: "降順",
  exportCsv: "CSV出力", exported: "出力しました", rows: "行", next: "次へ", previous: "前へ",
  min: "最小", max: "最大", from: "から", to: "まで", all: "すべて", search: "名前・キーで検索", churnRisk: "離脱リスク",
  rhythm: "購買リズム", predictedNext: "次回注文予測", band: "予測幅",
  typicalInterval: "標準購買間隔", days: "日", skuReorders: "SKU別の再注文予定", sku: "SKU",
  product: "商品", due: "予定日", dueIn: "あと", overdueBy: "超過", contacts: "担当者", email: "メール",
  consent: "配信同意", unsubscribed: "配信停止", messages: "送信履歴", scenario: "シナリオ", status: "状態",
  sentAt: "送信", opened: "開封", clicked: "クリック", expectedPurchases: "予測購入回数（1年）",
  back: "戻る", noAccount: "この顧客にはまだLTVのデータがありません（購入記録なし）。",
  inbox: "受信箱", callList: "架電リスト", print: "印刷", open: "未対応", acknowledged: "対応中",
  closed: "完了", assign: "担当", acknowledge: "対応開始", close: "完了にする", reopen: "再開",
  assignee: "担当者", kind: "種類", priority: "優先度", reason: "理由", created: "発生",
  churn_risk: "離脱リスク", high_intent: "購買意欲", call: "架電タスク", note: "メモ",
  enabled: "オン", disabled: "オフ", settings: "設定", save: "保存", saved: "保存しました", report: "効果レポート",
  period: "期間", enrolled: "対象", sent: "送信", openRate: "開封率", clickRate: "クリック率",
  attributed: "貢献売上", incremental: "増分売上", roas: "ROAS", holdout: "対照群",
  interval95: "95% 区間", verdict: "対照群との比較",
  verdict_TOO_SMALL: "件数不足で判定不可", verdict_INCONCLUSIVE: "効果はまだ不明",
  verdict_POSITIVE: "売上を押し上げ", verdict_NEGATIVE: "売上を押し下げ",
  total: "合計", cost: "費用", trigger: "条件", runs: "最近の実行", startRecompute: "今すぐ再計算",
  queued: "受け付けました", progress: "進捗", started: "開始", finished: "終了", account: "顧客",
  phone: "電話", staffAlerts: "スタッフ通知",
  contactEmails: "連絡先メール", computedAt: "計算日時", noReason: "—",
  reasonOverdue: "標準購買間隔 {days} 日の {ratio} 倍経過", reasonActive: "再び動きあり",
  sort_OVERDUE_RATIO: "遅れ（倍率）", sort_P_ALIVE: "生存確率", sort_MONETARY: "累計購入額", sort_CLV: "CLV",
  sort_NEXT_PURCHASE_ON: "次回購入予測日", sort_LAST_PURCHASE_AT: "最終購入日", sort_FREQUENCY: "注文回数",
  sort_RFM_RANK: "RFMランク", sort_NAME: "名前",
  status_pending: "送信待ち", status_sending: "送信処理中", status_committing: "受け渡し済み（受理待ち）",
  status_sent: "送信済み", status_skipped: "見送り", status_failed: "失敗（再試行予定）", status_dead: "送信断念",
  skip_no_address: "アドレスなし", skip_invalid_address: "無効なアドレス", skip_unsubscribed: "配信停止済み",
  skip_no_consent: "配信同意なし", skip_frequency_cap: "週の送信上限", skip_scenario_disabled: "シナリオがオフ",
  skip_not_configured: "チャネル未設定", skip_ordered: "その後に注文あり", skip_checkout_completed: "カート完了",
  skip_checkout_started: "カート作成あり", skip_stopped: "停止",
  channel_email: "メール", channel_staff_alert: "スタッフ通知", channel_staff_email: "スタッフ宛メール",
  channel_staff_webhook: "スタッフ向けWebhook", channel_call_task: "架電タスク",
  consent_unknown: "不明", consent_granted: "同意あり", consent_revoked: "同意撤回",
  run_running: "実行中", run_done: "完了", run_failed: "失敗",
  error_invalid: "入力が正しくありません", error_required: "必須項目です", error_not_found: "見つかりません",
  error_unique: "すでに存在します", error_rate_limited: "リクエストが多すぎます。しばらくしてから再試行してください",
  error_duplicated: "重複しています", error_out_of_scope_permission: "お持ちの権限を超えています",
  error_in_use: "使用中です", error_sender_incomplete: "先に送信者情報（名前・アドレス・住所・公開URL）を設定してください",
  error_network: "プラグインに接続できません", error_http: "プラグインがエラーを返しました",
  error_other: "エラーが発生しました", errorFields: "項目",
  setup: "初期設定", cancel: "キャンセル", openAccount: "顧客詳細ページを開く",
  printExpired: "この印刷用リンクは有効期限切れです。ダッシュボードでもう一度「印刷」を押してください。",
  userLacksPermission: "閲覧のみ: シナリオの切り替え・編集には {permission} 権限が必要ですが、あなたのスタッフアカウントにはありません。この権限を持つ権限グループへの追加を管理者に依頼してください。",
  appLacksPermission: "閲覧のみ: あなたは {permission} を持っていますが、アプリがこの権限なしでインストールされています。管理者が「拡張機能 → このアプリ → 権限の管理」で付与してください。",
  setupTitle: "初期設定チェックリスト", setupItem: "項目", setupFound: "現在の状態", setupTodo: "対応方法",
  setupOk: "OK", setupWarn: "要確認", setupFail: "要対応", sendTestMail: "自分宛にテストメールを送る",
  testMailTo: "テストメールの宛先", testMailSent: "テストメールを送信しました", checkedAt: "確認日時",
  setup_sender: "送信者情報", setup_public_url: "公開URL", setup_consent: "マーケティングメールの配信同意",
  setup_smtp: "メールサーバー（SMTP）", setup_celery: "Celery（ワーカーとスケジューラー）", setup_recompute: "最後の集計",
  setup_host: "Saleorのバージョン",
};

export const MESSAGES: Record<Lang, Record<Key, string>> = { en, ja };

export function translate(lang: Lang, key: Key): string {
  return MESSAGES[lang][key] ?? en[key];
}

/** A value's label from a prefixed family of keys ("status_" + "sent"); the raw value when there is none. */
export function valueLabel(lang: Lang, prefix: string, value: string | null | undefined): string {
  if (!value) return "";
  const key = `${prefix}${value}` as Key;
  return key in en ? translate(lang, key) : value;
}

/** Fills {name} placeholders. */
export const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? "");

// Stage, CPM cell and RFM segment names: Japanese from the engine (the seed documents' words;
// a test keeps labels.json equal to it), English from DESIGN.md.
import labels from "./labels.json";

export type LabelKind = "stage" | "cpm" | "rfm";
export const ORDER: Record<LabelKind, string[]> = {
  stage: labels.stage.order, cpm: labels.cpm.order, rfm: labels.rfm.order,
};

/** Buckets use lower-case values ("first_repeat"), GraphQL enums upper-case ("FIRST_REPEAT"). */
export function enumLabel(lang: Lang, kind: LabelKind, value: string | null | undefined): string {
  if (!value) return "—";
  const names = labels[kind][lang] as Record<string, string>;
  return names[value.toLowerCase()] ?? value;
}
