// The segment builder's tree ↔ the filter language's JSON (the form a saved segment stores).
// The builder holds groups (all / any, possibly negated) of condition rows; the API reads the
// JSON as it is, so this file is a view of the language, not a second parser of it.

export type RowType = "bought" | "viewed" | "stage" | "tag" | "region" | "prefecture" | "consent" | "metric"
  | "salesSource" | "language";
export const ROW_TYPES: RowType[] = ["bought", "viewed", "stage", "tag", "region", "prefecture", "consent", "metric",
  "salesSource", "language"];
export const METRICS = ["monetary", "frequency", "recency_days", "tenure_days", "p_alive", "clv", "overdue_ratio",
  "r_score", "f_score", "m_score", "rfm_rank", "average_order_value", "expected_purchases"] as const;
export const REGIONS = ["hokkaido", "tohoku", "kanto", "chubu", "kinki", "chugoku", "shikoku", "kyushu"] as const;
export const MEDIA = ["email", "line", "sms", "postal"] as const;

export interface Row { kind: "row"; negate: boolean; type: RowType; v: Record<string, string> }
export interface Group { kind: "group"; negate: boolean; op: "all" | "any"; items: Item[] }
export type Item = Row | Group;
export type Node = Record<string, unknown>;

export const newRow = (type: RowType = "bought"): Row => ({ kind: "row", negate: false, type, v: {} });
export const newGroup = (op: "all" | "any" = "all"): Group => ({ kind: "group", negate: false, op, items: [] });

const list = (text = "") => text.split(/[,、\n]/).map((s) => s.trim()).filter(Boolean);
const int = (text?: string) => (text === undefined || text === "" ? undefined : Number(text));
const compact = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== "" && v !== false));

/** One row as a node; null while it is incomplete (left out of the count and the save). */
export function rowNode(row: Row): Node | null {
  const v = row.v;
  switch (row.type) {
    case "bought":
      if (!v.item) return null;
      return { bought: compact({ [v.by === "product" ? "product" : "sku"]: v.item, within_days: int(v.withinDays),
        min_times: int(v.minTimes), since: v.since, until: v.until }) };
    case "viewed":
      if (!v.withinDays) return null;
      return { viewed: compact({ [v.by === "sku" ? "sku" : "product"]: v.item, within_days: int(v.withinDays),
        not_bought: v.notBought === "1" }) };
    case "stage": return list(v.values).length ? { stages: list(v.values) } : null;
    case "tag": return list(v.values).length ? { tags: list(v.values) } : null;
    case "region": return v.value ? { regions: [v.value] } : null;
    case "prefecture": return list(v.values).length ? { prefectures: list(v.values) } : null;
    case "salesSource": return list(v.values).length ? { sales_sources: list(v.values) } : null;
    case "language": return list(v.values).length ? { languages: list(v.values) } : null;
    case "consent":
      return list(v.states).length ? { consent: { medium: v.medium || "email", states: list(v.states) } } : null;
    case "metric": {
      if (!v.field || (v.gte ?? "") === "" && (v.lte ?? "") === "") return null;
      const bound = (s?: string) => (s === undefined || s === "" ? undefined : Number(s));
      return { [v.field]: compact({ gte: bound(v.gte), lte: bound(v.lte) }) };
    }
  }
}

/** An item as a node; null when nothing in it is complete. */
export function itemNode(item: Item): Node | null {
  let node: Node | null;
  if (item.kind === "row") node = rowNode(item);
  else {
    const children = item.items.map(itemNode).filter((n): n is Node => n !== null);
    node = children.length === 0 ? null : children.length === 1 && item.op === "all" ? children[0]
      : { [item.op]: children };
  }
  return node && item.negate ? { not: node } : node;
}

/** The whole builder as the filter the API counts and a saved segment stores. */
export const toSpec = (root: Group): Node => itemNode(root) ?? {};

// ---------------------------------------------------------------------------- back from JSON

const joined = (value: unknown) => (Array.isArray(value) ? value.join(", ") : "");

function leafRow(name: string, value: unknown): Row | null {
  const row = (type: RowType, v: Record<string, string>): Row => ({ kind: "row", negate: false, type, v });
  const o = (value ?? {}) as Record<string, unknown>;
  const s = (x: unknown) => (x === undefined || x === null ? "" : String(x));
  switch (name) {
    case "bought": return row("bought", { by: o.product ? "product" : "sku", item: s(o.product ?? o.sku),
      withinDays: s(o.within_days), minTimes: s(o.min_times), since: s(o.since), until: s(o.until) });
    case "viewed": return row("viewed", { by: o.sku ? "sku" : "product", item: s(o.sku ?? o.product),
      withinDays: s(o.within_days), notBought: o.not_bought ? "1" : "" });
    case "stages": return row("stage", { values: joined(value) });
    case "tags": return row("tag", { values: joined(value) });
    case "regions": return row("region", { value: Array.isArray(value) ? String(value[0] ?? "") : "" });
    case "prefectures": return row("prefecture", { values: joined(value) });
    case "sales_sources": return row("salesSource", { values: joined(value) });
    case "languages": return row("language", { values: joined(value) });
    case "consent": return row("consent", { medium: s(o.medium), states: joined(o.states) });
  }
  if ((METRICS as readonly string[]).includes(name)) return row("metric", { field: name, gte: s(o.gte), lte: s(o.lte) });
  return null;
}

/** A stored filter as builder items (fields it cannot show, such as channel, are dropped). */
export function fromSpec(node: Node, op: "all" | "any" = "all"): Group {
  const group = newGroup(op);
  for (const [name, value] of Object.entries(node)) {
    if (name === "all" || name === "any") {
      const children = (value as Node[]).map((child) => fromSpec(child));
      group.items.push(children.length === 1 && name === "all" ? children[0]
        : { ...newGroup(name), items: children.map(single) });
    } else if (name === "not") {
      const inner = single(fromSpec(value as Node));
      group.items.push({ ...inner, negate: !inner.negate });
    } else {
      const row = leafRow(name, value);
      if (row) group.items.push(row);
    }
  }
  return group;
}

/** A group holding one item reads as that item. */
const single = (group: Group): Item =>
  group.items.length === 1 && group.op === "all" && !group.negate ? group.items[0] : group;
