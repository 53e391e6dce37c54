import type { Lang } from "./i18n";

const tag = (lang: Lang) => (lang === "ja" ? "ja-JP" : "en-US");

export const fmtInt = (lang: Lang, n: number | null | undefined) =>
  n === null || n === undefined ? "—" : new Intl.NumberFormat(tag(lang)).format(Math.round(n));

export const fmtMoney = (lang: Lang, n: number | null | undefined, currency?: string | null) => {
  if (n === null || n === undefined) return "—";
  if (!currency) return fmtInt(lang, n);
  try {
    return new Intl.NumberFormat(tag(lang), { style: "currency", currency, maximumFractionDigits: 0 }).format(n);
  } catch {
    return `${fmtInt(lang, n)} ${currency}`;
  }
};

export const fmtPct = (lang: Lang, share: number | null | undefined, digits = 1) =>
  share === null || share === undefined ? "—"
    : new Intl.NumberFormat(tag(lang), { style: "percent", maximumFractionDigits: digits }).format(share);

export const fmtNum = (lang: Lang, n: number | null | undefined, digits = 2) =>
  n === null || n === undefined ? "—" : new Intl.NumberFormat(tag(lang), { maximumFractionDigits: digits }).format(n);

export const fmtDate = (lang: Lang, iso: string | null | undefined) =>
  iso ? new Intl.DateTimeFormat(tag(lang), { dateStyle: "medium" }).format(new Date(iso.length === 10 ? iso + "T00:00:00" : iso)) : "—";

export const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** Axis ticks: 12M / 1200万 rather than 12,000,000. */
export const fmtCompact = (lang: Lang, n: number) =>
  new Intl.NumberFormat(tag(lang), { notation: "compact", maximumFractionDigits: 1 }).format(n);

/** A moment (ISO timestamp) as the locale writes it, to the minute: 2026/05/01 14:03 · May 1, 2026, 2:03 PM. */
export const fmtDateTime = (lang: Lang, iso: string | null | undefined) =>
  iso ? new Intl.DateTimeFormat(tag(lang), { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso)) : "—";

/** A phone number as Japanese staff dial it: E.164 "+81312345678" → "03-1234-5678". Hyphenated where the
 * grouping follows from the number alone (mobile and IP 0X0-XXXX-XXXX, 0120-XXX-XXX, 0800-XXX-XXXX, the
 * two-digit area codes 03 / 06: 0X-XXXX-XXXX); other landlines as the ten national digits (their area
 * code is 3–5 digits long and only the numbering plan's table knows which). Not Japanese: as stored. */
export function fmtPhone(e164: string): string {
  if (!/^\+81\d{9,10}$/.test(e164)) return e164;
  const n = "0" + e164.slice(3);
  if (n.length === 10 && n.startsWith("0120")) return `${n.slice(0, 4)}-${n.slice(4, 7)}-${n.slice(7)}`;
  if (n.length === 11 && n.startsWith("0800")) return `${n.slice(0, 4)}-${n.slice(4, 7)}-${n.slice(7)}`;
  if (n.length === 11 && /^0[2-9]0/.test(n)) return `${n.slice(0, 3)}-${n.slice(3, 7)}-${n.slice(7)}`;
  if (n.length === 10 && /^0[36]/.test(n)) return `${n.slice(0, 2)}-${n.slice(2, 6)}-${n.slice(6)}`;
  return n;
}
