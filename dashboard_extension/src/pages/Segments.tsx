import { Box, Button, Text } from "@saleor/macaw-ui";
import { useEffect, useMemo, useState } from "react";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { ApiError, download, gql } from "../api";
import { notify } from "../bridge";
import { Card, ErrorBox, Guard } from "../components/ui";
import { useApp, useMutation, useQuery } from "../context";
import { fmtDate, fmtInt } from "../format";
import { enumLabel, type Key, ORDER } from "../i18n";
import { navigate } from "../router";
import { fromSpec, type Group, type Item, MEDIA, METRICS, newGroup, newRow, REGIONS, type Row, ROW_TYPES,
  type RowType, toSpec } from "../segmentDoc";

const LIST = `query Segments($channel: String) { ltvSavedSegments(channel: $channel, first: 100) { edges { node {
  id name description accountsCount filter history { day accounts } } } } }`;
const COUNT = `query Count($filter: LtvAccountFilterInput) { ltvAccountCount(filter: $filter) }`;
const SAVE_FIELDS = `savedSegment { id } errors { field message messageJa code }`;
const CREATE = `mutation($input: LtvSavedSegmentInput!) { ltvSavedSegmentCreate(input: $input) { ${SAVE_FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: LtvSavedSegmentInput!) { ltvSavedSegmentUpdate(id: $id, input: $input) {
  ${SAVE_FIELDS} } }`;
const DUPLICATE = `mutation($id: ID!, $name: String!) { ltvSavedSegmentDuplicate(id: $id, name: $name) { ${SAVE_FIELDS} } }`;
const DELETE = `mutation($id: ID!) { ltvSavedSegmentDelete(id: $id) { savedSegment { name } errors { field message code } } }`;
const EXPORT = `query($id: ID) { ltvSegmentExport(savedSegment: $id) { rowCount csvUrl } }`;

interface Segment { id: string; name: string; description: string; accountsCount: number; filter: string;
  history: { day: string; accounts: number }[] }
interface ListData { ltvSavedSegments: { edges: { node: Segment }[] } }
type FieldError = { field?: string; message: string; messageJa?: string };

/** Saved segments of the channel: size now, its count over time, and what can be done with each. */
export function Segments() {
  const { t, lang, channel, token } = useApp();
  const state = useQuery<ListData>(LIST, { channel }, !channel);
  const mutate = useMutation();
  const [error, setError] = useState<ApiError>();
  const act = async (work: () => Promise<unknown>) => {
    setError(undefined);
    try { await work(); state.reload(); } catch (e) { setError(e as ApiError); }
  };
  return (
    <Box display="flex" flexDirection="column" gap={4} data-testid="page-segments">
      <Card title={t("segments")} actions={
        <Button onClick={() => navigate(`segments/new?channel=${encodeURIComponent(channel)}`)} data-testid="new-segment">
          {t("newSegment")}</Button>}>
        {error && <ErrorBox error={error} />}
        <Guard state={state} isEmpty={(d) => d.ltvSavedSegments.edges.length === 0}>
          {(d) => (
            <Box display="flex" flexDirection="column" gap={4}>
              {d.ltvSavedSegments.edges.map(({ node: s }) => (
                <Box key={s.id} display="flex" flexDirection="column" gap={2} data-testid="segment" data-name={s.name}
                     data-count={s.accountsCount}>
                  <Box display="flex" justifyContent="space-between" alignItems="center" gap={3}>
                    <Text fontWeight="bold">{s.name} — {fmtInt(lang, s.accountsCount)} {t("accountsN")}</Text>
                    <Box display="flex" gap={2}>
                      <Button variant="secondary" data-testid="edit-segment"
                              onClick={() => navigate(`segments/${encodeURIComponent(s.id)}`)}>{t("edit")}</Button>
                      <Button variant="secondary" data-testid="duplicate-segment" onClick={() => act(() => mutate(
                        DUPLICATE, { id: s.id, name: `${s.name} ${t("copySuffix")}` }, "ltvSavedSegmentDuplicate"))}>
                        {t("duplicate")}</Button>
                      <Button variant="secondary" data-testid="export-segment" onClick={() => act(async () => {
                        const { ltvSegmentExport: e } = await gql<{ ltvSegmentExport: { rowCount: number; csvUrl: string } }>(
                          token, EXPORT, { id: s.id });
                        await download(token, e.csvUrl, `ltv-segment-${s.name}.csv`);
                        notify("success", t("exported"), `${fmtInt(lang, e.rowCount)} ${t("rows")}`);
                      })}>{t("exportCsv")}</Button>
                      <Button variant="tertiary" data-testid="delete-segment" onClick={() => act(() => mutate(
                        DELETE, { id: s.id }, "ltvSavedSegmentDelete"))}>{t("delete")}</Button>
                    </Box>
                  </Box>
                  <Trend history={s.history} />
                </Box>
              ))}
            </Box>
          )}
        </Guard>
      </Card>
    </Box>
  );
}

