import { describe, expect, it } from "vitest";

import { shade } from "./components/Heatmap";
import { enumLabel, langOf } from "./i18n";
import { filterFromQuery } from "./pages/Accounts";
import { cpmCells, rfmCells } from "./pages/Overview";

describe("filterFromQuery", () => {
  it("turns the URL into the API's filter input", () => {
    const q = new URLSearchParams("stages=LOYAL&stages=REPEAT&r=3&f=5&pAliveMin=0.5&nextFrom=2026-12-01&churnRisk=true");
    expect(filterFromQuery(q, "web")).toEqual({
      channel: "web", stages: ["LOYAL", "REPEAT"], rScore: { gte: 3, lte: 3 }, fScore: { gte: 5, lte: 5 },
      pAlive: { gte: 0.5, lte: undefined }, nextPurchaseOn: { gte: "2026-12-01", lte: undefined }, churnRisk: true,
    });
  });
  it("lets the URL's channel win and leaves out what is not set", () => {
    expect(filterFromQuery(new URLSearchParams("channel=b2b&pAliveMin="), "web")).toEqual({ channel: "b2b" });
  });
});

describe("heatmaps", () => {
  it("shades by the square root of the share of the largest cell", () => {
    expect(shade(0, 100)).toBe(0);
    expect(shade(25, 100)).toBeCloseTo(0.5);
    expect(shade(100, 100)).toBe(1);
    expect(shade(5, 0)).toBe(0);
  });
  it("lays CPM out as 2 statuses × 5 groups and fills missing cells with zero", () => {
    const grid = cpmCells([{ value: "steady_lapsed", accounts: 7, revenue: 1000 }], "en", "JPY");
    expect(grid.map((row) => row.map((c) => c!.key))).toEqual([
      ["first_active", "toddler_active", "steady_active", "trendy_active", "excellent_active"],
      ["first_lapsed", "toddler_lapsed", "steady_lapsed", "trendy_lapsed", "excellent_lapsed"]]);
    expect(grid[1][2]!.value).toBe(7);
    expect(grid[0][0]!.value).toBe(0);
  });
  it("puts RFM's R5 on top and F1 on the left", () => {
    const grid = rfmCells([{ recency: 5, frequency: 1, accounts: 3, revenue: 0 }], "en", "JPY");
    expect(grid[0][0]).toMatchObject({ key: "5:1", value: 3 });
    expect(grid[4][4]).toMatchObject({ key: "1:5", value: 0 });
  });
});

describe("i18n", () => {
  it("picks Japanese for any ja locale and names enums in both", () => {
    expect(langOf("ja-JP")).toBe("ja");
    expect(langOf("en")).toBe("en");
    expect(enumLabel("ja", "stage", "FIRST_REPEAT")).toBe("初回リピート顧客");
    expect(enumLabel("en", "cpm", "excellent_lapsed")).toBe("Excellent · lapsed");
    expect(enumLabel("en", "rfm", null)).toBe("—");
  });
});
