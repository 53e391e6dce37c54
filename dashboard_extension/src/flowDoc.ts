// A flow's definition document as the editor changes it: pure functions, no React, no API.
// The document is automation/flows/definition.py's: steps form a graph by id (next, a split's
// yes/no, an A/B step's variants' next). The array's order is kept (the outbox's step column is a
// step's index), so new steps go to the end and "moving" re-links pointers instead.

export interface Variant { key: string; weight: number; next: string | null }
export interface Step {
  id: string;
  kind: string;
  name?: string;
  next?: string | null;
  yes?: string | null;
  no?: string | null;
  variants?: Variant[];
  condition?: Record<string, unknown>;
  content?: Record<string, unknown>;
  [param: string]: unknown;
}
export interface FlowDoc {
  trigger: Record<string, unknown> & { kind: string };
  entry?: { segment_id?: number | null };
  exit_on?: string[];
  reentry?: { mode: string; days?: number };
  holdout_percent?: number | null;
  start: string;
  steps: Step[];
}

/** Where a step hangs: the flow's start, or one outgoing slot of a step. */
export type Slot = { step: null } | { step: string; slot: "next" | "yes" | "no" } | { step: string; variant: string };

export const BRANCHING = new Set(["split", "ab"]);
const GRAPH_KEYS = new Set(["id", "kind", "next", "yes", "no", "variants", "condition", "content", "name"]);

const clone = (doc: FlowDoc): FlowDoc => JSON.parse(JSON.stringify(doc));
const byId = (doc: FlowDoc, id: string | null | undefined) => doc.steps.find((s) => s.id === id);

/** The step ids a step leads to. */
export function successors(step: Step): string[] {
  if (step.kind === "split") return [step.yes, step.no].filter((s): s is string => !!s);
  if (step.kind === "ab") return (step.variants ?? []).map((v) => v.next).filter((s): s is string => !!s);
  return step.next ? [step.next] : [];
}

export function reachable(doc: FlowDoc): Set<string> {
  const seen = new Set<string>();
  const todo = [doc.start];
  while (todo.length) {
    const id = todo.pop()!;
    const step = byId(doc, id);
    if (!step || seen.has(id)) continue;
    seen.add(id);
    todo.push(...successors(step));
  }
  return seen;
}

function target(doc: FlowDoc, at: Slot): string | null {
  if (at.step === null) return doc.start || null;
  const step = byId(doc, at.step);
  if (!step) return null;
  if ("variant" in at) return step.variants?.find((v) => v.key === at.variant)?.next ?? null;
  return (step[at.slot] as string | null | undefined) ?? null;
}

function point(doc: FlowDoc, at: Slot, to: string | null): void {
  if (at.step === null) { doc.start = to ?? ""; return; }
  const step = byId(doc, at.step);
  if (!step) return;
  if ("variant" in at) {
    const v = step.variants?.find((x) => x.key === at.variant);
    if (v) v.next = to;
  } else step[at.slot] = to;
}

/** A fresh id: s1, s2 … (ids of the ready templates — "0", "d1", "call_task" — are left alone). */
export function newStepId(doc: FlowDoc): string {
  const taken = new Set(doc.steps.map((s) => s.id));
  let n = doc.steps.length + 1;
  while (taken.has(`s${n}`)) n += 1;
  return `s${n}`;
}

/** Equal whole-number weights adding up to 100 (3 → 34, 33, 33). */
export function balancedWeights(count: number): number[] {
  const base = Math.floor(100 / count);
  return Array.from({ length: count }, (_, i) => base + (i < 100 - base * count ? 1 : 0));
}

const VARIANT_KEYS = ["A", "B", "C", "D"];

/** A new step of `kind` with the parameters a form starts from; `then` is where it continues. */
export function blankStep(id: string, kind: string, then: string | null, lang: string,
                          defaults: Record<string, unknown> = {}): Step {
  const step: Step = { id, kind, ...defaults };
  if (kind === "split") Object.assign(step, { condition: step.condition ?? { kind: "opened" }, yes: then, no: then });
  else if (kind === "ab") {
    step.variants = balancedWeights(2).map((weight, i) => ({ key: VARIANT_KEYS[i], weight, next: then }));
  } else if (kind !== "exit") step.next = then;
  if (kind === "delay" && step.hours === undefined && step.until_hour === undefined) step.hours = 24;
  if (kind === "send") step.content = step.content ?? emptyContent(lang);
  return step;
}

