// The Analyses page: one tab per analysis, each a heatmap or table from its GraphQL query, a CSV
// download of the same rows (REST), and cells that open the account list where its filter can say it.
import { Box, Button, Text } from "@saleor/macaw-ui";
import { type ReactNode, useState } from "react";
import { CartesianGrid, Layer, Legend, Line, LineChart, Rectangle, ResponsiveContainer, Sankey, Tooltip, XAxis,
  YAxis } from "recharts";

import { download, REST_URL } from "../api";
import { notify } from "../bridge";
import { Card, Guard } from "../components/ui";
import { type HeatCell, Heatmap } from "../components/Heatmap";
import { useApp, useQuery } from "../context";
import { fmtDate, fmtInt, fmtMoney, fmtNum, fmtPct } from "../format";
import { enumLabel, fill, type Key, ORDER, valueLabel } from "../i18n";
import { navigate, type Route, withQuery } from "../router";

export const TABS = ["cohorts", "patterns", "products", "crosstab", "rfmi", "trends"] as const;
type Tab = (typeof TABS)[number];
const SOURCES = ["own_shop", "rakuten", "amazon", "yahoo", "shopify", "makeshop", "futureshop", "phone", "fax", "erp",
  "other"];
export const DIMENSIONS = ["stage", "cpm_cell", "rfm_segment", "r_score", "f_score", "m_score", "sales_source",
  "prefecture"] as const;
const MEASURES = ["accounts", "revenue", "aov", "orders_per_account"] as const;

type Params = Record<string, string | number | undefined | null | string[]>;

/** The account list for a cohort month: first purchase within it. */
export function cohortParams(cohort: string): Params {
  const [y, m] = cohort.split("-").map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { firstFrom: `${cohort}-01`, firstTo: `${cohort}-${String(last).padStart(2, "0")}` };
}

/** A cross-tabulation value as the account list's URL says it; null where the filter cannot. */
export function dimensionParam(dimension: string, value: string): Params | null {
  switch (dimension) {
    case "stage": return { stages: value.toUpperCase() };
    case "cpm_cell": return { cpmCells: value.toUpperCase() };
    case "rfm_segment": return { rfmSegments: value.toUpperCase() };
    case "r_score": return { r: value };
    case "f_score": return { f: value };
    case "m_score": return { m: value };
    default: return null;
  }
}

function useOpen() {
  const { channel } = useApp();
  return (params: Params) => navigate(withQuery("accounts", { channel, ...params }));
}

