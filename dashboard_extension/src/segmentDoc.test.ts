import { describe, expect, it } from "vitest";

import { fromSpec, newGroup, newRow, toSpec } from "./segmentDoc";

describe("the segment builder's tree", () => {
  it("writes the issue's example as the filter language and reads it back", () => {
    const root = newGroup("all");
    root.items = [
      { ...newRow("bought"), v: { item: "SUP-0176", withinDays: "365" } },
      { ...newRow("bought"), negate: true, v: { item: "SUP-0176", withinDays: "90" } },
      { ...newRow("region"), v: { value: "kanto" } },
      { ...newRow("consent"), v: { medium: "email", states: "granted,unknown" } },
      { ...newGroup("any"), items: [{ ...newRow("tag"), v: { values: "vip, 展示会" } },
        { ...newRow("metric"), v: { field: "p_alive", gte: "0.5" } }] },
      newRow("viewed"),  // incomplete: left out
    ];
    const spec = toSpec(root);
    expect(spec).toEqual({ all: [
      { bought: { sku: "SUP-0176", within_days: 365 } }, { not: { bought: { sku: "SUP-0176", within_days: 90 } } },
      { regions: ["kanto"] }, { consent: { medium: "email", states: ["granted", "unknown"] } },
      { any: [{ tags: ["vip", "展示会"] }, { p_alive: { gte: 0.5 } }] }] });
    expect(toSpec(fromSpec(spec))).toEqual(spec);
  });
  it("reads a flat stored filter as rows of one group", () => {
    const group = fromSpec({ stages: ["loyal"], overdue_ratio: { gte: "1.0" }, channel: "x" });
    expect(group.items.map((i) => i.kind === "row" && i.type)).toEqual(["stage", "metric"]);
    expect(toSpec(group)).toEqual({ all: [{ stages: ["loyal"] }, { overdue_ratio: { gte: 1 } }] });
  });
});