/** Insert a new step at `at` (the step that hung there follows it). Returns the new document and id. */
export function insertStep(doc: FlowDoc, at: Slot, kind: string, lang = "en",
                           defaults: Record<string, unknown> = {}): { doc: FlowDoc; id: string } {
  const out = clone(doc);
  const id = newStepId(out);
  const then = target(out, at);
  out.steps.push(blankStep(id, kind, kind === "exit" ? null : then, lang, defaults));
  point(out, at, id);
  return { doc: out, id };
}

/** Where the flow goes on when `step` is taken out: a linear step's next, a split's yes, an A/B's first variant. */
function continuation(step: Step): string | null {
  if (step.kind === "split") return step.yes ?? step.no ?? null;
  if (step.kind === "ab") return step.variants?.find((v) => v.next)?.next ?? null;
  return step.kind === "exit" ? null : step.next ?? null;
}

function relink(doc: FlowDoc, from: string, to: string | null): void {
  if (doc.start === from) doc.start = to ?? "";
  for (const s of doc.steps) {
    for (const key of ["next", "yes", "no"] as const) if (s[key] === from) s[key] = to;
    for (const v of s.variants ?? []) if (v.next === from) v.next = to;
  }
}

/** Remove a step; whatever pointed at it points at its continuation. A removed split or A/B step
 * takes the steps only its other branches reached with it (nothing is left dangling). */
export function removeStep(doc: FlowDoc, id: string): FlowDoc {
  const step = byId(doc, id);
  if (!step) return doc;
  const before = reachable(doc);
  const out = clone(doc);
  relink(out, id, continuation(step));
  out.steps = out.steps.filter((s) => s.id !== id);
  const after = reachable(out);
  out.steps = out.steps.filter((s) => after.has(s.id) || !before.has(s.id));
  return out;
}

const linear = (s: Step | undefined) => !!s && !BRANCHING.has(s.kind) && s.kind !== "exit";

/** The slot that leads to `id` in the walk from the start (the lane it is drawn in). */
export function slotOf(doc: FlowDoc, id: string): Slot | null {
  if (doc.start === id) return { step: null };
  for (const s of doc.steps) {
    if (s.next === id && s.kind !== "split" && s.kind !== "ab") return { step: s.id, slot: "next" };
    if (s.kind === "split" && s.yes === id) return { step: s.id, slot: "yes" };
    if (s.kind === "split" && s.no === id) return { step: s.id, slot: "no" };
    const v = s.kind === "ab" ? s.variants?.find((x) => x.next === id) : undefined;
    if (v) return { step: s.id, variant: v.key };
  }
  return null;
}

/** Whether `id` can trade places with the step after it (both plain, one-way steps). */
export function canMoveDown(doc: FlowDoc, id: string): boolean {
  const step = byId(doc, id);
  return linear(step) && !!slotOf(doc, id) && linear(byId(doc, step!.next));
}

export function canMoveUp(doc: FlowDoc, id: string): boolean {
  const at = slotOf(doc, id);
  return !!at && at.step !== null && "slot" in at && at.slot === "next" && canMoveDown(doc, at.step);
}

/** Swap a step with the one after it in its lane: … → A → B → N becomes … → B → A → N. */
export function moveDown(doc: FlowDoc, id: string): FlowDoc {
  if (!canMoveDown(doc, id)) return doc;
  const out = clone(doc);
  const a = byId(out, id)!;
  const b = byId(out, a.next)!;
  point(out, slotOf(out, id)!, b.id);
  a.next = b.next ?? null;
  b.next = a.id;
  return out;
}

export function moveUp(doc: FlowDoc, id: string): FlowDoc {
  const at = slotOf(doc, id);
  return canMoveUp(doc, id) && at && at.step !== null ? moveDown(doc, at.step) : doc;
}

