import { ThemeProvider } from "@saleor/macaw-ui";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { AppContext } from "../context";
import { type Lang, translate } from "../i18n";
import { HEAD_BYTES, headLength, guessColumns, type MappingField, missingFields } from "../importDoc";
import { Imports } from "./Imports";

const FIELDS: MappingField[] = [
  { name: "external_id", ja: "注文番号", required: true }, { name: "created_at", ja: "注文日時", required: true },
  { name: "created_date", ja: "注文日", required: false }, { name: "total_gross", ja: "合計金額", required: true },
  { name: "sku", ja: "商品番号", required: false }, { name: "quantity", ja: "数量", required: false }];
const RAKUTEN = { encoding: "cp932", delimiter: "comma", header: ["受注番号", "注文日時", "合計金額"],
  rows: [["1-1", "2024-04-01 10:15:00", "\\3,520"]], format: "rakuten", format_label: "楽天市場 RMS 受注CSV",
  formats: { rakuten: "楽天市場 RMS 受注CSV" }, mapping_fields: FIELDS };
const ERP = { ...RAKUTEN, header: ["伝票番号", "受注日", "品番", "金額合計"], rows: [["D-1", "R6.4.9", "TEA", "17,600"]],
  format: "", format_label: "" };
const job = (state: string, extra = {}) => ({ id: 7, kind: "orders", state, file_name: "r.csv", file_bytes: 10,
  format: "rakuten", encoding: "cp932", delimiter: "comma", rows_read: 4, orders_total: 3, orders_done: state === "finished" ? 3 : 0,
  progress: state === "finished" ? 1 : 0, created: state === "finished" ? 3 : 0, updated: 0, unchanged: 0,
  rows_refused: 0, accounts_rescored: 2, error: "", errors: [], error_report_url: "", same_file_as: null,
  queued_at: "2026-12-03T10:00:00Z", started_at: null, finished_at: null, ...extra });

interface Sent { method: string; path: string; form?: FormData; json?: unknown }

