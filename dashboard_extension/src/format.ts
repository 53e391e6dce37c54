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