export function updateStep(doc: FlowDoc, id: string, change: (step: Step) => Step): FlowDoc {
  return { ...doc, steps: doc.steps.map((s) => (s.id === id ? change(s) : s)) };
}

/** A/B variants: add one (up to 4, weights rebalanced), remove one (at least 2 stay). */
export function addVariant(doc: FlowDoc, id: string): FlowDoc {
  return updateStep(doc, id, (s) => {
    const variants = [...(s.variants ?? [])];
    if (variants.length >= 4) return s;
    const key = VARIANT_KEYS.find((k) => !variants.some((v) => v.key === k))!;
    variants.push({ key, weight: 0, next: variants[0]?.next ?? null });
    const weights = balancedWeights(variants.length);
    return { ...s, variants: variants.map((v, i) => ({ ...v, weight: weights[i] })) };
  });
}

export function removeVariant(doc: FlowDoc, id: string, key: string): FlowDoc {
  const step = byId(doc, id);
  if (!step || (step.variants ?? []).length <= 2) return doc;
  const before = reachable(doc);
  const out = updateStep(doc, id, (s) => {
    const variants = (s.variants ?? []).filter((v) => v.key !== key);
    const weights = balancedWeights(variants.length);
    return { ...s, variants: variants.map((v, i) => ({ ...v, weight: weights[i] })) };
  });
  const after = reachable(out);
  return { ...out, steps: out.steps.filter((s) => after.has(s.id) || !before.has(s.id)) };
}

// ---- an A/B step's auto-winner (definition.py's AUTO_WINNER) ------------------------------------------

export interface AutoWinner { metric: string; min_recipients?: number; min_days?: number; threshold?: number }
/** What switching it on starts from: orders per recipient, after 1,000 recipients per variant or 14 days. */
export const AUTO_WINNER_DEFAULT: AutoWinner = { metric: "orders", min_recipients: 1000, min_days: 14 };

export function autoWinnerOf(step: Step): AutoWinner | null {
  const raw = step.auto_winner;
  return raw && typeof raw === "object" ? (raw as AutoWinner) : null;
}

/** Switch an A/B step's auto-winner on (with `setting`, default AUTO_WINNER_DEFAULT) or off (null). */
export function setAutoWinner(doc: FlowDoc, id: string, setting: AutoWinner | null = AUTO_WINNER_DEFAULT): FlowDoc {
  return updateStep(doc, id, (s) => (s.kind !== "ab" ? s : withField(s, "auto_winner", setting ? { ...setting } : undefined)));
}

/** Change one field of it (undefined drops the field: "after N" alone, or "after D days" alone). */
export function setAutoWinnerField(doc: FlowDoc, id: string, name: keyof AutoWinner, value: unknown): FlowDoc {
  return updateStep(doc, id, (s) => {
    const current = autoWinnerOf(s);
    return current ? { ...s, auto_winner: withField(current as unknown as Raw, name, value) } : s;
  });
}

/** What the editor can tell before saving (the API checks the rest and names the field). */
export function autoWinnerHint(setting: AutoWinner | null): "needs_n_or_d" | null {
  return setting && setting.min_recipients === undefined && setting.min_days === undefined ? "needs_n_or_d" : null;
}

export function setWeight(doc: FlowDoc, id: string, key: string, weight: number): FlowDoc {
  return updateStep(doc, id, (s) => ({ ...s, variants: (s.variants ?? []).map((v) => (v.key === key ? { ...v, weight } : v)) }));
}

/** Each variant's share of the traffic (weights need not add up to 100). */
export function shares(variants: Variant[]): number[] {
  const total = variants.reduce((n, v) => n + (v.weight > 0 ? v.weight : 0), 0);
  return variants.map((v) => (total > 0 && v.weight > 0 ? v.weight / total : 0));
}

// ---- the drawing: lanes of steps, a split's branches side by side ------------------------------------

export type Item =
  | { type: "step"; id: string; at: Slot }
  | { type: "branch"; id: string; lanes: { label: string; at: Slot; items: Item[] }[] }
  | { type: "goto"; id: string; at: Slot }  // a step drawn elsewhere already (branches meeting again, a loop)
  | { type: "end"; at: Slot };  // where a lane ends: the place to add a step