/** The page against stand-in REST endpoints: `answers` maps "METHOD path" to a body. */
function mount(answers: Record<string, unknown>, lang: Lang = "en") {
  const sent: Sent[] = [];
  vi.stubGlobal("fetch", vi.fn(async (url: string, init: RequestInit = {}) => {
    const path = url.replace(/^.*\/api\/v1\//, "");
    const method = init.method ?? "GET";
    sent.push({ method, path, form: init.body instanceof FormData ? init.body : undefined,
                json: typeof init.body === "string" ? JSON.parse(init.body) : undefined });
    const body = answers[`${method} ${path}`];
    const status = (body as { status?: number })?.status ?? 200;
    return new Response(JSON.stringify(body ?? []), { status, headers: { "Content-Type": "application/json" } });
  }));
  render(
    <ThemeProvider>
      <AppContext.Provider value={{ token: "token", lang, t: (k) => translate(lang, k), channel: "default-channel",
        setChannel: () => undefined, channels: [], permissions: ["MANAGE_ORDERS"], userPermissions: ["MANAGE_ORDERS"] }}>
        <Imports />
      </AppContext.Provider>
    </ThemeProvider>);
  return sent;
}

const pick = (name: string) => fireEvent.change(screen.getByTestId("imp-file"),
  { target: { files: [new File(["受注番号,注文日時,合計金額\r\n1-1,2024-04-01,3520\r\n"], name)] } });

afterEach(() => { cleanup(); vi.unstubAllGlobals(); vi.useRealTimers(); });

describe("the import page", () => {
  it("shows a recognised file's first rows, imports it and follows the job to its counts", async () => {
    const sent = mount({ "POST imports/sample": RAKUTEN, "POST imports/preview": { orders: [{}, {}], errors: [], format: "rakuten" },
                         "POST imports": job("running"), "GET imports/7": job("finished") }, "ja");
    pick("rakuten.csv");
    expect((await screen.findByTestId("imp-encoding")).textContent).toContain("Shift_JIS");
    expect(screen.getByTestId("imp-format").textContent).toContain("楽天市場 RMS 受注CSV");
    expect(screen.getByTestId("imp-rows").textContent).toContain("\\3,520");
    expect((await screen.findByTestId("imp-preview")).textContent).toContain("2 件の注文");
    fireEvent.click(screen.getByTestId("imp-start"));
    await waitFor(() => expect(screen.getByTestId("imp-job-state").getAttribute("data-state")).toBe("finished"),
                  { timeout: 3000 });
    expect(screen.getByTestId("imp-created").textContent).toContain("3");
    expect(screen.getByTestId("imp-job-state").textContent).toContain("完了");
    const upload = sent.find((s) => s.method === "POST" && s.path === "imports")!;
    expect(upload.form!.get("kind")).toBe("orders");
    expect(upload.form!.get("channel")).toBe("default-channel");
    expect(upload.form!.get("mapping")).toBeNull();  // the detected format: nothing to name
  });

  it("drafts a column mapping for an unknown sheet, and saves it only once every needed field has a column", async () => {
    const sent = mount({ "POST imports/sample": ERP, "POST imports/mappings": { name: "erp" },
                         "POST imports/preview": { orders: [{}], errors: [], format: "mapping" } });
    pick("erp.csv");
    expect((await screen.findByTestId("imp-format")).textContent).toContain("No known format");
    expect(screen.getByTestId("imp-missing").textContent).toContain("external_id");
    expect((screen.getByTestId("imp-save-mapping") as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId("imp-start") as HTMLButtonElement).disabled).toBe(true);
    for (const [column, field] of [["伝票番号", "external_id"], ["受注日", "created_date"], ["金額合計", "total_gross"]]) {
      fireEvent.change(document.querySelector(`[data-column="${column}"]`)!, { target: { value: field } });
    }
    fireEvent.change(screen.getByTestId("imp-mapping-name"), { target: { value: "erp" } });
    fireEvent.click(screen.getByTestId("imp-save-mapping"));
    await waitFor(() => expect(sent.some((s) => s.path === "imports/mappings" && s.method === "POST")).toBe(true));
    const saved = sent.find((s) => s.path === "imports/mappings" && s.method === "POST")!.json as Record<string, unknown>;
    // 品番 is no field's name (商品番号 is): left out.
    expect(saved.columns).toEqual({ 伝票番号: "external_id", 受注日: "created_date", 金額合計: "total_gross" });
    // Saved: the file is read with it, by name.
    await waitFor(() => expect(sent.some((s) => s.path === "imports/preview" && s.form!.get("mapping") === "erp")).toBe(true));
  });

  it("shows a refused file's reason in Japanese", async () => {
    mount({ "POST imports/sample": { status: 422, detail: "line 1: the file is empty", detail_ja: "ファイルが空です",
                                     errors: [{ row: 1, field: "file", message: "empty", message_ja: "ファイルが空です" }] } }, "ja");
    pick("empty.csv");
    expect((await screen.findByTestId("imp-refused")).textContent).toContain("ファイルが空です");
  });
});

describe("the import page's logic", () => {
  it("cuts a file's head after its last whole line", () => {
    const bytes = new Uint8Array(HEAD_BYTES + 1).fill(0x41);
    bytes[10] = 0x0a;
    bytes[HEAD_BYTES - 5] = 0x0a;
    expect(headLength(bytes)).toBe(HEAD_BYTES - 4);
    expect(headLength(bytes.subarray(0, 20))).toBe(20);
  });
  it("drafts columns by English or Japanese field names, and knows what is still missing", () => {
    const columns = guessColumns(["注文番号", "Total_Gross", "注文日", "メモ"], FIELDS);
    expect(columns).toEqual({ 注文番号: "external_id", Total_Gross: "total_gross", 注文日: "created_date" });
    expect(missingFields(columns, FIELDS)).toEqual([]);  // a date column stands in for created_at
    expect(missingFields({ 注文番号: "external_id" }, FIELDS)).toEqual(["created_at", "total_gross"]);
  });
});
