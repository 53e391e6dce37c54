import { Box, Button, Text } from "@saleor/macaw-ui";
import { CartesianGrid, ReferenceArea, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis,
  YAxis } from "recharts";

import { Card, Guard, Stat } from "../components/ui";
import { useApp, useQuery } from "../context";
import { fmtCompact, fmtDate, fmtMoney, fmtNum, fmtPct } from "../format";
import { enumLabel, valueLabel } from "../i18n";
import { navigate, withQuery } from "../router";

export const ACCOUNT_FIELDS = `
  id name channel currency keyKind erased
  metrics { firstPurchaseOn lastPurchaseOn frequency recencyDays stage cpmCell rfmSegment rScore fScore mScore
    typicalIntervalDays nextPurchaseOn overdueRatio churnRisk pAlive expectedPurchases
    monetary { amount } averageOrderValue { amount } clv { amount } }
  contacts { email firstName lastName companyName marketingConsent unsubscribed }
  skuReorders(first: 20) { sku productName purchases lastPurchaseOn typicalIntervalDays nextReorderOn daysUntilDue }
  orders(first: 50) { number createdAt countsAsPurchase netAmount { amount } }`;

const QUERY = `query Account($id: ID!) {
  ltvAccount(id: $id) { ${ACCOUNT_FIELDS} }
  ltvAccountMessages(account: $id, first: 50) { scenario kind step status skipReason toEmail dueAt sentAt openedAt clickedAt }
}`;

// Share of the typical interval shown as the predicted window either side of the date (as the storefront's).
export const WINDOW_SHARE = 0.2;

export interface AccountData {
  id: string; name: string; channel: string; currency: string; keyKind: string; erased: boolean;
  metrics: null | { firstPurchaseOn: string | null; lastPurchaseOn: string | null; frequency: number;
    recencyDays: number | null; stage: string | null; cpmCell: string | null; rfmSegment: string | null;
    rScore: number | null; fScore: number | null; mScore: number | null; typicalIntervalDays: number | null;
    nextPurchaseOn: string | null; overdueRatio: number | null; churnRisk: boolean; pAlive: number | null;
    expectedPurchases: number | null; monetary: { amount: number }; averageOrderValue: { amount: number };
    clv: { amount: number } | null };
  contacts: { email: string; firstName: string; lastName: string; companyName: string; marketingConsent: string;
    unsubscribed: boolean }[];
  skuReorders: { sku: string; productName: string; purchases: number; lastPurchaseOn: string;
    typicalIntervalDays: number | null; nextReorderOn: string | null; daysUntilDue: number | null }[];
  orders: { number: string; createdAt: string; countsAsPurchase: boolean; netAmount: { amount: number } }[];
}
export interface Message { scenario: string; kind: string; step: number; status: string; skipReason: string;
  toEmail: string | null; dueAt: string; sentAt: string | null; openedAt: string | null; clickedAt: string | null }

const TITLES = `query Titles($channel: String!, $language: String) {
  ltvScenarios(channel: $channel) { key title(language: $language) } ltvFlows(channel: $channel) { key name } }`;

/** Scenario key → its title in the reader's language; null until they arrive (a raw key is no title). */
function useScenarioTitles(channel: string): Map<string, string> | null {
  const { lang } = useApp();
  const state = useQuery<{ ltvScenarios: { key: string; title: string }[]; ltvFlows: { key: string; name: string }[] }>(
    TITLES, { channel, language: lang });
  // a flow of the shop's own by its name; a ready scenario by its title in the reader's language
  if (!state.data) return null;
  return new Map([...state.data.ltvFlows.map((f) => [f.key, f.name] as const),
                  ...state.data.ltvScenarios.map((s) => [s.key, s.title] as const)]);
}

const day = (iso: string) => new Date(iso.length === 10 ? iso + "T00:00:00Z" : iso).getTime();

