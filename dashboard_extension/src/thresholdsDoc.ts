// The Thresholds page's form (thresholds.py over GraphQL): the values in force → what the inputs hold →
// the changes sent to the preview and the save. Bounds are typed "31, 91, 181, 366"; a spend bound per
// currency. Text that does not parse goes as typed: the API names the field and says why.

export const THRESHOLDS_QUERY = `query Thresholds($channel: String!, $language: String) {
  ltvThresholds(channel: $channel) { channel values defaults proposal proposalBasis(language: $language) canEdit
    updatedAt updatedBy groups { name fields } } }`;
export const PREVIEW_QUERY = `query ThresholdsPreview($channel: String!, $input: JSONString!) {
  ltvThresholdsPreview(channel: $channel, input: $input) { accounts
    dimensions { name changed counts { value before after } moves { from to accounts } } } }`;
export const THRESHOLDS_UPDATE = `mutation ThresholdsUpdate($channel: String!, $input: JSONString!) {
  ltvThresholdsUpdate(channel: $channel, input: $input) { changed errors { field message messageJa code }
    thresholds { updatedAt } } }`;

export interface Thresholds {
  channel: string; values: string; defaults: string; proposal: string; proposalBasis: string; canEdit: boolean;
  updatedAt: string | null; updatedBy: string | null; groups: { name: string; fields: string[] }[];
}
export interface PreviewDimension {
  name: string; changed: number; counts: { value: string; before: number; after: number }[];
  moves: { from: string; to: string; accounts: number }[];
}
export interface Preview { accounts: number; dimensions: PreviewDimension[] }

export type Values = Record<string, unknown>;
export type Form = Record<string, string | boolean>;
export const SPEND = "cpm_high_spend";
export const METHOD = /^rfm_[rfm]_method$/;
export const BOUNDS = /^rfm_[rfm]_bounds$/;

const list = (v: unknown) => (Array.isArray(v) ? v.join(", ") : "");

/** One input per field; the spend bound one per currency (`cpm_high_spend:JPY`; `:` alone: every currency). */
export function toForm(values: Values, currencies: string[] = []): Form {
  const form: Form = {};
  for (const [name, value] of Object.entries(values)) {
    if (name === SPEND) {
      if (value && typeof value === "object") {
        const spend = value as Record<string, number>;
        for (const c of [...new Set([...Object.keys(spend), ...currencies])].sort()) {
          form[`${SPEND}:${c}`] = spend[c] === undefined ? "" : String(spend[c]);
        }
      } else form[`${SPEND}:`] = String(value ?? "");
    } else if (name === "rfm_m_bounds" && value && typeof value === "object" && !Array.isArray(value)) {
      form[name] = Object.entries(value as Record<string, number[]>).map(([c, b]) => `${c}: ${list(b)}`).join("; ");
    } else if (typeof value === "boolean") form[name] = value;
    else if (Array.isArray(value)) form[name] = list(value);
    else form[name] = value === null || value === undefined ? "" : String(value);
  }
  return form;
}

const number = (text: string): number | string => {
  const n = Number(text.trim());
  return text.trim() !== "" && Number.isFinite(n) ? n : text;
};
const numbers = (text: string): (number | string)[] | string =>
  text.trim() === "" ? text : text.split(/[,、\s]+/).filter(Boolean).map(number);

/** The value a field's input stands for, as the API takes it. */
export function fromForm(name: string, form: Form): unknown {
  if (name === SPEND) {
    const keys = Object.keys(form).filter((k) => k.startsWith(`${SPEND}:`));
    if (keys.length === 1 && keys[0] === `${SPEND}:`) return number(String(form[keys[0]]));
    const out: Record<string, unknown> = {};
    for (const k of keys) if (String(form[k]).trim() !== "") out[k.slice(SPEND.length + 1)] = number(String(form[k]));
    return out;
  }
  const value = form[name];
  if (typeof value === "boolean") return value;
  if (name === "rfm_m_bounds") {
    if (value.trim() === "") return null;
    if (!value.includes(":")) return numbers(value);
    return Object.fromEntries(value.split(";").filter((p) => p.trim()).map((p) => {
      const [c, rest = ""] = p.split(":");
      return [c.trim(), numbers(rest)];
    }));
  }
  if (BOUNDS.test(name)) return numbers(value);
  if (METHOD.test(name)) return value;
  return number(value);
}

/** What differs from the values in force: the preview's and the save's input. */
export function changes(values: Values, form: Form): Values {
  const out: Values = {};
  for (const name of Object.keys(values)) {
    const now = fromForm(name, form);
    if (JSON.stringify(now) !== JSON.stringify(values[name])) out[name] = now;
  }
  return out;
}

/** The form with the proposal's fields filled in (the others as they are). */
export function proposed(form: Form, proposal: Values, currencies: string[] = []): Form {
  return { ...form, ...toForm(proposal, currencies) };
}

/** Only the rows whose count moves, largest move first: what the preview table lists. */
export function movedCounts(d: PreviewDimension) {
  return d.counts.filter((c) => c.before !== c.after)
    .sort((a, b) => Math.abs(b.after - b.before) - Math.abs(a.after - a.before) || a.value.localeCompare(b.value));
}