/** The flow as lanes from the start; each step is drawn once, later references are "goto" items. */
export function layout(doc: FlowDoc): { main: Item[]; detached: string[] } {
  const drawn = new Set<string>();
  const lane = (at: Slot): Item[] => {
    const items: Item[] = [];
    let here: Slot = at;
    for (;;) {
      const id = target(doc, here);
      const step = byId(doc, id);
      if (!id || !step) { items.push({ type: "end", at: here }); return items; }
      if (drawn.has(id)) { items.push({ type: "goto", id, at: here }); return items; }
      drawn.add(id);
      items.push({ type: "step", id, at: here });
      if (step.kind === "split") {
        items.push({ type: "branch", id, lanes: (["yes", "no"] as const).map((slot) => ({
          label: slot, at: { step: id, slot }, items: lane({ step: id, slot }) })) });
        return items;
      }
      if (step.kind === "ab") {
        items.push({ type: "branch", id, lanes: (step.variants ?? []).map((v) => ({
          label: v.key, at: { step: id, variant: v.key }, items: lane({ step: id, variant: v.key }) })) });
        return items;
      }
      if (step.kind === "exit") return items;
      here = { step: id, slot: "next" };
    }
  };
  const main = lane({ step: null });
  return { main, detached: doc.steps.map((s) => s.id).filter((id) => !drawn.has(id)) };
}

// ---- problems as the API reports them ---------------------------------------------------------------

export interface FlowProblem { field: string; message: string; code: string; step?: string | null }

/** Problems per step id ("" for the flow's own: trigger, entry, exits); a path `steps[3]…` without
 * a step names the 4th step. */
export function problemsByStep(doc: FlowDoc, problems: FlowProblem[]): Map<string, FlowProblem[]> {
  const out = new Map<string, FlowProblem[]>();
  for (const p of problems) {
    const index = /^steps\[(\d+)\]/.exec(p.field)?.[1];
    const key = p.step ?? (index !== undefined ? doc.steps[Number(index)]?.id : undefined) ?? "";
    out.set(key, [...(out.get(key) ?? []), p]);
  }
  return out;
}

/** "steps[2].content.ja.subject" → "content.ja.subject": the part of the path inside its step. */
export const localPath = (field: string) => field.replace(/^steps\[\d+\]\.?/, "");

/** A step's own parameters (everything but the graph and content). */
export const paramsOf = (step: Step) =>
  Object.fromEntries(Object.entries(step).filter(([k]) => !GRAPH_KEYS.has(k)));

// ---- the vocabulary: what the forms offer ---------------------------------------------------------------

export interface FieldSpec { kind: string; required: boolean; minimum: number | null; maximum: number | null; choices: string[] }
export type Specs = Record<string, FieldSpec>;
export interface Vocabulary {
  triggers: Record<string, Specs>;
  subkinds: Record<string, Record<string, Specs>>;  // trigger kind → its sub-kind's value → extra fields
  steps: Record<string, Specs>;
  conditions: Record<string, Specs>;
  updates: Record<string, Specs>;
  autoWinner: Specs;  // an A/B step's auto_winner object: metric, min_recipients, min_days, threshold
  exits: string[];
  dateFields: string[];
  mergeFields: { key: string; label: Record<string, string> }[];
}

type Raw = Record<string, unknown>;
const pick = (raw: Raw, ...names: string[]): unknown => {
  for (const n of names) if (raw[n] !== undefined) return raw[n];
  return undefined;
};

function fieldSpec(raw: unknown): FieldSpec {
  const r = (raw ?? {}) as Raw;
  const num = (v: unknown) => (typeof v === "number" ? v : null);
  return { kind: String(pick(r, "kind", "type") ?? "text"), required: !!r.required,
           minimum: num(pick(r, "minimum", "min")), maximum: num(pick(r, "maximum", "max")),
           choices: Array.isArray(r.choices) ? r.choices.map(String) : [] };
}

function specsMap(raw: unknown): Record<string, Specs> {
  const out: Record<string, Specs> = {};
  for (const [kind, fields] of Object.entries((raw ?? {}) as Raw)) {
    out[kind] = Object.fromEntries(Object.entries((fields ?? {}) as Raw).map(([name, f]) => [name, fieldSpec(f)]));
  }
  return out;
}

