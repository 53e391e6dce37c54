import { ThemeProvider } from "@saleor/macaw-ui";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { AppContext } from "../context";
import { type Lang, translate } from "../i18n";
import { changes, toForm, type Thresholds as Page } from "../thresholdsDoc";
import { Thresholds } from "./Thresholds";

const VALUES = { rfm_r_method: "quantile", rfm_r_bounds: [31, 91, 181, 366], rfm_m_bounds: null,
  cpm_lapsed_after_days: 240, cpm_high_spend: { JPY: 70000 }, churn_grace_factor: 1.5, sku_per_unit: true };
const PAGE: Page = {
  channel: "c", values: JSON.stringify(VALUES), defaults: JSON.stringify(VALUES), canEdit: true, updatedAt: null,
  updatedBy: null, proposal: JSON.stringify({ cpm_high_spend: { JPY: 120000 }, rfm_r_bounds: [10, 20, 40, 80] }),
  proposalBasis: JSON.stringify({ cpm_high_spend: "リピート顧客の累計購入金額の80パーセンタイル", rfm_r_bounds: "…" }),
  groups: [{ name: "rfm", fields: ["rfm_r_method", "rfm_r_bounds", "rfm_m_bounds"] },
    { name: "cpm", fields: ["cpm_lapsed_after_days", "cpm_high_spend"] }, { name: "rhythm", fields: ["churn_grace_factor", "sku_per_unit"] }],
};
const PREVIEW = { accounts: 120, dimensions: [{ name: "cpm_cell", changed: 7,
  counts: [{ value: "steady_active", before: 10, after: 17 }, { value: "trendy_active", before: 9, after: 2 },
    { value: "first_active", before: 30, after: 30 }], moves: [{ from: "trendy_active", to: "steady_active", accounts: 7 }] }] };

function mount(answer: (body: { query: string; variables: Record<string, unknown> }) => unknown, lang: Lang = "ja") {
  const sent: { query: string; variables: Record<string, unknown> }[] = [];
  vi.stubGlobal("fetch", vi.fn(async (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body));
    sent.push(body);
    return new Response(JSON.stringify({ data: answer(body) }), { headers: { "Content-Type": "application/json" } });
  }));
  render(
    <ThemeProvider>
      <AppContext.Provider value={{ token: "token", lang, t: (k) => translate(lang, k), channel: "c", setChannel: () => undefined,
        channels: [{ channel: "c", currencies: ["JPY"], accounts: 120 }], permissions: [], userPermissions: [] }}>
        <Thresholds />
      </AppContext.Provider>
    </ThemeProvider>);
  return sent;
}

const page = (over: Partial<Page> = {}) => ({ ltvThresholds: { ...PAGE, ...over } });
afterEach(() => { cleanup(); vi.unstubAllGlobals(); });

describe("the Thresholds page", () => {
  it("previews a changed CPM bound before saving it, and saves only what changed", async () => {
    const sent = mount((b) => b.query.startsWith("mutation")
      ? { ltvThresholdsUpdate: { changed: ["cpm_high_spend"], errors: [], thresholds: { updatedAt: "2026-12-03T10:00:00Z" } } }
      : b.query.includes("Preview") ? { ltvThresholdsPreview: PREVIEW } : page());
    const spend = await screen.findByLabelText("高額購入の境界（累計金額・通貨ごと）");
    expect((screen.getByTestId("thresholds-save") as HTMLButtonElement).disabled).toBe(true);  // nothing previewed yet
    fireEvent.change(spend, { target: { value: "100000" } });
    const row = await screen.findByText("コツコツ現役客");
    expect(row.closest("tr")!.querySelector("[data-field=delta]")!.textContent).toBe("+7");
    expect(screen.queryByText("初回現役客")).toBeNull();  // unchanged counts are not listed
    expect(screen.getByText(/7 顧客が移動/)).toBeTruthy();
    const preview = sent.find((b) => b.query.includes("Preview"))!;
    expect(JSON.parse(preview.variables.input as string)).toEqual({ cpm_high_spend: { JPY: 100000 } });
    await waitFor(() => expect((screen.getByTestId("thresholds-save") as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId("thresholds-save"));
    await waitFor(() => expect(sent.some((b) => b.query.startsWith("mutation"))).toBe(true));
    const saved = sent.find((b) => b.query.startsWith("mutation"))!;
    expect(JSON.parse(saved.variables.input as string)).toEqual({ cpm_high_spend: { JPY: 100000 } });
  });

  it("fills the proposal in with its basis, and shows the API's reason next to the field", async () => {
    mount((b) => b.query.includes("Preview") ? null : page());
    // The stand-in answers the preview with an error naming the field (as the server does for bad input).
    vi.stubGlobal("fetch", vi.fn(async (_u: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body));
      const data = body.query.includes("Preview") ? undefined : page();
      const errors = body.query.includes("Preview") ? [{ message: "invalid", extensions: { exception: { code: "GraphQLError" },
        fields: [{ field: "rfm_r_bounds", message: "must increase", messageJa: "前の値より大きくなるように指定してください" }] } }] : undefined;
      return new Response(JSON.stringify({ data, errors }), { headers: { "Content-Type": "application/json" } });
    }));
    fireEvent.click(await screen.findByTestId("thresholds-propose"));
    expect((screen.getByLabelText("高額購入の境界（累計金額・通貨ごと）") as HTMLInputElement).value).toBe("120000");
    expect(screen.getByTestId("basis-cpm_high_spend").textContent).toContain("80パーセンタイル");
    fireEvent.change(screen.getByLabelText("R の境界値（最終購入からの日数）"), { target: { value: "30, 20, 60, 90" } });
    expect((await screen.findByTestId("error-rfm_r_bounds")).textContent).toBe("前の値より大きくなるように指定してください");
    expect((screen.getByTestId("thresholds-save") as HTMLButtonElement).disabled).toBe(true);
  });

  it("is read-only without MANAGE_PLUGINS", async () => {
    mount(() => page({ canEdit: false }), "en");
    expect(((await screen.findByLabelText("R scoring")) as HTMLSelectElement).closest("fieldset")!.disabled).toBe(true);
    expect(screen.getByTestId("missing-permission").dataset.permission).toBe("MANAGE_PLUGINS");
    expect(screen.queryByTestId("thresholds-save")).toBeNull();
  });
});

describe("the thresholds form", () => {
  it("sends nothing when nothing changed, and numbers as numbers", () => {
    const form = toForm(VALUES, ["JPY", "USD"]);
    expect(changes(VALUES, form)).toEqual({});
    expect(changes(VALUES, { ...form, rfm_r_bounds: "30、60 120 240", rfm_m_bounds: "JPY: 1, 2, 3, 4",
                             churn_grace_factor: "2", "cpm_high_spend:USD": "500" })).toEqual({
      rfm_r_bounds: [30, 60, 120, 240], rfm_m_bounds: { JPY: [1, 2, 3, 4] }, churn_grace_factor: 2,
      cpm_high_spend: { JPY: 70000, USD: 500 } });
    expect(changes(VALUES, { ...form, cpm_lapsed_after_days: "abc" })).toEqual({ cpm_lapsed_after_days: "abc" });
  });
});
