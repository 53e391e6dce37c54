import { Box, Button, Text } from "@saleor/macaw-ui";
import { useEffect, useState } from "react";

import { download, gql } from "../api";
import { notify } from "../bridge";
import { Card, ErrorBox, Guard, Pager } from "../components/ui";
import { useApp, useQuery } from "../context";
import { fmtDate, fmtInt, fmtMoney, fmtNum, fmtPct } from "../format";
import { enumLabel, type Lang, ORDER } from "../i18n";
import { navigate, type Route, withQuery } from "../router";

const PAGE = 50;
const QUERY = `query Accounts($filter: LtvAccountFilterInput, $sort: LtvAccountSortingInput, $first: Int, $after: String,
                             $last: Int, $before: String) {
  ltvAccounts(filter: $filter, sortBy: $sort, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { node { id name currency metrics {
      stage cpmCell rfmSegment rfmRank rScore fScore pAlive overdueRatio nextPurchaseOn lastPurchaseOn frequency
      churnRisk monetary { amount } clv { amount } } } }
  }
}`;
const EXPORT = `query Export($filter: LtvAccountFilterInput) { ltvSegmentExport(filter: $filter) { rowCount csvUrl } }`;

export const SORTS = ["OVERDUE_RATIO", "P_ALIVE", "MONETARY", "CLV", "NEXT_PURCHASE_ON", "LAST_PURCHASE_AT",
  "FREQUENCY", "RFM_RANK", "NAME"] as const;

interface Row { id: string; name: string; currency: string; metrics: null | {
  stage: string | null; cpmCell: string | null; rfmSegment: string | null; rfmRank: number | null;
  rScore: number | null; fScore: number | null; pAlive: number | null; overdueRatio: number | null;
  nextPurchaseOn: string | null; lastPurchaseOn: string | null; frequency: number; churnRisk: boolean;
  monetary: { amount: number }; clv: { amount: number } | null } }
interface Data { ltvAccounts: { totalCount: number; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean;
  startCursor: string | null; endCursor: string | null }; edges: { node: Row }[] } }

const num = (q: URLSearchParams, k: string) => (q.get(k) !== null && q.get(k) !== "" ? Number(q.get(k)) : undefined);
const range = (gte?: number | string, lte?: number | string) =>
  gte === undefined && lte === undefined ? undefined : { gte, lte };

/** The URL's query → the API's filter input (the URL is the state: links and reloads keep it). */
export function filterFromQuery(q: URLSearchParams, channel: string): Record<string, unknown> {
  const f: Record<string, unknown> = { channel: q.get("channel") || channel };
  const lists = { stages: "stages", cpmCells: "cpmCells", rfmSegments: "rfmSegments" } as const;
  for (const [param, field] of Object.entries(lists)) if (q.getAll(param).length) f[field] = q.getAll(param);
  if (q.get("r")) f.rScore = { gte: num(q, "r"), lte: num(q, "r") };
  if (q.get("f")) f.fScore = { gte: num(q, "f"), lte: num(q, "f") };
  if (q.get("m")) f.mScore = { gte: num(q, "m"), lte: num(q, "m") };
  const orders = range(num(q, "ordersMin"), num(q, "ordersMax"));
  if (orders) f.frequency = orders;
  const first = range(q.get("firstFrom") || undefined, q.get("firstTo") || undefined);
  if (first) f.firstPurchaseAt = first;
  if (q.get("sku")) f.sku = q.get("sku");
  const pAlive = range(num(q, "pAliveMin"), num(q, "pAliveMax"));
  if (pAlive) f.pAlive = pAlive;
  const overdue = range(num(q, "overdueMin"), num(q, "overdueMax"));
  if (overdue) f.overdueRatio = overdue;
  const spend = range(num(q, "spendMin"), num(q, "spendMax"));
  if (spend) f.monetary = spend;
  const next = range(q.get("nextFrom") || undefined, q.get("nextTo") || undefined);
  if (next) f.nextPurchaseOn = next;
  if (q.get("churnRisk")) f.churnRisk = q.get("churnRisk") === "true";
  if (q.get("search")) f.search = q.get("search");
  if (q.get("spec")) f.spec = q.get("spec");  // more of the filter in its JSON (an analysis's cell)
  return f;
}

/** The stage_on conditions of a filter's JSON in words ("Nov 7, 2026: New"); nothing for others. */
export function specWords(lang: Lang, spec: string, none: string): string[] {
  let parsed: unknown;
  try { parsed = JSON.parse(spec); } catch { return []; }
  const nodes = (parsed as { all?: unknown[] })?.all ?? [parsed];
  return nodes.flatMap((node) => {
    const on = (node as { stage_on?: { day?: string; stages?: string[] } })?.stage_on;
    if (!on?.day || !Array.isArray(on.stages)) return [];
    const names = on.stages.map((s) => (s === "none" ? none : enumLabel(lang, "stage", s)));
    return [`${fmtDate(lang, on.day)}: ${names.join(" / ")}`];
  });
}

