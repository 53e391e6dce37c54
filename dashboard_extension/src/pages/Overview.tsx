import { Box, Text } from "@saleor/macaw-ui";
import { useEffect, useMemo, useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { Card, Guard, Stat } from "../components/ui";
import { type HeatCell, Heatmap } from "../components/Heatmap";
import { useApp, useQuery } from "../context";
import { fmtCompact, fmtDateTime, fmtInt, fmtMoney, fmtPct, isoDay } from "../format";
import { enumLabel, type Key, ORDER } from "../i18n";
import { navigate, withQuery } from "../router";

const QUERY = `query Overview($channel: String!, $since: Date) {
  ltvOverview(channel: $channel, since: $since) {
    channel currency accounts prospects revenue f2ConversionRate since computedAt
    stages { value accounts revenue accountsThen change }
    cpmCells { value accounts revenue }
    rfmGrid { recency frequency accounts revenue }
    revenueByMonth { month newRevenue repeatRevenue newAccounts repeatAccounts }
    predictionModel { name label reason reasonJa status holdoutDays holdoutAccounts holdoutPurchases
                      scores { name label status meanAbsoluteError predictedPurchases } }
  }
}`;

interface Bucket { value: string; accounts: number; revenue: number; accountsThen?: number | null; change?: number | null }
export interface OverviewData {
  ltvOverview: null | {
    channel: string; currency: string; accounts: number; prospects: number; revenue: number;
    f2ConversionRate: number | null;
    since: string | null; computedAt: string | null; stages: Bucket[]; cpmCells: Bucket[];
    rfmGrid: { recency: number; frequency: number; accounts: number; revenue: number }[];
    revenueByMonth: { month: string; newRevenue: number; repeatRevenue: number }[];
    predictionModel: PredictionModel | null;
  };
}

interface PredictionModel {
  name: string; label: string; reason: string; reasonJa: string; status: string;
  holdoutDays: number | null; holdoutAccounts: number | null; holdoutPurchases: number | null;
  scores: { name: string; label: string; status: string; meanAbsoluteError: number | null; predictedPurchases: number | null }[];
}

const GROUPS = ["first", "toddler", "steady", "trendy", "excellent"];

export function cpmCells(buckets: Bucket[], lang: "en" | "ja", currency: string): (HeatCell | null)[][] {
  const by = new Map(buckets.map((b) => [b.value, b]));
  return ["active", "lapsed"].map((status) => GROUPS.map((g) => {
    const b = by.get(`${g}_${status}`);
    return { key: `${g}_${status}`, label: enumLabel(lang, "cpm", `${g}_${status}`), value: b?.accounts ?? 0,
             detail: fmtMoney(lang, b?.revenue ?? 0, currency) };
  }));
}

export function rfmCells(grid: { recency: number; frequency: number; accounts: number; revenue: number }[],
                         lang: "en" | "ja", currency: string): (HeatCell | null)[][] {
  const by = new Map(grid.map((c) => [`${c.recency}:${c.frequency}`, c]));
  return [5, 4, 3, 2, 1].map((r) => [1, 2, 3, 4, 5].map((f) => {
    const c = by.get(`${r}:${f}`);
    return { key: `${r}:${f}`, label: `R${r} F${f}`, value: c?.accounts ?? 0,
             detail: fmtMoney(lang, c?.revenue ?? 0, currency) };
  }));
}

export function Overview() {
  const { t, lang, channel } = useApp();
  const [since, setSince] = useState(() => isoDay(new Date(Date.now() - 30 * 86400e3)));
  const state = useQuery<OverviewData>(QUERY, { channel, since: since || null }, !channel);
  useEffect(() => {
    if (state.data) performance.mark("ltv-overview-drawn");
  }, [state.data]);
  return (
    <Box display="flex" flexDirection="column" gap={4} data-testid="page-overview">
      <Guard state={state} isEmpty={(d) => !d.ltvOverview || d.ltvOverview.accounts === 0} emptyText={t("noData")}>
        {(d) => <OverviewBody o={d.ltvOverview!} since={since} setSince={setSince} t={t} lang={lang} />}
      </Guard>
    </Box>
  );
}

function OverviewBody({ o, since, setSince, t, lang }: { o: NonNullable<OverviewData["ltvOverview"]>; since: string;
  setSince: (s: string) => void; t: ReturnType<typeof useApp>["t"]; lang: "en" | "ja" }) {
  const stages = useMemo(() => {
    const by = new Map(o.stages.map((s) => [s.value, s]));
    return ORDER.stage.map((v) => ({ value: v, name: enumLabel(lang, "stage", v), accounts: by.get(v)?.accounts ?? 0,
                                     change: by.get(v)?.change ?? null, revenue: by.get(v)?.revenue ?? 0 }));
  }, [o, lang]);
  const months = o.revenueByMonth.map((m) => ({ month: m.month, [t("newRevenue")]: m.newRevenue,
                                                [t("repeatRevenue")]: m.repeatRevenue }));
  const open = (params: Record<string, string | number>) => navigate(withQuery("accounts", { channel: o.channel, ...params }));
  return (
    <>
      <Card>
        <Box className="ltv-stats">
          <Stat testId="stat-accounts" label={t("buyingAccounts")} value={fmtInt(lang, o.accounts)} />
          <Stat testId="stat-prospects" label={t("prospects")} value={fmtInt(lang, o.prospects)} />
          <Stat testId="stat-revenue" label={t("revenue")} value={fmtMoney(lang, o.revenue, o.currency)} />
          <Stat testId="stat-f2" label={t("f2")} value={fmtPct(lang, o.f2ConversionRate)} />
        </Box>
      </Card>
      <Box className="ltv-grid">
        <Card title={t("stageFunnel")} testId="stage-funnel" actions={
          <label className="ltv-field ltv-noprint">{t("since")}
            <input type="date" value={since} onChange={(e) => setSince(e.target.value)} data-testid="since" />
          </label>}>
          <div style={{ width: "100%", height: 260 }} data-testid="chart-stages">
            <ResponsiveContainer>
              <BarChart data={stages} layout="vertical" margin={{ left: 24 }}>
                <CartesianGrid strokeDasharray="3 3" horizontal={false} />
                <XAxis type="number" />
                <YAxis type="category" dataKey="name" width={110} />
                <Tooltip />
                <Bar dataKey="accounts" name={t("accountsN")} fill="#3868dc" isAnimationActive={false}
                     cursor="pointer" onClick={(d: { payload?: { value: string } }) =>
                       d.payload && open({ stages: d.payload.value.toUpperCase() })} />
              </BarChart>
            </ResponsiveContainer>
          </div>
          <table className="ltv-table" data-testid="stage-table">
            <thead><tr><th>{t("stage")}</th><th className="num">{t("accountsN")}</th>
              <th className="num">{t("stageMovement")} {o.since ?? ""}</th><th className="num">{t("revenue")}</th></tr></thead>
            <tbody>
              {stages.map((s) => (
                <tr key={s.value} className="ltv-link" data-stage={s.value}
                    onClick={() => open({ stages: s.value.toUpperCase() })}>
                  <td>{s.name}</td><td className="num" data-field="accounts">{fmtInt(lang, s.accounts)}</td>
                  <td className="num" data-field="change">
                    {s.change === null ? "—" : (s.change > 0 ? "+" : "") + fmtInt(lang, s.change)}</td>
                  <td className="num">{fmtMoney(lang, s.revenue, o.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
        <Card title={t("revenueByMonth")} testId="revenue-by-month">
          <div style={{ width: "100%", height: 320 }} data-testid="chart-revenue">
            <ResponsiveContainer>
              <BarChart data={months}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="month" />
                <YAxis width={64} tickFormatter={(v: number) => fmtCompact(lang, v)} />
                <Tooltip formatter={(v) => fmtMoney(lang, Number(v), o.currency)} />
                <Legend />
                <Bar dataKey={t("newRevenue")} stackId="r" fill="#9db4f0" isAnimationActive={false} />
                <Bar dataKey={t("repeatRevenue")} stackId="r" fill="#3868dc" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </Card>
      </Box>
      <Box className="ltv-grid">
        <Card title={t("cpmGrid")}>
          <Heatmap testId="cpm-heatmap" rows={[t("active"), t("lapsed")]}
                   columns={GROUPS.map((g) => enumLabel(lang, "cpm", `${g}_active`).replace(/現役客$|\s·\s.*$/, ""))}
                   cells={cpmCells(o.cpmCells, lang, o.currency)}
                   onSelect={(c) => open({ cpmCells: c.key.toUpperCase() })} />
        </Card>
        <Card title={t("rfmGrid")}>
          <Heatmap testId="rfm-heatmap" rows={["R5", "R4", "R3", "R2", "R1"]} columns={["F1", "F2", "F3", "F4", "F5"]}
                   rowLabel={t("recencyScore")} columnLabel={t("frequencyScore")}
                   cells={rfmCells(o.rfmGrid, lang, o.currency)}
                   onSelect={(c) => { const [r, f] = c.key.split(":"); open({ r, f }); }} />
        </Card>
      </Box>
      {o.predictionModel && <ModelCard model={o.predictionModel} t={t} lang={lang} />}
      <Text size={1} color="default2" data-testid="computed-at" data-value={o.computedAt ?? ""}>
        {o.computedAt ? `${t("computedAt")}: ${fmtDateTime(lang, o.computedAt)}` : ""}</Text>
    </>
  );
}

const STATUS_KEYS = ["ok", "boundary", "insufficient_data", "failed"];

/** Which purchase model is behind P(alive) and CLV, why, and how each scored on the shop's holdout. */
function ModelCard({ model, t, lang }: { model: PredictionModel; t: ReturnType<typeof useApp>["t"]; lang: "en" | "ja" }) {
  const mae = (v: number | null) => (v === null ? "—" : v.toLocaleString(lang, { maximumFractionDigits: 3 }));
  return (
    <Card title={t("predictionModel")} testId="prediction-model">
      <Text as="p" data-testid="model-in-use" data-value={model.name}>
        <b>{model.label}</b> — {lang === "ja" ? model.reasonJa : model.reason}</Text>
      {model.holdoutDays !== null && (
        <Text as="p" size={2} color="default2" data-testid="model-holdout">
          {t("modelHoldout")}: {fmtInt(lang, model.holdoutDays)} {t("days")} · {fmtInt(lang, model.holdoutAccounts ?? 0)} {t("accountsN")}
          {" "}· {t("modelHoldoutPurchases")} {fmtInt(lang, model.holdoutPurchases ?? 0)}</Text>)}
      <table className="ltv-table" data-testid="model-scores">
        <thead><tr><th>{t("model")}</th><th>{t("modelFit")}</th><th className="num">{t("modelMae")}</th>
          <th className="num">{t("modelPredicted")}</th></tr></thead>
        <tbody>
          {model.scores.map((s) => (
            <tr key={s.name} data-model={s.name}>
              <td>{s.label}{s.name === model.name ? " ★" : ""}</td><td>{STATUS_KEYS.includes(s.status) ? t(`modelStatus_${s.status}` as Key) : s.status}</td>
              <td className="num" data-field="mae">{mae(s.meanAbsoluteError)}</td>
              <td className="num" data-field="predicted">{s.predictedPurchases === null ? "—" : fmtInt(lang, Math.round(s.predictedPurchases))}</td>
            </tr>))}
        </tbody>
      </table>
    </Card>
  );
}