function CsvButton({ path, params, name }: { path: string; params: Params; name: string }) {
  const { t, token, channel } = useApp();
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      await download(token, withQuery(REST_URL + path, { channel, ...params, format: "csv" }), `ltv-${name}.csv`);
    } catch (e) {
      notify("error", (e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return <Button variant="secondary" size="small" disabled={busy} onClick={run} data-testid={`csv-${name}`}>
    {t("downloadCsv")}</Button>;
}

function Select<T extends string>({ label, value, options, name, onChange, testId }: { label: string; value: T;
  options: readonly T[]; name: (v: T) => string; onChange: (v: T) => void; testId: string }) {
  return (
    <label className="ltv-field">{label}
      <select value={value} data-testid={testId} onChange={(e) => onChange(e.target.value as T)}>
        {options.map((o) => <option key={o} value={o}>{name(o)}</option>)}
      </select>
    </label>
  );
}

export function Analyses({ route }: { route: Route }) {
  const { t } = useApp();
  const tab = (TABS as readonly string[]).includes(route.query.get("tab") ?? "") ? route.query.get("tab") as Tab : "cohorts";
  const { channel } = useApp();
  const body: Record<Tab, ReactNode> = {
    cohorts: <Cohorts />, patterns: <Patterns />, products: <Products />, crosstab: <Crosstab />, rfmi: <Rfmi />,
    trends: <Trends />,
  };
  return (
    <Box display="flex" flexDirection="column" gap={4} data-testid="page-analyses">
      <div className="ltv-tabs" role="tablist">
        {TABS.map((name) => (
          <button key={name} type="button" role="tab" aria-selected={name === tab} data-testid={`tab-${name}`}
                  onClick={() => navigate(withQuery("analyses", { channel, tab: name }), true)}>
            {t(`tab_${name}` as Key)}</button>
        ))}
      </div>
      {body[tab]}
    </Box>
  );
}

// --- cohorts ------------------------------------------------------------------------------------

const COHORTS = `query Cohorts($channel: String!, $source: String, $months: Int) {
  ltvCohorts(channel: $channel, salesSource: $source, months: $months) {
    currency cells { cohort monthsSince cohortAccounts activeAccounts retention revenuePerAccount cumulativeLtv } } }`;
interface CohortCell { cohort: string; monthsSince: number; cohortAccounts: number; activeAccounts: number;
  retention: number; revenuePerAccount: number; cumulativeLtv: number }
const COHORT_MEASURES = ["retention", "revenuePerAccount", "cumulativeLtv"] as const;
type CohortMeasure = (typeof COHORT_MEASURES)[number];

export function cohortGrid(cells: CohortCell[], measure: CohortMeasure, format: (c: CohortCell) => string) {
  const cohorts = [...new Set(cells.map((c) => c.cohort))].sort().reverse();
  const width = Math.max(0, ...cells.map((c) => c.monthsSince)) + 1;
  const by = new Map(cells.map((c) => [`${c.cohort}:${c.monthsSince}`, c]));
  return {
    rows: cohorts, columns: Array.from({ length: width }, (_, k) => String(k)),
    cells: cohorts.map((cohort) => Array.from({ length: width }, (_, k) => {
      const c = by.get(`${cohort}:${k}`);
      return c ? { key: `${cohort}:${k}`, label: `${cohort} +${k}`, value: c[measure], text: format(c),
                   detail: `${c.activeAccounts}/${c.cohortAccounts}` } as HeatCell : null;
    })),
  };
}

function Cohorts() {
  const { t, lang, channel } = useApp();
  const [source, setSource] = useState("");
  const [measure, setMeasure] = useState<CohortMeasure>("retention");
  const state = useQuery<{ ltvCohorts: { currency: string; cells: CohortCell[] } }>(
    COHORTS, { channel, source: source || null, months: 24 }, !channel);
  const open = useOpen();
  return (
    <Card title={t("tab_cohorts")} testId="analysis-cohorts" actions={<>
      <Select label={t("acquisitionSource")} value={source} options={["", ...SOURCES]} testId="cohort-source"
              name={(v) => (v ? valueLabel(lang, "src_", v) : t("allSources"))} onChange={setSource} />
      <Select label={t("measure")} value={measure} options={COHORT_MEASURES} testId="cohort-measure"
              name={(v) => t(v)} onChange={setMeasure} />
      <CsvButton path="analyses/cohorts" params={{ sales_source: source || undefined, months: 24 }} name="cohorts" />
    </>}>
      <Guard state={state} isEmpty={(d) => d.ltvCohorts.cells.length === 0} emptyText={t("empty")}>
        {(d) => {
          const currency = d.ltvCohorts.currency;
          const format = (c: CohortCell) => measure === "retention" ? fmtPct(lang, c.retention)
            : fmtMoney(lang, c[measure], currency);
          const grid = cohortGrid(d.ltvCohorts.cells, measure, format);
          return <>
            <Text size={2} color="default2">{t("cohortHint")}</Text>
            <Heatmap testId="cohort-heatmap" {...grid} rowLabel={t("cohortMonth")} columnLabel={t("monthsSince")}
                     onSelect={(c) => open(cohortParams(c.key.split(":")[0]))} />
          </>;
        }}
      </Guard>
    </Card>
  );
}

// --- buying patterns ----------------------------------------------------------------------------

const PATTERNS = `query Patterns($channel: String!, $bands: [Float!]) {
  ltvBuyingPatterns(channel: $channel, bands: $bands) {
    currency timezone proposedBands bands hourWeekday { weekday hour orders revenue }
    priceBands { band low high orders accounts revenue orderShare }
    purchasesPerMonth { purchases accountMonths accounts share } } }`;
interface Patterns { currency: string; timezone: string; proposedBands: number[]; bands: number[];
  hourWeekday: { weekday: number; hour: number; orders: number; revenue: number }[];
  priceBands: { band: number; low: number; high: number | null; orders: number; accounts: number; revenue: number;
    orderShare: number }[];
  purchasesPerMonth: { purchases: number; accountMonths: number; accounts: number; share: number }[] }

/** "1000, 5000" → [1000, 5000]; null when a bound is not a number. */
export function parseBands(text: string): number[] | null {
  const parts = text.split(/[,、\s]+/).filter(Boolean).map(Number);
  return parts.every((n) => Number.isFinite(n)) ? parts : null;
}

function Patterns() {
  const { t, lang, channel } = useApp();
  const [bands, setBands] = useState<number[] | null>(null);
  const [text, setText] = useState("");
  const state = useQuery<{ ltvBuyingPatterns: Patterns }>(PATTERNS, { channel, bands }, !channel);
  const days = t("weekdayNames").split(",");
  return (
    <Guard state={state} isEmpty={() => false}>
      {(d) => {
        const p = d.ltvBuyingPatterns;
        const by = new Map(p.hourWeekday.map((c) => [`${c.weekday}:${c.hour}`, c]));
        const hours = Array.from({ length: 24 }, (_, h) => String(h));
        const cells = days.map((_, w) => hours.map((_, h) => {
          const c = by.get(`${w}:${h}`)!;
          return { key: `${w}:${h}`, label: `${days[w]} ${h}:00`, value: c.orders } as HeatCell;
        }));
        return <>
          <Card title={<>{t("weekdayHour")} ({t("shopTime")}: <code>{p.timezone}</code>)</>} testId="analysis-hours"
                actions={<CsvButton path="analyses/buying-patterns" params={{ table: "hour_weekday" }} name="hours" />}>
            <Heatmap testId="hour-heatmap" rows={days} columns={hours} cells={cells} rowLabel={t("weekday")}
                     columnLabel={t("hourOfDay")} />
          </Card>
          <Card title={t("priceBands")} testId="analysis-bands" actions={<>
            <label className="ltv-field">{t("bandBounds")}
              <input value={text || p.bands.join(", ")} data-testid="band-bounds" onChange={(e) => setText(e.target.value)} />
            </label>
            <Button variant="secondary" size="small" data-testid="apply-bands"
                    onClick={() => { const parsed = parseBands(text); if (parsed) setBands(parsed); }}>{t("apply")}</Button>
            <Button variant="tertiary" size="small" onClick={() => { setText(""); setBands(null); }}>
              {t("proposed")}</Button>
            <CsvButton path="analyses/buying-patterns" params={{ table: "price_bands", bands: bands?.map(String) }}
                       name="price-bands" />
          </>}>
            <table className="ltv-table" data-testid="price-bands">
              <thead><tr><th>{t("priceBand")}</th><th className="num">{t("orders")}</th><th className="num">{t("share")}</th>
                <th className="num">{t("accountsN")}</th><th className="num">{t("revenue")}</th></tr></thead>
              <tbody>{p.priceBands.map((b) => (
                <tr key={b.band} data-band={b.band}>
                  <td>{fmtMoney(lang, b.low, p.currency)} – {b.high === null ? "" : fmtMoney(lang, b.high, p.currency)}</td>
                  <td className="num" data-field="orders">{fmtInt(lang, b.orders)}</td>
                  <td className="num">{fmtPct(lang, b.orderShare)}</td>
                  <td className="num">{fmtInt(lang, b.accounts)}</td>
                  <td className="num">{fmtMoney(lang, b.revenue, p.currency)}</td>
                </tr>))}</tbody>
            </table>
          </Card>
          <Card title={t("perMonth")} testId="analysis-per-month"
                actions={<CsvButton path="analyses/buying-patterns" params={{ table: "purchases_per_month" }}
                                    name="per-month" />}>
            <table className="ltv-table" data-testid="per-month">
              <thead><tr><th>{t("purchasesInMonth")}</th><th className="num">{t("accountMonths")}</th>
                <th className="num">{t("share")}</th><th className="num">{t("accountsN")}</th></tr></thead>
              <tbody>{p.purchasesPerMonth.map((r) => (
                <tr key={r.purchases} data-purchases={r.purchases}>
                  <td>{r.purchases}</td><td className="num" data-field="account-months">{fmtInt(lang, r.accountMonths)}</td>
                  <td className="num">{fmtPct(lang, r.share)}</td><td className="num">{fmtInt(lang, r.accounts)}</td>
                </tr>))}</tbody>
            </table>
          </Card>
        </>;
      }}
    </Guard>
  );
}

// --- products -----------------------------------------------------------------------------------

const PRODUCTS = `query Products($channel: String!, $min: Int) {
  ltvProductInsights(channel: $channel, first: 50, minAccounts: $min) {
    productRepeat { sku buyers repeatBuyers repeatRate daysToRepurchase revenue }
    productRepeatByProduct { product buyers repeatRate daysToRepurchase revenue }
    transitions { fromSku toSku accounts confidence lift } repurchases { fromSku toSku accounts confidence lift }
    dropoff { occasion accounts continued dropoffRate } } }`;
interface Repeat { sku?: string; product?: string; buyers: number; repeatRate: number; daysToRepurchase: number | null;
  revenue: number | null }
interface Move { fromSku: string; toSku: string; accounts: number; confidence: number; lift: number | null }
interface ProductData { productRepeat: Repeat[]; productRepeatByProduct: Repeat[]; transitions: Move[];
  repurchases: Move[]; dropoff: { occasion: number; accounts: number; continued: number; dropoffRate: number | null }[] }

function Products() {
  const { t, lang, channel, channels } = useApp();
  const [min, setMin] = useState(2);
  const [byProduct, setByProduct] = useState(false);
  const state = useQuery<{ ltvProductInsights: ProductData }>(PRODUCTS, { channel, min }, !channel);
  const currency = channels.find((c) => c.channel === channel)?.currencies[0];
  const open = useOpen();
  const moves = (rows: Move[], testId: string) => (
    <table className="ltv-table" data-testid={testId}>
      <thead><tr><th>{t("fromSku")}</th><th>{t("toSku")}</th><th className="num">{t("accountsN")}</th>
        <th className="num">{t("confidence")}</th><th className="num">{t("lift")}</th></tr></thead>
      <tbody>{rows.map((m) => (
        // Not a link: "bought B right after A" is beyond the account list's filter today.
        <tr key={`${m.fromSku}>${m.toSku}`} data-from={m.fromSku} data-to={m.toSku}>
          <td>{m.fromSku}</td><td>{m.toSku}</td><td className="num" data-field="accounts">{fmtInt(lang, m.accounts)}</td>
          <td className="num">{fmtPct(lang, m.confidence)}</td><td className="num">{fmtNum(lang, m.lift)}</td>
        </tr>))}</tbody>
    </table>
  );
  return (
    <Guard state={state} isEmpty={() => false}>
      {(d) => {
        const p = d.ltvProductInsights;
        const rows = byProduct ? p.productRepeatByProduct : p.productRepeat;
        return <>
          <Card title={t("tab_products")} testId="analysis-products" actions={<>
            <Select label={t("product")} value={byProduct ? "product" : "sku"} options={["sku", "product"] as const}
                    name={(v) => t(v === "sku" ? "bySku" : "byProduct")} onChange={(v) => setByProduct(v === "product")}
                    testId="product-level" />
            <CsvButton path="analyses/products" params={{ table: byProduct ? "product_repeat_by_product" : "product_repeat" }}
                       name="products" />
          </>}>
            <table className="ltv-table" data-testid="product-table">
              <thead><tr><th>{byProduct ? t("product") : t("sku")}</th><th className="num">{t("revenue")}</th>
                <th className="num">{t("buyers")}</th><th className="num">{t("repeatRate")}</th>
                <th className="num">{t("daysToRepurchase")}</th></tr></thead>
              <tbody>{rows.map((r) => {
                const name = (byProduct ? r.product : r.sku) ?? "";
                return (
                  <tr key={name} data-key={name} className={byProduct ? undefined : "ltv-link"}
                      onClick={byProduct ? undefined : () => open({ sku: name })}>
                    <td>{name}</td><td className="num">{fmtMoney(lang, r.revenue, currency)}</td>
                    <td className="num" data-field="buyers">{fmtInt(lang, r.buyers)}</td>
                    <td className="num">{fmtPct(lang, r.repeatRate)}</td>
                    <td className="num">{fmtNum(lang, r.daysToRepurchase, 0)}</td>
                  </tr>);
              })}</tbody>
            </table>
          </Card>
          <Box className="ltv-grid">
            <Card title={t("transitions")} testId="analysis-transitions" actions={<>
              <label className="ltv-field">{t("minSupport")}
                <input type="number" min={1} value={min} data-testid="min-support"
                       onChange={(e) => setMin(Math.max(1, Number(e.target.value) || 1))} />
              </label>
              <CsvButton path="analyses/products" params={{ table: "transitions", min_accounts: min }} name="transitions" />
            </>}>{moves(p.transitions, "transition-table")}</Card>
            <Card title={t("repurchases")} testId="analysis-repurchases"
                  actions={<CsvButton path="analyses/products" params={{ table: "repurchases", min_accounts: min }}
                                      name="repurchases" />}>{moves(p.repurchases, "repurchase-table")}</Card>
          </Box>
          <Card title={t("dropoff")} testId="analysis-dropoff"
                actions={<CsvButton path="analyses/products" params={{ table: "dropoff" }} name="dropoff" />}>
            <table className="ltv-table" data-testid="dropoff-table">
              <thead><tr><th>{t("occasion")}</th><th className="num">{t("reached")}</th><th className="num">{t("wentOn")}</th>
                <th className="num">{t("dropoffRate")}</th></tr></thead>
              <tbody>{p.dropoff.map((s) => (
                <tr key={s.occasion} data-occasion={s.occasion} className="ltv-link"
                    onClick={() => open({ ordersMin: s.occasion })}>
                  <td>{s.occasion}</td><td className="num" data-field="accounts">{fmtInt(lang, s.accounts)}</td>
                  <td className="num">{fmtInt(lang, s.continued)}</td><td className="num">{fmtPct(lang, s.dropoffRate)}</td>
                </tr>))}</tbody>
            </table>
          </Card>
        </>;
      }}
    </Guard>
  );
}

// --- cross tabulation ---------------------------------------------------------------------------

const CROSSTAB = `query Crosstab($channel: String!, $x: String!, $y: String!, $measure: String) {
  ltvCrosstab(channel: $channel, x: $x, y: $y, measure: $measure) {
    currency cells { x y accounts revenue value } } }`;
type Dimension = (typeof DIMENSIONS)[number];
type Measure = (typeof MEASURES)[number];

function dimensionValue(lang: "en" | "ja", t: (k: Key) => string, dimension: string, value: string): string {
  if (value === "") return t("notStated");
  if (dimension === "stage") return enumLabel(lang, "stage", value);
  if (dimension === "cpm_cell") return enumLabel(lang, "cpm", value);
  if (dimension === "rfm_segment") return enumLabel(lang, "rfm", value);
  if (dimension === "sales_source") return valueLabel(lang, "src_", value);
  return value;
}

/** A dimension's values in the shop's order: stages and cells as the overview lists them, scores 5 → 1. */
export function orderValues(dimension: string, values: string[]): string[] {
  const known = { stage: ORDER.stage, cpm_cell: ORDER.cpm, rfm_segment: ORDER.rfm }[dimension as "stage"];
  const rank = (v: string) => (known ? (known.indexOf(v) + 1 || known.length + 1) : 0);
  const unique = [...new Set(values)];
  if (dimension.endsWith("_score")) return unique.sort((a, b) => Number(b) - Number(a));
  return unique.sort((a, b) => (a === "") !== (b === "") ? (a === "" ? 1 : -1) : rank(a) - rank(b) || a.localeCompare(b));
}

function Crosstab() {
  const { t, lang, channel } = useApp();
  const [x, setX] = useState<Dimension>("stage");
  const [y, setY] = useState<Dimension>("cpm_cell");
  const [measure, setMeasure] = useState<Measure>("accounts");
  const state = useQuery<{ ltvCrosstab: { currency: string; cells: { x: string; y: string; value: number | null }[] } }>(
    CROSSTAB, { channel, x, y, measure }, !channel || x === y);
  const open = useOpen();
  const dimName = (d: Dimension) => t(`dim_${d}` as Key);
  return (
    <Card title={t("tab_crosstab")} testId="analysis-crosstab" actions={<>
      <Select label={t("rowsDimension")} value={x} options={DIMENSIONS} name={dimName} onChange={setX} testId="crosstab-x" />
      <Select label={t("columnsDimension")} value={y} options={DIMENSIONS} name={dimName} onChange={setY} testId="crosstab-y" />
      <Select label={t("measure")} value={measure} options={MEASURES} name={(m) => t(`measure_${m}` as Key)}
              onChange={setMeasure} testId="crosstab-measure" />
      <CsvButton path="analyses/crosstab" params={{ x, y, measure }} name="crosstab" />
    </>}>
      <Guard state={state} isEmpty={(d) => d.ltvCrosstab.cells.length === 0} emptyText={t("empty")}>
        {(d) => {
          const c = d.ltvCrosstab;
          const xs = orderValues(x, c.cells.map((v) => v.x));
          const ys = orderValues(y, c.cells.map((v) => v.y));
          const by = new Map(c.cells.map((v) => [`${v.x}|${v.y}`, v]));
          const text = (v: number) => measure === "accounts" ? fmtInt(lang, v)
            : measure === "orders_per_account" ? fmtNum(lang, v) : fmtMoney(lang, v, c.currency);
          const cells = xs.map((a) => ys.map((b) => {
            const v = by.get(`${a}|${b}`);
            return v ? { key: `${a}|${b}`, label: `${a} × ${b}`, value: v.value ?? 0, text: text(v.value ?? 0) } as HeatCell
              : null;
          }));
          const px = (value: string) => dimensionParam(x, value);
          const clickable = x !== "sales_source" && x !== "prefecture" && y !== "sales_source" && y !== "prefecture";
          return <>
            {clickable && <Text size={2} color="default2">{t("cellOpensAccounts")}</Text>}
            <Heatmap testId="crosstab-heatmap" rows={xs.map((v) => dimensionValue(lang, t, x, v))}
                     columns={ys.map((v) => dimensionValue(lang, t, y, v))} cells={cells}
                     rowLabel={dimName(x)} columnLabel={dimName(y)}
                     onSelect={clickable ? (cell) => {
                       const [a, b] = cell.key.split("|");
                       open({ ...px(a), ...dimensionParam(y, b) });
                     } : undefined} />
          </>;
        }}
      </Guard>
    </Card>
  );
}

// --- RFMi ---------------------------------------------------------------------------------------

const RFMI = `query Rfmi($channel: String!) { ltvRfmi(channel: $channel) {
  currency cells { rScore fScore mScore iScore accounts revenue }
  intervalScores { iScore accounts minIntervalDays maxIntervalDays } } }`;
interface RfmiCell { rScore: number; fScore: number; mScore: number; iScore: number; accounts: number; revenue: number }

/** Accounts per (score, I) for one of R, F, M: rows 5 … 1, columns I 0 … 5. */
export function scoreByInterval(cells: RfmiCell[], score: "rScore" | "fScore" | "mScore"): HeatCell[][] {
  const sums = new Map<string, number>();
  for (const c of cells) sums.set(`${c[score]}:${c.iScore}`, (sums.get(`${c[score]}:${c.iScore}`) ?? 0) + c.accounts);
  return [5, 4, 3, 2, 1].map((s) => [0, 1, 2, 3, 4, 5].map((i) => (
    { key: `${s}:${i}`, label: `${score[0].toUpperCase()}${s} I${i}`, value: sums.get(`${s}:${i}`) ?? 0 })));
}

function Rfmi() {
  const { t, lang, channel } = useApp();
  const state = useQuery<{ ltvRfmi: { currency: string; cells: RfmiCell[];
    intervalScores: { iScore: number; accounts: number; minIntervalDays: number | null; maxIntervalDays: number | null }[] } }>(
    RFMI, { channel }, !channel);
  const open = useOpen();
  const columns = ["I0", "I1", "I2", "I3", "I4", "I5"];
  return (
    <Guard state={state} isEmpty={(d) => d.ltvRfmi.cells.length === 0} emptyText={t("empty")}>
      {(d) => <>
        <Box className="ltv-grid">
          {(["rScore", "fScore", "mScore"] as const).map((score) => {
            const letter = score[0].toUpperCase();
            return (
              <Card key={score} title={t(`rfmi${letter}I` as Key)} testId={`analysis-rfmi-${letter.toLowerCase()}`}>
                <Heatmap testId={`rfmi-${letter.toLowerCase()}i-heatmap`} rows={[5, 4, 3, 2, 1].map((s) => `${letter}${s}`)}
                         columns={columns} cells={scoreByInterval(d.ltvRfmi.cells, score)} rowLabel={letter}
                         columnLabel="I" />
              </Card>);
          })}
        </Box>
        <Card title={t("intervalScore")} testId="analysis-interval"
              actions={<CsvButton path="analyses/rfmi" params={{ table: "cells" }} name="rfmi" />}>
          <Text size={2} color="default2">{t("onePurchase")}</Text>
          <table className="ltv-table" data-testid="interval-table">
            <thead><tr><th>I</th><th className="num">{t("accountsN")}</th><th className="num">{t("intervalDays")}</th></tr></thead>
            <tbody>{d.ltvRfmi.intervalScores.map((s) => (
              <tr key={s.iScore} data-score={s.iScore}>
                <td>I{s.iScore}</td><td className="num" data-field="accounts">{fmtInt(lang, s.accounts)}</td>
                <td className="num">{s.iScore ? `${fmtNum(lang, s.minIntervalDays, 0)} – ${fmtNum(lang, s.maxIntervalDays, 0)}` : "—"}</td>
              </tr>))}</tbody>
          </table>
        </Card>
        <Card title={t("rfmGrid")}>
          <Text size={2} color="default2">{t("cellOpensAccounts")}</Text>
          <Heatmap testId="rfmi-rf-heatmap" rows={["R5", "R4", "R3", "R2", "R1"]} columns={["F1", "F2", "F3", "F4", "F5"]}
                   rowLabel={t("recencyScore")} columnLabel={t("frequencyScore")}
                   cells={[5, 4, 3, 2, 1].map((r) => [1, 2, 3, 4, 5].map((f) => ({ key: `${r}:${f}`, label: `R${r} F${f}`,
                     value: d.ltvRfmi.cells.filter((c) => c.rScore === r && c.fScore === f)
                       .reduce((n, c) => n + c.accounts, 0) })))}
                   onSelect={(c) => { const [r, f] = c.key.split(":"); open({ r, f }); }} />
        </Card>
      </>}
    </Guard>
  );
}

// --- trends -------------------------------------------------------------------------------------

const TRENDS = `query Trends($channel: String!, $from: Date, $to: Date) {
  ltvTrends(channel: $channel, from: $from, to: $to) {
    currency from to days currentDay movementToCurrent movementFrom stages { day value accounts } cpmCells { day value accounts }
    rfmSegments { day value accounts } savedSegments { segmentId name day accounts }
    movement { fromStage toStage accounts } } }`;
interface Point { day: string; value: string; accounts: number }
interface Move2 { fromStage: string; toStage: string; accounts: number }
interface TrendData { currency: string; from: string; to: string; days: string[]; currentDay: string | null;
  movementToCurrent: boolean;
  movementFrom: string | null; stages: Point[]; cpmCells: Point[]; rfmSegments: Point[];
  savedSegments: { segmentId: number; name: string; day: string; accounts: number }[]; movement: Move2[] }
const COLORS = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#ea580c",
  "#475569", "#0d9488", "#9333ea"];

/** Long points → one row per day with a column per value (the chart's shape), values in order. */
export function pivotSeries(points: Point[], order: (values: string[]) => string[]) {
  const values = order(points.map((p) => p.value));
  const rows = new Map<string, Record<string, number | string>>();
  for (const p of points) {
    const row = rows.get(p.day) ?? { day: p.day };
    row[p.value] = p.accounts;
    rows.set(p.day, row);
  }
  return { values, rows: [...rows.values()].sort((a, b) => String(a.day).localeCompare(String(b.day))) };
}

/** The movement as a from × to grid, stages in the shop's order and '' (not scored) last. */
export function movementGrid(moves: Move2[]) {
  const from = orderValues("stage", moves.map((m) => m.fromStage));
  const to = orderValues("stage", moves.map((m) => m.toStage));
  const by = new Map(moves.map((m) => [`${m.fromStage}|${m.toStage}`, m.accounts]));
  const cell = (a: string, b: string) => by.get(`${a}|${b}`) ?? 0;
  return { from, to, cell, rowTotal: (a: string) => to.reduce((n, b) => n + cell(a, b), 0),
           columnTotal: (b: string) => from.reduce((n, a) => n + cell(a, b), 0) };
}

/** A movement cell as the account list's filter (the filter language's stage_on): its stage on the
 *  first day, then on the last ('' = none). */
export function movementSpec(from: string, to: string, a: string, b: string): string {
  return JSON.stringify({ all: [{ stage_on: { day: from, stages: [a || "none"] } },
                                { stage_on: { day: to, stages: [b || "none"] } }] });
}

/** The movement as a Sankey: the from-stages on the left, the to-stages on the right, a band per
 *  non-empty pair (recharts takes nodes and links by index). */
export function sankeyData(moves: Move2[]) {
  const grid = movementGrid(moves);
  const nodes = [...grid.from.map((stage) => ({ stage, side: "from" })), ...grid.to.map((stage) => ({ stage, side: "to" }))];
  const links = moves.filter((m) => m.accounts > 0).map((m) => ({
    source: grid.from.indexOf(m.fromStage), target: grid.from.length + grid.to.indexOf(m.toStage), value: m.accounts,
    fromStage: m.fromStage, toStage: m.toStage }));
  return { nodes, links };
}

function StageNode({ x, y, width, height, payload, label }: { x: number; y: number; width: number; height: number;
  payload: { stage: string; side: string; value: number }; label: (stage: string, side: string) => string }) {
  const left = payload.side === "from";
  return (
    <Layer>
      <Rectangle x={x} y={y} width={width} height={height} fill="#5b8def" fillOpacity={0.9} />
      <text x={left ? x + width + 6 : x - 6} y={y + height / 2} textAnchor={left ? "start" : "end"}
            dominantBaseline="middle" fontSize={12} fill="currentColor">
        {label(payload.stage, payload.side)} ({payload.value})</text>
    </Layer>
  );
}

function MovementSankey({ moves, label, onOpen }: { moves: Move2[]; label: (stage: string, side: string) => string;
  onOpen: (from: string, to: string) => void }) {
  const { t } = useApp();
  const data = sankeyData(moves);
  if (!data.links.length) return null;
  return (
    <div data-testid="movement-sankey" data-links={JSON.stringify(data.links.map((l) => [l.fromStage, l.toStage, l.value]))}
         style={{ width: "100%", height: Math.max(240, 28 * data.nodes.length) }}>
      <Text size={2} color="default2">{t("sankeyHint")}</Text>
      <ResponsiveContainer>
        <Sankey data={data} nodePadding={18} margin={{ left: 8, right: 8, top: 12, bottom: 12 }}
                link={{ stroke: "#5b8def", strokeOpacity: 0.25 }} iterations={0}
                node={(props) => <StageNode {...(props as unknown as Parameters<typeof StageNode>[0])} label={label} />}
                onClick={(item, type) => {
                  if (type !== "link") return;
                  const link = (item as { payload: { fromStage?: string; toStage?: string } }).payload;
                  if (link.toStage) onOpen(link.fromStage ?? "", link.toStage);
                }}>
          <Tooltip />
        </Sankey>
      </ResponsiveContainer>
    </div>
  );
}

function SeriesChart({ title, points, label, order, testId, csv }: { title: string; points: Point[];
  label: (v: string) => string; order: (values: string[]) => string[]; testId: string; csv: ReactNode }) {
  const { t, lang } = useApp();
  const { values, rows } = pivotSeries(points, order);
  return (
    <Card title={title} testId={`analysis-${testId}`} actions={csv}>
      {rows.length === 0 ? <Text size={2} color="default2">{t("trendEmpty")}</Text> : (
        <div data-testid={testId} style={{ width: "100%", height: 260 }}
             data-points={JSON.stringify(points.map((p) => [p.day, p.value, p.accounts]))}>
          <ResponsiveContainer>
            <LineChart data={rows}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="day" tickFormatter={(d) => fmtDate(lang, d)} />
              <YAxis allowDecimals={false} />
              <Tooltip labelFormatter={(d) => fmtDate(lang, String(d))}
                       formatter={(v, name) => [fmtInt(lang, Number(v)), label(String(name))]} />
              <Legend formatter={(name) => label(String(name))}
                      itemSorter={(item) => values.indexOf(String(item.value))} />
              {values.map((v, i) => <Line key={v} type="monotone" dataKey={(row: Record<string, number>) => row[v] ?? null} name={v} stroke={COLORS[i % COLORS.length]}
                                          dot={rows.length < 40} isAnimationActive={false} />)}
            </LineChart>
          </ResponsiveContainer>
        </div>)}
    </Card>
  );
}

function Trends() {
  const { t, lang, channel } = useApp();
  const [range, setRange] = useState<{ from?: string; to?: string }>({});
  const [typed, setTyped] = useState<{ from?: string; to?: string }>({});
  const state = useQuery<{ ltvTrends: TrendData }>(TRENDS, { channel, from: range.from ?? null, to: range.to ?? null },
    !channel);
  const open = useOpen();
  const params = { from: range.from, to: range.to };
  const csv = (table: string) => <CsvButton path="analyses/trends" params={{ ...params, table }} name={`trends-${table}`} />;
  const stageName = (v: string) => v === "" ? t("notScored") : enumLabel(lang, "stage", v);
  return (
    <Guard state={state} isEmpty={() => false}>
      {(d) => {
        const r = d.ltvTrends;
        const grid = movementGrid(r.movement);
        // The account list shows the last run's stages: a to-stage opens it when the movement ends there.
        const current = r.movementToCurrent;
        const segments = r.savedSegments.map((p) => ({ day: p.day, value: p.name, accounts: p.accounts }));
        const openCell = (a: string, b: string) => open({ spec: movementSpec(r.movementFrom ?? r.from, r.to, a, b) });
        return <>
          <Card title={t("tab_trends")} testId="analysis-trends" actions={<>
            <label className="ltv-field">{t("from")}
              <input type="date" value={typed.from ?? r.from} data-testid="trends-from"
                     onChange={(e) => setTyped({ ...typed, from: e.target.value })} /></label>
            <label className="ltv-field">{t("to")}
              <input type="date" value={typed.to ?? r.to} data-testid="trends-to"
                     onChange={(e) => setTyped({ ...typed, to: e.target.value })} /></label>
            <Button variant="secondary" size="small" data-testid="trends-apply"
                    onClick={() => setRange({ from: typed.from ?? r.from, to: typed.to ?? r.to })}>{t("apply")}</Button>
          </>}>
            <Text size={2} color="default2">{fill(t("trendsHint"), { n: String(r.days.length) })}</Text>
          </Card>
          <SeriesChart title={t("trendStages")} points={r.stages} testId="trend-stages" csv={csv("stages")}
                       label={stageName} order={(v) => orderValues("stage", v)} />
          <Card title={r.movementFrom ? fill(t("movementTitle"), { from: fmtDate(lang, r.movementFrom),
            to: fmtDate(lang, r.to) }) : t("movement")} testId="analysis-movement" actions={csv("movement")}>
            {r.movementFrom === null ? <Text size={2} color="default2">{t("noStageHistory")}</Text> : <>
              {r.movementFrom !== r.from && <Text size={2} color="default2" data-testid="movement-later">
                {fill(t("movementStartsLater"), { day: fmtDate(lang, r.movementFrom) })}</Text>}
              <Text size={2} color="default2">{t("movementHint")} {current ? t("movementOpens") : r.currentDay
                ? fill(t("movementNotCurrent"), { day: fmtDate(lang, r.currentDay) }) : ""}</Text>
              <table className="ltv-table" data-testid="movement-table" data-to-day={r.to}>
                <thead><tr><th>{t("movementFromTo")}</th>
                  {grid.to.map((b) => <th key={b} className="num" data-to={b}>{b === "" ? t("notScoredAny") : stageName(b)}</th>)}
                  <th className="num">{t("total")}</th></tr></thead>
                <tbody>
                  {grid.from.map((a) => (
                    <tr key={a} data-from={a}>
                      <th>{a === "" ? t("notYetScored") : stageName(a)}</th>
                      {grid.to.map((b) => {
                        const link = b !== "" && grid.cell(a, b) > 0;  // the list holds the accounts scored now
                        return (
                          <td key={b} className={`num${a === b ? " ltv-stay" : ""}${link ? " ltv-cell-link" : ""}`}
                              data-cell={`${a}|${b}`} onClick={link ? () => openCell(a, b) : undefined}>
                            {grid.cell(a, b) ? fmtInt(lang, grid.cell(a, b)) : "·"}</td>);
                      })}
                      <td className="num" data-row-total={a}>{fmtInt(lang, grid.rowTotal(a))}</td>
                    </tr>))}
                  <tr data-from="total">
                    <th>{t("total")}</th>
                    {grid.to.map((b) => {
                      const link = current && b !== "";
                      return (
                        <td key={b} className={`num${link ? " ltv-cell-link" : ""}`} data-column-total={b}
                            onClick={link ? () => open(dimensionParam("stage", b)!) : undefined}>
                          {fmtInt(lang, grid.columnTotal(b))}</td>);
                    })}
                    <td className="num">{fmtInt(lang, grid.from.reduce((n, a) => n + grid.rowTotal(a), 0))}</td>
                  </tr>
                </tbody>
              </table>
              <Text size={4} fontWeight="bold">{t("sankeyTitle")}</Text>
              <MovementSankey moves={r.movement} onOpen={openCell}
                              label={(stage, side) => stage === "" ? t(side === "from" ? "notYetScored" : "notScoredAny")
                                : stageName(stage)} />
            </>}
          </Card>
          <SeriesChart title={t("trendCpm")} points={r.cpmCells} testId="trend-cpm" csv={csv("cpm_cells")}
                       label={(v) => v === "" ? t("notStated") : enumLabel(lang, "cpm", v)}
                       order={(v) => orderValues("cpm_cell", v)} />
          <SeriesChart title={t("trendRfm")} points={r.rfmSegments} testId="trend-rfm" csv={csv("rfm_segments")}
                       label={(v) => v === "" ? t("notStated") : enumLabel(lang, "rfm", v)}
                       order={(v) => orderValues("rfm_segment", v)} />
          <SeriesChart title={t("trendSaved")} points={segments} testId="trend-saved" csv={csv("saved_segments")}
                       label={(v) => v} order={(v) => [...new Set(v)].sort()} />
        </>;
      }}
    </Guard>
  );
}
