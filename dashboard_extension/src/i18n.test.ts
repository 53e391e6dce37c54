import { describe, expect, it } from "vitest";

import { fmtDateTime } from "./format";
import { MESSAGES, valueLabel } from "./i18n";
import labels from "./labels.json";
import { JOB_STATES, KINDS } from "./importDoc";
import { alertReason, OUTCOMES } from "./pages/Alerts";
import { SORTS } from "./pages/Accounts";

const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;
const CODE_OR_JAPANESE = /^(CLV|RFM|CPM|SKU|ROAS)$|[\u3040-\u30ff\u4e00-\u9fff]/;  // codes read as they are

describe("the ja and en catalogues", () => {
  it("have the same keys and no empty text", () => {
    expect(Object.keys(MESSAGES.ja).sort()).toEqual(Object.keys(MESSAGES.en).sort());
    for (const lang of ["ja", "en"] as const) {
      for (const [key, text] of Object.entries(MESSAGES[lang])) expect(text.trim(), `${lang}.${key}`).not.toBe("");
    }
  });
  it("keep the same {placeholders} in both", () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(MESSAGES.en) as (keyof typeof MESSAGES.en)[]) {
      expect(names(MESSAGES.ja[key]), key).toEqual(names(MESSAGES.en[key]));
    }
  });
  it("label stages, CPM cells and RFM segments in both", () => {
    for (const kind of ["stage", "cpm", "rfm"] as const) {
      const { order, ja, en } = labels[kind] as { order: string[]; ja: Record<string, string>; en: Record<string, string> };
      for (const value of order) {
        expect(ja[value], `${kind}.${value}`).toMatch(JAPANESE);
        expect(en[value], `${kind}.${value}`).toBeTruthy();
      }
    }
  });
});

describe("values the API sends", () => {
  it("have a Japanese label: sort fields, message statuses and skip reasons, run states", () => {
    const values: [string, string][] = [
      ...SORTS.map((s) => ["sort_", s] as [string, string]),
      ...["pending", "sending", "committing", "sent", "skipped", "failed", "dead"].map((s) => ["status_", s] as [string, string]),
      ...["no_address", "invalid_address", "unsubscribed", "no_consent", "frequency_cap", "scenario_disabled",
        "not_configured", "ordered", "checkout_completed", "checkout_started", "no_phone", "invalid_phone",
        "too_long"].map((s) => ["skip_", s] as [string, string]),
      ...["email", "staff_alert", "staff_email", "staff_webhook", "call_task"].map((s) => ["channel_", s] as [string, string]),
      ...OUTCOMES.map((s) => ["outcome_", s] as [string, string]),
      ...["running", "done", "failed"].map((s) => ["run_", s] as [string, string]),
      ...["TOO_SMALL", "INCONCLUSIVE", "POSITIVE", "NEGATIVE"].map((s) => ["verdict_", s] as [string, string]),
      ...JOB_STATES.map((s) => ["impState_", s] as [string, string]),
      ...KINDS.map((s) => ["impKind_", s] as [string, string]),
      ...["comma", "tab"].map((s) => ["delim_", s] as [string, string]),
    ];
    for (const [prefix, value] of values) {
      expect(valueLabel("ja", prefix, value), prefix + value).toMatch(CODE_OR_JAPANESE);
    }
    expect(valueLabel("ja", "status_", "brand_new")).toBe("brand_new");  // unknown: shown as sent
  });
  it("word an alert's reason from its figures", () => {
    expect(alertReason("ja", "churn_risk", { overdue_ratio: 1.84, typical_interval_days: 30.2 }))
      .toBe("標準購買間隔 30 日の 1.8 倍経過");
    expect(alertReason("en", "call", { overdue_ratio: 2, typical_interval_days: 14 }))
      .toBe("2.0× its typical interval of 14 days");
    expect(alertReason("ja", "high_intent", {})).toMatch(JAPANESE);
  });
  it("format a timestamp per locale, not as ISO", () => {
    const iso = "2026-05-01T05:03:00+00:00";
    expect(fmtDateTime("ja", iso)).toMatch(/^2026\/05\/01 \d{1,2}:03$/);
    expect(fmtDateTime("en", iso)).toMatch(/^May 1, 2026, \d{1,2}:03\s?[AP]M$/);
  });
});