/** The API's ltvFlowVocabulary (definition.py's dicts as data) in the shape the forms use. */
export function normalizeVocabulary(input: unknown): Vocabulary {
  const raw = (typeof input === "string" ? JSON.parse(input) : input ?? {}) as Raw;
  const subkinds: Vocabulary["subkinds"] = {};
  const given = pick(raw, "subkinds", "SUBKINDS") as Raw | undefined;
  if (given) for (const [k, v] of Object.entries(given)) subkinds[k] = specsMap(v);
  const events = pick(raw, "events", "EVENTS");
  const metrics = pick(raw, "metric_triggers", "metricTriggers", "METRIC_TRIGGERS", "metrics");
  const insights = pick(raw, "insight_triggers", "insightTriggers", "INSIGHT_TRIGGERS", "insights");
  if (events && !subkinds.event) subkinds.event = specsMap(events);
  if (metrics && !subkinds.metric) subkinds.metric = specsMap(metrics);
  if (insights && !subkinds.insight) subkinds.insight = specsMap(insights);
  const merge = pick(raw, "merge_fields", "mergeFields", "MERGE_FIELDS") ?? [];
  const mergeFields = Array.isArray(merge)
    ? merge.map((m) => (typeof m === "string" ? { key: m, label: {} } : { key: String((m as Raw).key),
      label: ((m as Raw).label ?? {}) as Record<string, string> }))
    : Object.entries(merge as Raw).map(([key, v]) => ({ key, label: (((v as Raw)?.label ?? v) ?? {}) as Record<string, string> }));
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : v && typeof v === "object" ? Object.keys(v) : []);
  return {
    triggers: specsMap(pick(raw, "triggers", "TRIGGERS")), subkinds,
    steps: specsMap(pick(raw, "steps", "STEPS")), conditions: specsMap(pick(raw, "conditions", "CONDITIONS")),
    updates: specsMap(pick(raw, "updates", "UPDATES")),
    autoWinner: specsMap({ auto_winner: pick(raw, "auto_winner", "autoWinner", "AUTO_WINNER") }).auto_winner ?? {},
    exits: list(pick(raw, "exits", "EXITS")),
    dateFields: list(pick(raw, "date_fields", "dateFields", "DATE_FIELDS")), mergeFields,
  };
}

/** The trigger's fields: its kind's, plus those of the chosen event / metric / insight. */
export function triggerSpecs(vocab: Vocabulary, trigger: Raw & { kind: string }): Specs {
  const own = vocab.triggers[trigger.kind] ?? {};
  const sub = vocab.subkinds[trigger.kind];
  const subName = Object.keys(own)[0];
  return { ...own, ...(sub && subName ? sub[String(trigger[subName])] ?? {} : {}) };
}

/** The value a form's text becomes in the document; `undefined` leaves the field out. */
export function coerce(spec: FieldSpec, text: string): unknown {
  if (spec.kind === "bool") return text === "true";
  if (text.trim() === "") return undefined;
  if (spec.kind === "int" || spec.kind === "segment") return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
  if (spec.kind === "number") return Number.isFinite(Number(text)) ? Number(text) : text;
  if (spec.kind === "any") return Number.isFinite(Number(text)) && /\d/.test(text) ? Number(text) : text;
  return text;
}

/** Set (or, for undefined, drop) one field of an object without touching the others. */
export function withField<T extends Raw>(obj: T, name: string, value: unknown): T {
  const out = { ...obj } as Raw;
  if (value === undefined) delete out[name];
  else out[name] = value;
  return out as T;
}

/** Starting values for a kind's fields: a required choice takes its first choice. */
export function defaultsFor(specs: Specs): Raw {
  return Object.fromEntries(Object.entries(specs).filter(([, s]) => s.kind === "choice" && s.required && s.choices.length)
    .map(([name, s]) => [name, s.choices[0]]));
}

/** A segment's primary key from its GraphQL global id ("LtvSavedSegment:12", base64). */
export function segmentPk(globalId: string): number | null {
  try {
    const [, pk] = atob(globalId).split(":");
    return /^\d+$/.test(pk ?? "") ? Number(pk) : null;
  } catch {
    return null;
  }
}