export function Accounts({ route }: { route: Route }) {
  const { t, lang, channel, token } = useApp();
  const q = route.query;
  const filter = filterFromQuery(q, channel);
  const sort = { field: q.get("sort") || "OVERDUE_RATIO", direction: q.get("dir") || "DESC" };
  const paging = q.get("before") ? { last: PAGE, before: q.get("before") } : { first: PAGE, after: q.get("after") };
  const state = useQuery<Data>(QUERY, { filter, sort, ...paging }, !filter.channel);
  const [exportError, setExportError] = useState<Error>();
  const set = (changes: Record<string, string | string[] | undefined>) => {
    const next: Record<string, string | string[] | undefined> = {};
    for (const key of new Set(q.keys())) next[key] = q.getAll(key).length > 1 ? q.getAll(key) : q.get(key) ?? undefined;
    delete next.after; delete next.before;
    navigate(withQuery("accounts", { ...next, ...changes }), true);
  };
  const toggle = (param: string, value: string) => {
    const values = q.getAll(param);
    set({ [param]: values.includes(value) ? values.filter((v) => v !== value) : [...values, value] });
  };
  const exportCsv = async () => {
    setExportError(undefined);
    try {
      const { ltvSegmentExport: e } = await gql<{ ltvSegmentExport: { rowCount: number; csvUrl: string } }>(
        token, EXPORT, { filter });
      await download(token, e.csvUrl, `ltv-accounts-${filter.channel}.csv`);
      notify("success", t("exported"), `${fmtInt(lang, e.rowCount)} ${t("rows")}`);
    } catch (e) {
      setExportError(e as Error);
    }
  };
  useEffect(() => {
    if (q.get("export") === "1" && state.data) { set({ export: undefined }); exportCsv(); }
  }, [state.data]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <Box display="flex" flexDirection="column" gap={4} data-testid="page-accounts">
      <Card title={t("filters")} actions={<>
        <Button variant="tertiary" onClick={() => navigate(withQuery("accounts", { channel: filter.channel as string }), true)}
                data-testid="clear-filters">{t("clear")}</Button>
        <Button variant="secondary" onClick={exportCsv} data-testid="export-csv">{t("exportCsv")}</Button></>}>
        <Box display="flex" flexDirection="column" gap={3} className="ltv-noprint">
          {q.get("spec") && (
            <Box display="flex" gap={2} alignItems="center" data-testid="filter-spec">
              <Text size={2}>{t("specFromAnalysis")}{specWords(lang, q.get("spec")!, t("notScored"))
                .map((w) => ` · ${w}`).join("")}</Text>
              <Button variant="tertiary" size="small" onClick={() => set({ spec: undefined })}
                      data-testid="clear-spec">{t("clear")}</Button></Box>)}
          <Chips label={t("stage")} values={ORDER.stage} selected={q.getAll("stages").map((s) => s.toLowerCase())}
                 name={(v) => enumLabel(lang, "stage", v)} onToggle={(v) => toggle("stages", v.toUpperCase())} testId="filter-stage" />
          <Chips label={t("cpm")} values={ORDER.cpm} selected={q.getAll("cpmCells").map((s) => s.toLowerCase())}
                 name={(v) => enumLabel(lang, "cpm", v)} onToggle={(v) => toggle("cpmCells", v.toUpperCase())} testId="filter-cpm" />
          <Chips label={t("rfm")} values={ORDER.rfm} selected={q.getAll("rfmSegments").map((s) => s.toLowerCase())}
                 name={(v) => enumLabel(lang, "rfm", v)} onToggle={(v) => toggle("rfmSegments", v.toUpperCase())} testId="filter-rfm" />
          <div className="ltv-filters">
            <Field label={t("search")} value={q.get("search")} onChange={(v) => set({ search: v })} name="search" />
            <Field label={`${t("pAlive")} ${t("min")}`} value={q.get("pAliveMin")} onChange={(v) => set({ pAliveMin: v })}
                   type="number" step="0.05" name="pAliveMin" />
            <Field label={`${t("pAlive")} ${t("max")}`} value={q.get("pAliveMax")} onChange={(v) => set({ pAliveMax: v })}
                   type="number" step="0.05" name="pAliveMax" />
            <Field label={`${t("overdue")} ${t("min")}`} value={q.get("overdueMin")} onChange={(v) => set({ overdueMin: v })}
                   type="number" step="0.1" name="overdueMin" />
            <Field label={`${t("nextPurchase")} ${t("from")}`} value={q.get("nextFrom")} onChange={(v) => set({ nextFrom: v })}
                   type="date" name="nextFrom" />
            <Field label={`${t("nextPurchase")} ${t("to")}`} value={q.get("nextTo")} onChange={(v) => set({ nextTo: v })}
                   type="date" name="nextTo" />
            <Field label={`${t("spend")} ${t("min")}`} value={q.get("spendMin")} onChange={(v) => set({ spendMin: v })}
                   type="number" name="spendMin" />
            <label className="ltv-field">{t("sortBy")}
              <select value={sort.field} onChange={(e) => set({ sort: e.target.value })} data-testid="sort-field">
                {SORTS.map((s) => <option key={s} value={s}>{t(`sort_${s}`)}</option>)}
              </select>
            </label>
            <label className="ltv-field">&nbsp;
              <select value={sort.direction} onChange={(e) => set({ dir: e.target.value })} data-testid="sort-dir">
                <option value="DESC">{t("desc")}</option><option value="ASC">{t("asc")}</option>
              </select>
            </label>
          </div>
        </Box>
        {exportError && <ErrorBox error={exportError as never} />}
      </Card>
      <Card title={state.data ? `${t("accounts")} — ${fmtInt(lang, state.data.ltvAccounts.totalCount)}` : t("accounts")}>
        <Guard state={state} isEmpty={(d) => d.ltvAccounts.edges.length === 0}>
          {(d) => (
            <>
              <table className="ltv-table" data-testid="accounts-table" data-total={d.ltvAccounts.totalCount}>
                <thead><tr>
                  <th>{t("name")}</th><th>{t("stage")}</th><th>{t("cpm")}</th><th>{t("rfm")}</th>
                  <th className="num">{t("pAlive")}</th><th className="num">{t("overdue")}</th>
                  <th>{t("nextPurchase")}</th><th className="num">{t("orders")}</th><th className="num">{t("spend")}</th>
                  <th className="num">{t("clv")}</th>
                </tr></thead>
                <tbody>
                  {d.ltvAccounts.edges.map(({ node: a }) => (
                    <tr key={a.id} className="ltv-link" data-account={a.id}
                        onClick={() => navigate(`accounts/${encodeURIComponent(a.id)}`)}>
                      <td>{a.name}{a.metrics?.churnRisk ? " ⚠" : ""}</td>
                      <td data-field="stage" data-value={a.metrics?.stage}>{enumLabel(lang, "stage", a.metrics?.stage)}</td>
                      <td data-field="cpm" data-value={a.metrics?.cpmCell}>{enumLabel(lang, "cpm", a.metrics?.cpmCell)}</td>
                      <td data-field="rfm" data-value={`${a.metrics?.rScore}:${a.metrics?.fScore}`}>
                        {enumLabel(lang, "rfm", a.metrics?.rfmSegment)} (R{a.metrics?.rScore} F{a.metrics?.fScore})</td>
                      <td className="num" data-field="pAlive">{fmtPct(lang, a.metrics?.pAlive, 0)}</td>
                      <td className="num" data-field="overdue">{fmtNum(lang, a.metrics?.overdueRatio, 2)}</td>
                      <td>{fmtDate(lang, a.metrics?.nextPurchaseOn)}</td>
                      <td className="num">{fmtInt(lang, a.metrics?.frequency)}</td>
                      <td className="num">{fmtMoney(lang, a.metrics?.monetary.amount, a.currency)}</td>
                      <td className="num">{fmtMoney(lang, a.metrics?.clv?.amount, a.currency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Pager hasPrevious={!!q.get("after") || (!!q.get("before") && d.ltvAccounts.pageInfo.hasPreviousPage)}
                     hasNext={!!q.get("before") || d.ltvAccounts.pageInfo.hasNextPage}
                     onPrevious={() => set({ before: d.ltvAccounts.pageInfo.startCursor ?? undefined })}
                     onNext={() => set({ after: d.ltvAccounts.pageInfo.endCursor ?? undefined })} />
            </>
          )}
        </Guard>
      </Card>
    </Box>
  );
}

function Chips({ label, values, selected, name, onToggle, testId }: { label: string; values: string[];
  selected: string[]; name: (v: string) => string; onToggle: (v: string) => void; testId: string }) {
  return (
    <Box display="flex" gap={3} alignItems="center" data-testid={testId}>
      <Text size={2} style={{ minWidth: 48 }}>{label}</Text>
      <div className="ltv-chips">
        {values.map((v) => (
          <button key={v} type="button" className="ltv-chip" aria-pressed={selected.includes(v)} data-value={v}
                  onClick={() => onToggle(v)}>{name(v)}</button>
        ))}
      </div>
    </Box>
  );
}

function Field({ label, value, onChange, type = "text", step, name }: { label: string; value: string | null;
  onChange: (v: string) => void; type?: string; step?: string; name: string }) {
  const [text, setText] = useState(value ?? "");
  useEffect(() => setText(value ?? ""), [value]);
  return (
    <label className="ltv-field">{label}
      <input type={type} step={step} value={text} name={name} data-testid={`filter-${name}`}
             onChange={(e) => { setText(e.target.value); if (type !== "text") onChange(e.target.value); }}
             onKeyDown={(e) => { if (e.key === "Enter") onChange(text); }} onBlur={() => text !== (value ?? "") && onChange(text)} />
    </label>
  );
}
