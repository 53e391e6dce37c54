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
  total: "Total", cost: "Cost", trigger: "Trigger", runs: "Recent runs", startRecompute: "Recompute now",
  queued: "Queued", progress: "Progress", started: "Started", finished: "Finished", account: "Account",
  phone: "Phone", staffAlerts: "Staff alerts",
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
  total: "合計", cost: "費用", trigger: "条件", runs: "最近の実行", startRecompute: "今すぐ再計算",
  queued: "受け付けました", progress: "進捗", started: "開始", finished: "終了", account: "顧客",
  phone: "電話", staffAlerts: "スタッフ通知",
};

export const MESSAGES: Record<Lang, Record<Key, string>> = { en, ja };

export function translate(lang: Lang, key: Key): string {
  return MESSAGES[lang][key] ?? en[key];
}

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