// ---- a send step's content ------------------------------------------------------------------------

export interface Block { kind: string; [field: string]: unknown }
export interface LanguageContent { subject: string; preheader: string; blocks: Block[] }
export type Content = Partial<Record<"ja" | "en", LanguageContent>>;
export const BLOCK_KINDS = ["heading", "text", "products", "button", "coupon", "footer"] as const;

export function emptyContent(lang: string): Content {
  return { [lang === "ja" ? "ja" : "en"]: { subject: "", preheader: "", blocks: [] } };
}

/** A ready scenario's copy by reference ({template, step}) rather than the shop's own blocks. */
export const isTemplateRef = (content: unknown) => !!content && typeof content === "object" && "template" in (content as Raw);

export function blankBlock(kind: string): Block {
  switch (kind) {
    case "heading": case "text": return { kind, text: "" };
    case "products": return { kind, source: "trigger", max_count: 3, show_total: true };
    case "button": return { kind, label: "", target: "shop" };
    case "coupon": return { kind, code: "", label: "" };
    default: return { kind: "footer", note: "" };
  }
}

/** Blocks of one language: add (the footer stays last), remove, move, change. */
export function editBlocks(content: Content, lang: "ja" | "en", change: (blocks: Block[]) => Block[]): Content {
  const part = content[lang] ?? { subject: "", preheader: "", blocks: [] };
  const blocks = change([...part.blocks]);
  const footer = blocks.filter((b) => b.kind === "footer").slice(0, 1);
  return { ...content, [lang]: { ...part, blocks: [...blocks.filter((b) => b.kind !== "footer"), ...footer] } };
}

export function addBlock(content: Content, lang: "ja" | "en", kind: string): Content {
  return editBlocks(content, lang, (blocks) => (kind === "footer" && blocks.some((b) => b.kind === "footer")
    ? blocks : [...blocks, blankBlock(kind)]));
}

export function moveBlock(content: Content, lang: "ja" | "en", index: number, by: -1 | 1): Content {
  return editBlocks(content, lang, (blocks) => {
    const to = index + by;
    if (to < 0 || to >= blocks.length) return blocks;
    [blocks[index], blocks[to]] = [blocks[to], blocks[index]];
    return blocks;
  });
}

/** Put `{field}` where the cursor is (or replace the selection). Returns the text and the new cursor. */
export function insertToken(text: string, start: number, end: number, key: string): { text: string; cursor: number } {
  const token = `{${key}}`;
  return { text: text.slice(0, start) + token + text.slice(end), cursor: start + token.length };
}

/** The step with its own parameters replaced (graph keys, name and content kept). */
export function withParams(step: Step, params: Record<string, unknown>): Step {
  const graph = Object.fromEntries(Object.entries(step).filter(([k]) => GRAPH_KEYS.has(k)));
  return { ...params, ...graph } as Step;
}

// ---- the report's A/B figures, per step ---------------------------------------------------------------

export interface WinnerFigures { stepId: string; key: string; decidedAt: string;
  figures: { metric?: string; days_running?: number; threshold?: number;
             variants?: { key: string; recipients: number; successes: number; probability_best: number }[] } }

/** The report's variants grouped by their A/B step (a flow may test twice: each step's A and B apart),
 * in the order the report lists them, each group with its auto-winner once chosen. */
export function variantsByStep<V extends { stepId: string; key: string }>(
  variants: V[], winners: { stepId: string; key: string; decidedAt: string; figures: unknown }[] = [],
): { stepId: string; variants: V[]; winner: WinnerFigures | null }[] {
  const groups = new Map<string, V[]>();
  for (const v of variants) groups.set(v.stepId, [...(groups.get(v.stepId) ?? []), v]);
  return [...groups].map(([stepId, list]) => {
    const w = winners.find((x) => x.stepId === stepId);
    const figures = (typeof w?.figures === "string" ? JSON.parse(w.figures) : w?.figures ?? {}) as WinnerFigures["figures"];
    return { stepId, variants: list, winner: w ? { stepId, key: w.key, decidedAt: w.decidedAt, figures } : null };
  });
}
