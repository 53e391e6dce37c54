// The Settings page's form (shop_settings.py over GraphQL): what the query gives → what the inputs hold
// → the mutation's input, and its errors back next to their fields. Values travel as JSON text.
import type { Lang } from "./i18n";

export const SETTINGS_QUERY = `query ShopSettings($language: String) {
  ltvShopSettings { editable editedIn(language: $language) canEdit host updatedAt updatedBy groups
    settings { name group kind value default isSet choices label(language: $language) help(language: $language) }
    channelOverrides overrideSecretsSet changes(first: 5) { changedAt changedBy names } } }`;
export const SETTINGS_UPDATE = `mutation ShopSettingsUpdate($input: JSONString!) {
  ltvShopSettingsUpdate(input: $input) { changed errors { field message messageJa code }
    shopSettings { updatedAt updatedBy } } }`;

export type Kind = "BOOLEAN" | "INTEGER" | "CHOICE" | "STRING" | "SECRET" | "JSON";
export interface Setting {
  name: string; group: string; kind: Kind; value: string | null; default: string | null; isSet: boolean;
  choices: string[]; label: string; help: string;
}
export interface ShopSettings {
  editable: boolean; editedIn: string | null; canEdit: boolean; host: string; updatedAt: string | null;
  updatedBy: string | null; groups: string[]; settings: Setting[]; channelOverrides: string; overrideSecretsSet: string[];
  changes: { changedAt: string; changedBy: string; names: string[] }[];
}
export interface FieldError { field?: string | null; message: string; messageJa?: string | null; code?: string }

/** What an input holds: a checkbox's boolean, else text ("" for a secret: blank keeps it). */
export type FormValue = string | boolean;
export type Form = Record<string, FormValue>;

const parsed = (text: string | null): unknown => {
  if (text === null) return null;
  try { return JSON.parse(text); } catch { return text; }
};

export function initialForm(page: Pick<ShopSettings, "settings" | "channelOverrides">): Form {
  const form: Form = {};
  for (const s of page.settings) {
    const value = parsed(s.value);
    if (s.kind === "BOOLEAN") form[s.name] = value === true;
    else if (s.kind === "SECRET") form[s.name] = "";
    else if (s.kind === "JSON") form[s.name] = overridesText(page.channelOverrides);
    else form[s.name] = value === null || value === undefined ? "" : String(value);
  }
  return form;
}

/** The overrides as the admin edits them: indented JSON, "" for none. */
export function overridesText(json: string): string {
  const value = parsed(json);
  return value && typeof value === "object" && Object.keys(value).length ? JSON.stringify(value, null, 2) : "";
}

/** The mutation's input: only what changed. A secret typed in is sent, one marked cleared is null
 *  (the default, empty), one left blank is left out (kept). Integers go as typed: the API names a bad one. */
export function changes(page: Pick<ShopSettings, "settings" | "channelOverrides">, form: Form,
                        cleared: Set<string>): Record<string, unknown> {
  const before = initialForm(page);
  const out: Record<string, unknown> = {};
  for (const s of page.settings) {
    const now = form[s.name];
    if (s.kind === "SECRET") {
      if (cleared.has(s.name)) out[s.name] = null;
      else if (typeof now === "string" && now.trim()) out[s.name] = now.trim();
    } else if (now !== before[s.name]) {
      out[s.name] = s.kind === "JSON" ? (String(now).trim() || null) : now;  // emptied: no overrides
    }
  }
  return out;
}

/** Each error by the setting it names ("channel_overrides.b2b.timezone" under channel_overrides), in the
 *  reader's language where the API has it; errors naming no setting under "". */
export function errorsByField(errors: FieldError[], names: string[], lang: Lang): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of errors) {
    const field = e.field ?? "";
    const owner = names.find((n) => field === n || field.startsWith(`${n}.`)) ?? "";
    const text = (lang === "ja" && e.messageJa) || e.message;
    const where = owner && field !== owner ? `${field.slice(owner.length + 1)}: ` : "";
    (out[owner] ??= []).push(where + text);
  }
  return out;
}

/** The settings in the API's sections and their order; a setting naming no listed section goes last. */
export function sections(groups: string[], settings: Setting[]): [string, Setting[]][] {
  const out = new Map<string, Setting[]>(groups.map((g) => [g, []]));
  for (const s of settings) {
    if (!out.has(s.group)) out.set(s.group, []);
    out.get(s.group)!.push(s);
  }
  return [...out].filter(([, rows]) => rows.length > 0);
}
