import { describe, expect, it } from "vitest";

import { specWords } from "./pages/Accounts";

import { cohortGrid, cohortParams, dimensionParam, movementGrid, movementSpec, orderValues, parseBands, pivotSeries,
  sankeyData, scoreByInterval } from "./pages/Analyses";

describe("the Analyses page's helpers", () => {
  it("opens a cohort as its first-purchase month", () => {
    expect(cohortParams("2024-02")).toEqual({ firstFrom: "2024-02-01", firstTo: "2024-02-29" });
    expect(cohortParams("2025-12")).toEqual({ firstFrom: "2025-12-01", firstTo: "2025-12-31" });
  });
  it("says a dimension value in the account list's words, or not at all", () => {
    expect(dimensionParam("cpm_cell", "excellent_active")).toEqual({ cpmCells: "EXCELLENT_ACTIVE" });
    expect(dimensionParam("r_score", "3")).toEqual({ r: "3" });
    expect(dimensionParam("prefecture", "東京都")).toBeNull();
  });
  it("orders a dimension's values as the shop reads them", () => {
    expect(orderValues("stage", ["lost", "new", "loyal", "new"])).toEqual(["new", "loyal", "lost"]);
    expect(orderValues("r_score", ["1", "5", "3"])).toEqual(["5", "3", "1"]);
    expect(orderValues("prefecture", ["", "大阪府", "東京都"])).toEqual(["大阪府", "東京都", ""]);
  });
  it("reads band bounds typed with commas, 、 or spaces", () => {
    expect(parseBands("0, 5000、20000 50000")).toEqual([0, 5000, 20000, 50000]);
    expect(parseBands("0, five")).toBeNull();
  });
  it("lays cohorts newest first and sums RFMi cells per score and I", () => {
    const cells = [
      { cohort: "2024-01", monthsSince: 0, cohortAccounts: 2, activeAccounts: 2, retention: 1, revenuePerAccount: 5, cumulativeLtv: 5 },
      { cohort: "2024-01", monthsSince: 1, cohortAccounts: 2, activeAccounts: 1, retention: 0.5, revenuePerAccount: 3, cumulativeLtv: 8 },
      { cohort: "2024-02", monthsSince: 0, cohortAccounts: 1, activeAccounts: 1, retention: 1, revenuePerAccount: 4, cumulativeLtv: 4 },
    ];
    const grid = cohortGrid(cells, "cumulativeLtv", (c) => String(c.cumulativeLtv));
    expect(grid.rows).toEqual(["2024-02", "2024-01"]);
    expect(grid.cells[1][1]?.value).toBe(8);
    expect(grid.cells[0][1]).toBeNull();
    const rfmi = scoreByInterval([
      { rScore: 5, fScore: 1, mScore: 1, iScore: 0, accounts: 3, revenue: 1 },
      { rScore: 5, fScore: 2, mScore: 1, iScore: 0, accounts: 2, revenue: 1 },
    ], "rScore");
    expect(rfmi[0][0].value).toBe(5);
  });
  it("pivots trend points by day and lays the movement from × to with totals", () => {
    const { values, rows } = pivotSeries([
      { day: "2026-02-01", value: "lost", accounts: 4 }, { day: "2026-01-01", value: "new", accounts: 2 },
      { day: "2026-01-01", value: "lost", accounts: 1 }, { day: "2026-02-01", value: "new", accounts: 0 },
    ], (v) => orderValues("stage", v));
    expect(values).toEqual(["new", "lost"]);
    expect(rows).toEqual([{ day: "2026-01-01", new: 2, lost: 1 }, { day: "2026-02-01", lost: 4, new: 0 }]);
    const grid = movementGrid([
      { fromStage: "new", toStage: "dormant", accounts: 3 }, { fromStage: "", toStage: "new", accounts: 5 },
      { fromStage: "new", toStage: "new", accounts: 2 }, { fromStage: "loyal", toStage: "", accounts: 1 },
    ]);
    expect(grid.from).toEqual(["new", "loyal", ""]);
    expect(grid.to).toEqual(["new", "dormant", ""]);
    expect(grid.cell("new", "dormant")).toBe(3);
    expect(grid.cell("loyal", "new")).toBe(0);
    expect(grid.rowTotal("new")).toBe(5);
    expect(grid.columnTotal("new")).toBe(7);
  });
  it("draws the movement as Sankey bands and opens a cell by the stage on each day", () => {
    const moves = [{ fromStage: "new", toStage: "dormant", accounts: 3 }, { fromStage: "", toStage: "new", accounts: 5 },
      { fromStage: "new", toStage: "new", accounts: 0 }];
    const { nodes, links } = sankeyData(moves);
    expect(nodes).toEqual([{ stage: "new", side: "from" }, { stage: "", side: "from" },
      { stage: "new", side: "to" }, { stage: "dormant", side: "to" }]);
    expect(links).toEqual([{ source: 0, target: 3, value: 3, fromStage: "new", toStage: "dormant" },
      { source: 1, target: 2, value: 5, fromStage: "", toStage: "new" }]);
    const words = specWords("ja", movementSpec("2026-01-01", "2026-02-01", "", "loyal"), "未スコア");
    expect(words).toHaveLength(2);
    expect(words[0]).toMatch(/2026.*未スコア$/);
    expect(words[1]).not.toMatch(/loyal/);  // the stage's Japanese name, not its key
    expect(specWords("en", "{not json", "none")).toEqual([]);
    expect(JSON.parse(movementSpec("2026-01-01", "2026-02-01", "", "loyal"))).toEqual({ all: [
      { stage_on: { day: "2026-01-01", stages: ["none"] } }, { stage_on: { day: "2026-02-01", stages: ["loyal"] } }] });
  });
});