export function AccountPage({ id }: { id: string }) {
  const { t, channel } = useApp();
  const state = useQuery<{ ltvAccount: AccountData | null; ltvAccountMessages: Message[] }>(QUERY, { id });
  return (
    <Box display="flex" flexDirection="column" gap={4} data-testid="page-account">
      <Box className="ltv-noprint"><Button variant="tertiary" data-testid="back"
        // history.back() from the sandboxed frame would move the Dashboard's history: blocked there.
        onClick={() => navigate(window.history.state?.from || withQuery("accounts", { channel }))}>← {t("back")}</Button></Box>
      <Guard state={state} isEmpty={(d) => !d.ltvAccount}>
        {(d) => <AccountPanel account={d.ltvAccount!} messages={d.ltvAccountMessages} />}
      </Guard>
    </Box>
  );
}

export function AccountPanel({ account: a, messages, compact = false }: { account: AccountData; messages: Message[];
  compact?: boolean }) {
  const { t, lang } = useApp();
  const titles = useScenarioTitles(a.channel);
  const m = a.metrics;
  const points = a.orders.filter((o) => o.countsAsPurchase)
    .map((o) => ({ x: day(o.createdAt), y: o.netAmount.amount, number: o.number }));
  const next = m?.nextPurchaseOn ? day(m.nextPurchaseOn) : null;
  const half = m?.typicalIntervalDays ? m.typicalIntervalDays * WINDOW_SHARE * 86400e3 : 0;
  const xs = points.map((p) => p.x).concat(next ? [next - half, next + half] : [], [Date.now()]);
  const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
  const pad = (hi - lo) * 0.04 + 86400e3;
  return (
    <Box display="flex" flexDirection="column" gap={4} data-testid="account-panel" data-account={a.id}>
      <Card title={<span data-testid="account-name">{a.name}</span>}>
        <Box className="ltv-stats">
          <Stat testId="account-stage" label={t("stage")} value={enumLabel(lang, "stage", m?.stage)} />
          <Stat testId="account-palive" label={t("pAlive")} value={fmtPct(lang, m?.pAlive, 0)} />
          <Stat testId="account-clv" label={t("clv")} value={fmtMoney(lang, m?.clv?.amount, a.currency)} />
          <Stat testId="account-next" label={t("predictedNext")} value={fmtDate(lang, m?.nextPurchaseOn)} />
          {!compact && <Stat label={t("cpm")} value={enumLabel(lang, "cpm", m?.cpmCell)} />}
          {!compact && <Stat label={t("rfm")} value={`${enumLabel(lang, "rfm", m?.rfmSegment)} · R${m?.rScore} F${m?.fScore} M${m?.mScore}`} />}
          {!compact && <Stat label={t("spend")} value={fmtMoney(lang, m?.monetary.amount, a.currency)} />}
          {!compact && <Stat label={t("expectedPurchases")} value={fmtNum(lang, m?.expectedPurchases, 1)} />}
        </Box>
        {m?.churnRisk && <Text color="critical1" data-testid="churn-risk">⚠ {t("churnRisk")} — {t("overdue")} {fmtNum(lang, m.overdueRatio, 2)}×</Text>}
      </Card>
      <Card title={`${t("rhythm")} — ${t("typicalInterval")} ${fmtNum(lang, m?.typicalIntervalDays, 0)} ${t("days")}`}
            testId="rhythm">
        {next && <Text size={2} color="default2">┊ {t("predictedNext")} {fmtDate(lang, m?.nextPurchaseOn)} · ▮ {t("band")} ±{fmtNum(lang, half / 86400e3, 0)} {t("days")}</Text>}
        <div style={{ width: "100%", height: compact ? 180 : 260 }} data-testid="chart-rhythm">
          <ResponsiveContainer>
            <ScatterChart margin={{ left: 8, right: 16 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis type="number" dataKey="x" domain={[lo - pad, hi + pad]}
                     scale="time" tickFormatter={(v: number) => new Date(v).toISOString().slice(0, 7)} />
              <YAxis type="number" dataKey="y" tickFormatter={(v: number) => fmtCompact(lang, v)} width={64} />
              <Tooltip formatter={(v) => fmtMoney(lang, Number(v), a.currency)}
                       labelFormatter={(v) => new Date(Number(v)).toISOString().slice(0, 10)} />
              {next && half > 0 && <ReferenceArea x1={next - half} x2={next + half} fill="#f0a03c" fillOpacity={0.25} />}
              {next && <ReferenceLine x={next} stroke="#e07b00" strokeDasharray="4 4" />}
              <Scatter data={points} fill="#3868dc" isAnimationActive={false} />
            </ScatterChart>
          </ResponsiveContainer>
        </div>
      </Card>
      <Card title={t("skuReorders")} testId="sku-reorders">
        {a.skuReorders.length === 0 ? <Text color="default2">{t("empty")}</Text> : (
          <div className="ltv-scroll"><table className="ltv-table">
            <thead><tr><th>{t("sku")}</th><th>{t("product")}</th><th className="num">{t("orders")}</th>
              <th>{t("lastPurchase")}</th><th className="num">{t("typicalInterval")}</th><th>{t("due")}</th></tr></thead>
            <tbody>{a.skuReorders.map((s) => (
              <tr key={s.sku} data-sku={s.sku}>
                <td>{s.sku}</td><td>{s.productName}</td><td className="num">{s.purchases}</td>
                <td>{fmtDate(lang, s.lastPurchaseOn)}</td>
                <td className="num">{fmtNum(lang, s.typicalIntervalDays, 0)} {t("days")}</td>
                <td>{fmtDate(lang, s.nextReorderOn)}{s.daysUntilDue !== null && (s.daysUntilDue < 0
                  ? ` (${t("overdueBy")} ${-s.daysUntilDue} ${t("days")})` : ` (${t("dueIn")} ${s.daysUntilDue} ${t("days")})`)}</td>
              </tr>))}</tbody>
          </table></div>)}
      </Card>
      {!compact && (
        <Card title={t("contacts")} testId="contacts">
          <div className="ltv-scroll"><table className="ltv-table">
            <thead><tr><th>{t("name")}</th><th>{t("email")}</th><th>{t("consent")}</th><th>{t("unsubscribed")}</th></tr></thead>
            <tbody>{a.contacts.map((c) => (
              <tr key={c.email}><td>{[c.lastName, c.firstName].filter(Boolean).join(" ")}</td><td>{c.email}</td>
                <td>{valueLabel(lang, "consent_", c.marketingConsent?.toLowerCase())}</td><td>{c.unsubscribed ? "✓" : ""}</td></tr>))}</tbody>
          </table></div>
        </Card>
      )}
      <Card title={t("messages")} testId="messages">
        {messages.length === 0 ? <Text color="default2">{t("empty")}</Text> : (
          <div className="ltv-scroll"><table className="ltv-table">
            {/* a widget is a narrow sidebar column: the three columns that matter there */}
            <thead><tr><th>{t("scenario")}</th>{!compact && <th>{t("kind")}</th>}<th>{t("status")}</th><th>{t("sentAt")}</th>
              {!compact && <><th>{t("opened")}</th><th>{t("clicked")}</th></>}</tr></thead>
            <tbody>{messages.map((msg, i) => (
              <tr key={i} data-status={msg.status}>
                <td data-testid="message-scenario">{titles ? titles.get(msg.scenario) ?? msg.scenario : "…"} #{msg.step}</td>
                {!compact && <td>{valueLabel(lang, "channel_", msg.kind)}</td>}
                <td>{valueLabel(lang, "status_", msg.status)}
                  {msg.skipReason ? ` (${valueLabel(lang, "skip_", msg.skipReason)})` : ""}</td>
                <td>{fmtDate(lang, msg.sentAt ?? msg.dueAt)}</td>
                {!compact && <><td>{msg.openedAt ? "✓" : ""}</td><td>{msg.clickedAt ? "✓" : ""}</td></>}</tr>))}</tbody>
          </table></div>)}
      </Card>
    </Box>
  );
}