function Trend({ history }: { history: { day: string; accounts: number }[] }) {
  const { t, lang } = useApp();
  if (!history.length) return <Text size={2} color="default2" data-testid="trend-empty">{t("trendEmpty")}</Text>;
  return (
    <div data-testid="trend" data-points={JSON.stringify(history.map((h) => [h.day, h.accounts]))}
         style={{ width: "100%", height: 160 }}>
      <ResponsiveContainer>
        <LineChart data={history}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="day" tickFormatter={(d) => fmtDate(lang, d)} />
          <YAxis allowDecimals={false} />
          <Tooltip labelFormatter={(d) => fmtDate(lang, String(d))} formatter={(v) => [fmtInt(lang, Number(v)), t("accounts")]} />
          <Line type="monotone" dataKey="accounts" stroke="#2563eb" isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** The builder: groups of conditions, the live count, save (new or edit). */
export function SegmentBuilder({ id }: { id: string }) {
  const { t, lang, channel } = useApp();
  const existing = useQuery<ListData>(LIST, { channel }, id === "new" || !channel);
  const [root, setRoot] = useState<Group>(() => ({ ...newGroup("all"), items: [newRow()] }));
  const [name, setName] = useState("");
  const [loaded, setLoaded] = useState(id === "new");
  useEffect(() => {
    const found = existing.data?.ltvSavedSegments.edges.find((e) => e.node.id === id)?.node;
    if (found && !loaded) { setRoot(fromSpec(JSON.parse(found.filter))); setName(found.name); setLoaded(true); }
  }, [existing.data, id, loaded]);
  const spec = useMemo(() => toSpec(root), [root]);
  const [debounced, setDebounced] = useState(spec);
  useEffect(() => { const timer = setTimeout(() => setDebounced(spec), 300); return () => clearTimeout(timer); }, [spec]);
  const count = useQuery<{ ltvAccountCount: number }>(COUNT, { filter: { channel, spec: JSON.stringify(debounced) } },
    !channel || !loaded);
  const mutate = useMutation();
  const [saveError, setSaveError] = useState<ApiError>();
  const save = async () => {
    setSaveError(undefined);
    const input = { name, channel, filter: { spec: JSON.stringify(spec) } };
    try {
      if (id === "new") await mutate(CREATE, { input }, "ltvSavedSegmentCreate");
      else await mutate(UPDATE, { id, input }, "ltvSavedSegmentUpdate");
      notify("success", t("saved"), name);
      navigate(`segments?channel=${encodeURIComponent(channel)}`);
    } catch (e) { setSaveError(e as ApiError); }
  };
  const fieldErrors = (e?: ApiError) => (e?.fields ?? []) as FieldError[];
  const problems = [...fieldErrors(count.error), ...fieldErrors(saveError)];
  return (
    <Box display="flex" flexDirection="column" gap={4} data-testid="page-segment-builder">
      <Card title={id === "new" ? t("newSegment") : t("editSegment")} actions={
        <Text data-testid="live-count" data-count={count.data?.ltvAccountCount ?? ""}>
          {t("matching")}: {count.loading || !count.data ? "…" : fmtInt(lang, count.data.ltvAccountCount)} {t("accountsN")}
        </Text>}>
        <GroupEditor group={root} onChange={setRoot} depth={0} />
        {problems.length > 0 && (
          <ul data-testid="segment-errors" className="ltv-errors">
            {problems.map((p, i) => <li key={i}><code>{p.field}</code>: {lang === "ja" && p.messageJa ? p.messageJa : p.message}</li>)}
          </ul>)}
        {saveError && !problems.length && <ErrorBox error={saveError} />}
        <Box display="flex" gap={3} alignItems="flex-end" marginTop={4}>
          <label className="ltv-field">{t("segmentName")}
            <input value={name} onChange={(e) => setName(e.target.value)} data-testid="segment-name" />
          </label>
          <Button onClick={save} disabled={!name.trim()} data-testid="save-segment">{t("save")}</Button>
        </Box>
      </Card>
    </Box>
  );
}

function GroupEditor({ group, onChange, depth }: { group: Group; onChange: (g: Group) => void; depth: number }) {
  const { t } = useApp();
  const setItem = (index: number, item: Item | null) =>
    onChange({ ...group, items: item === null ? group.items.filter((_, i) => i !== index)
      : group.items.map((old, i) => (i === index ? item : old)) });
  return (
    <Box display="flex" flexDirection="column" gap={2} padding={depth ? 3 : 0} data-testid="segment-group"
         style={depth ? { borderLeft: "3px solid #93c5fd" } : undefined}>
      <Box display="flex" gap={2} alignItems="center">
        <select value={group.op} data-testid="group-op" onChange={(e) => onChange({ ...group, op: e.target.value as "all" | "any" })}>
          <option value="all">{t("matchAll")}</option><option value="any">{t("matchAny")}</option>
        </select>
        {depth > 0 && <Negate value={group.negate} onChange={(negate) => onChange({ ...group, negate })} />}
      </Box>
      {group.items.map((item, i) => item.kind === "group"
        ? <Box key={i} display="flex" gap={2} alignItems="flex-start">
            <GroupEditor group={item} onChange={(g) => setItem(i, g)} depth={depth + 1} />
            <Button variant="tertiary" onClick={() => setItem(i, null)}>{t("remove")}</Button>
          </Box>
        : <RowEditor key={i} row={item} onChange={(r) => setItem(i, r)} onRemove={() => setItem(i, null)} />)}
      <Box display="flex" gap={2}>
        <Button variant="secondary" data-testid="add-condition"
                onClick={() => onChange({ ...group, items: [...group.items, newRow()] })}>{t("addCondition")}</Button>
        {depth < 4 && <Button variant="secondary" data-testid="add-group"
                onClick={() => onChange({ ...group, items: [...group.items, { ...newGroup("any"), items: [newRow()] }] })}>
          {t("addGroup")}</Button>}
      </Box>
    </Box>
  );
}

function Negate({ value, onChange }: { value: boolean; onChange: (v: boolean) => void }) {
  const { t } = useApp();
  return (
    <label className="ltv-check"><input type="checkbox" checked={value} data-testid="negate"
                                        onChange={(e) => onChange(e.target.checked)} /> {t("negate")}</label>
  );
}

function RowEditor({ row, onChange, onRemove }: { row: Row; onChange: (r: Row) => void; onRemove: () => void }) {
  const { t, lang } = useApp();
  const set = (key: string, value: string) => onChange({ ...row, v: { ...row.v, [key]: value } });
  const input = (key: string, label: Key, type = "text") => (
    <label className="ltv-field">{t(label)}
      <input type={type} value={row.v[key] ?? ""} data-testid={`cond-${key}`} onChange={(e) => set(key, e.target.value)} />
    </label>);
  // `blank`: nothing chosen yet; without it the first value is the default (as rowNode reads it).
  const select = (key: string, values: readonly string[], label: (v: string) => string, title: Key, blank = true) => (
    <label className="ltv-field">{t(title)}
      <select value={row.v[key] ?? ""} data-testid={`cond-${key}`} onChange={(e) => set(key, e.target.value)}>
        {blank && <option value="">—</option>}
        {values.map((v) => <option key={v} value={v}>{label(v)}</option>)}
      </select>
    </label>);
  const label = (prefix: string) => (v: string) => t(`${prefix}${v}` as Key);
  return (
    <Box display="flex" gap={2} alignItems="flex-end" flexWrap="wrap" data-testid="segment-row" data-type={row.type}>
      <label className="ltv-field">{t("conditionType")}
        <select value={row.type} data-testid="cond-type"
                onChange={(e) => onChange({ ...newRow(e.target.value as RowType), negate: row.negate })}>
          {ROW_TYPES.map((type) => <option key={type} value={type}>{t(`cond_${type}` as Key)}</option>)}
        </select>
      </label>
      <Negate value={row.negate} onChange={(negate) => onChange({ ...row, negate })} />
      {row.type === "bought" && <>
        {select("by", ["sku", "product"], label("by_"), "itemKind", false)}{input("item", "item")}
        {input("withinDays", "withinDays", "number")}{input("minTimes", "minTimes", "number")}
        {input("since", "from", "date")}{input("until", "to", "date")}</>}
      {row.type === "viewed" && <>
        {select("by", ["product", "sku"], label("by_"), "itemKind", false)}{input("item", "item")}
        {input("withinDays", "withinDays", "number")}
        <label className="ltv-check"><input type="checkbox" checked={row.v.notBought === "1"} data-testid="cond-notBought"
          onChange={(e) => set("notBought", e.target.checked ? "1" : "")} /> {t("notBought")}</label></>}
      {row.type === "stage" && select("values", ORDER.stage, (v) => enumLabel(lang, "stage", v), "stage")}
      {row.type === "region" && select("value", REGIONS, label("region_"), "region")}
      {row.type === "consent" && <>
        {select("medium", MEDIA, label("medium_"), "medium", false)}
        {select("states", ["granted", "unknown", "revoked", "granted,unknown"],
          (v) => t(`consentStates_${v.replace(",", "_")}` as Key), "consent")}</>}
      {row.type === "metric" && <>
        {select("field", METRICS, label("metric_"), "metric")}{input("gte", "min", "number")}{input("lte", "max", "number")}</>}
      {(row.type === "tag" || row.type === "prefecture" || row.type === "salesSource" || row.type === "language")
        && input("values", "valuesComma")}
      <Button variant="tertiary" onClick={onRemove} data-testid="remove-condition">{t("remove")}</Button>
    </Box>
  );
}
