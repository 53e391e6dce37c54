import { describe, expect, it } from "vitest";

import {
  addBlock, addVariant, AUTO_WINNER_DEFAULT, autoWinnerHint, autoWinnerOf, balancedWeights, canMoveDown, canMoveUp, coerce, type FlowDoc, insertStep, insertToken, layout,
  type Item, moveBlock, moveDown, moveUp, normalizeVocabulary, problemsByStep, removeStep, removeVariant, segmentPk,
  paramsOf, setAutoWinner, setAutoWinnerField, shares, successors, triggerSpecs, variantsByStep, withParams,
} from "./flowDoc";

const linear = (): FlowDoc => ({
  trigger: { kind: "metric", metric: "churn_risk" }, start: "a",
  steps: [{ id: "a", kind: "send", next: "b" }, { id: "b", kind: "delay", hours: 24, next: "c" },
          { id: "c", kind: "send", next: null }],
});

/** Follow `next` from the start: the order a buyer goes through a linear flow. */
const path = (doc: FlowDoc) => {
  const out: string[] = [];
  for (let id: string | null | undefined = doc.start; id;) {
    out.push(id);
    id = doc.steps.find((s) => s.id === id)?.next;
  }
  return out;
};

/** Every pointer names a step of the document (what the API would call dangling otherwise). */
const dangling = (doc: FlowDoc) => doc.steps.flatMap((s) => successors(s)).concat(doc.start ? [doc.start] : [])
  .filter((id) => !doc.steps.some((s) => s.id === id));

describe("adding and removing steps", () => {
  it("inserts after a step and keeps what followed", () => {
    const { doc, id } = insertStep(linear(), { step: "a", slot: "next" }, "delay");
    expect(path(doc)).toEqual(["a", id, "b", "c"]);
    expect(doc.steps.at(-1)).toMatchObject({ id, kind: "delay", hours: 24 });
    expect(doc.steps.slice(0, 3).map((s) => s.id)).toEqual(["a", "b", "c"]);  // indexes of old steps kept
  });
  it("inserts at the start and at a lane's end", () => {
    const first = insertStep(linear(), { step: null }, "send", "ja");
    expect(path(first.doc)[0]).toBe(first.id);
    expect(first.doc.steps.at(-1)!.content).toEqual({ ja: { subject: "", preheader: "", blocks: [] } });
    const last = insertStep(linear(), { step: "c", slot: "next" }, "exit");
    expect(path(last.doc)).toEqual(["a", "b", "c", last.id]);
    expect(last.doc.steps.at(-1)!.next).toBeUndefined();
  });
  it("gives a split both branches continuing where the flow went on, and an A/B step two halves", () => {
    const split = insertStep(linear(), { step: "b", slot: "next" }, "split").doc;
    expect(split.steps.at(-1)).toMatchObject({ kind: "split", yes: "c", no: "c", condition: { kind: "opened" } });
    const ab = insertStep(linear(), { step: "a", slot: "next" }, "ab").doc.steps.at(-1)!;
    expect(ab.variants).toEqual([{ key: "A", weight: 50, next: "b" }, { key: "B", weight: 50, next: "b" }]);
  });
  it("re-links around a removed step", () => {
    const doc = removeStep(linear(), "b");
    expect(path(doc)).toEqual(["a", "c"]);
    expect(path(removeStep(linear(), "a"))).toEqual(["b", "c"]);
    expect(dangling(removeStep(linear(), "c"))).toEqual([]);
  });
  it("removes a split with the steps only its no-branch reached, keeps the yes-branch", () => {
    let doc = insertStep(linear(), { step: "b", slot: "next" }, "split").doc;
    const split = doc.steps.at(-1)!.id;
    const only = insertStep(doc, { step: split, slot: "no" }, "staff");
    doc = only.doc;
    const after = removeStep(doc, split);
    expect(after.steps.map((s) => s.id)).toEqual(["a", "b", "c"]);
    expect(path(after)).toEqual(["a", "b", "c"]);
    expect(dangling(after)).toEqual([]);
  });
  it("leaves steps that were detached before a removal alone", () => {
    const doc = { ...linear(), steps: [...linear().steps, { id: "lost", kind: "send", next: null }] };
    expect(removeStep(doc, "b").steps.map((s) => s.id)).toEqual(["a", "c", "lost"]);
  });
  it("re-links every step that pointed at the removed one (branches meeting again)", () => {
    const doc: FlowDoc = { trigger: { kind: "x" }, start: "s", steps: [
      { id: "s", kind: "split", condition: { kind: "ordered" }, yes: "m", no: "n" },
      { id: "n", kind: "send", next: "m" }, { id: "m", kind: "delay", hours: 1, next: "z" }, { id: "z", kind: "exit" }] };
    const out = removeStep(doc, "m");
    expect(out.steps.find((s) => s.id === "s")!.yes).toBe("z");
    expect(out.steps.find((s) => s.id === "n")!.next).toBe("z");
  });
});

describe("moving steps", () => {
  it("swaps a step with its neighbour in the lane", () => {
    expect(path(moveDown(linear(), "a"))).toEqual(["b", "a", "c"]);
    expect(path(moveUp(linear(), "c"))).toEqual(["a", "c", "b"]);
    expect(path(moveDown(moveDown(linear(), "a"), "a"))).toEqual(["b", "c", "a"]);
  });
  it("does not move past the ends or across a split", () => {
    expect(canMoveUp(linear(), "a")).toBe(false);
    expect(canMoveDown(linear(), "c")).toBe(false);
    const doc = insertStep(linear(), { step: "a", slot: "next" }, "split").doc;
    expect(canMoveDown(doc, "a")).toBe(false);
    expect(moveDown(doc, "a")).toBe(doc);
  });
  it("moves inside a branch lane", () => {
    let doc = insertStep(linear(), { step: "c", slot: "next" }, "split").doc;
    const split = doc.steps.at(-1)!.id;
    const x = insertStep(doc, { step: split, slot: "yes" }, "delay");
    const y = insertStep(x.doc, { step: x.id, slot: "next" }, "send");
    doc = moveUp(y.doc, y.id);
    expect(doc.steps.find((s) => s.id === split)!.yes).toBe(y.id);
    expect(doc.steps.find((s) => s.id === y.id)!.next).toBe(x.id);
  });
});

describe("A/B variants", () => {
  it("balances weights to 100 however many variants", () => {
    for (const n of [2, 3, 4]) {
      const w = balancedWeights(n);
      expect(w.reduce((a, b) => a + b, 0)).toBe(100);
      expect(Math.max(...w) - Math.min(...w)).toBeLessThanOrEqual(1);
    }
  });
  it("adds up to four variants and keeps at least two", () => {
    let doc = insertStep(linear(), { step: "a", slot: "next" }, "ab").doc;
    const id = doc.steps.at(-1)!.id;
    for (let i = 0; i < 5; i++) doc = addVariant(doc, id);
    expect(doc.steps.at(-1)!.variants!.map((v) => v.key)).toEqual(["A", "B", "C", "D"]);
    doc = removeVariant(removeVariant(removeVariant(doc, id, "B"), id, "C"), id, "A");
    expect(doc.steps.at(-1)!.variants!.map((v) => [v.key, v.weight])).toEqual([["A", 50], ["D", 50]]);
  });
  it("reads shares from weights that need not add to 100", () => {
    const s = shares([{ key: "A", weight: 30, next: null }, { key: "B", weight: 10, next: null }]);
    expect(s[0] / s[1]).toBeCloseTo(3);
    expect(s[0] + s[1]).toBeCloseTo(1);
  });
});

describe("the drawing", () => {
  const ids = (items: Item[]): string[] => items.flatMap((i) => (i.type === "step" ? [i.id]
    : i.type === "branch" ? i.lanes.flatMap((l) => ids(l.items)) : []));
  it("draws every reachable step once, a split as two lanes, and names detached steps", () => {
    let doc = insertStep(linear(), { step: "b", slot: "next" }, "split").doc;
    const split = doc.steps.at(-1)!.id;
    doc = insertStep(doc, { step: split, slot: "no" }, "staff").doc;
    doc = { ...doc, steps: [...doc.steps, { id: "lost", kind: "send", next: null }] };
    const { main, detached } = layout(doc);
    const drawn = ids(main);
    expect(new Set(drawn).size).toBe(drawn.length);
    expect(drawn.sort()).toEqual(doc.steps.map((s) => s.id).filter((i) => i !== "lost").sort());
    expect(detached).toEqual(["lost"]);
    const branch = main.find((i) => i.type === "branch")!;
    expect(branch.type === "branch" && branch.lanes.map((l) => l.label)).toEqual(["yes", "no"]);
    // The no-branch's staff step continues to c, which the yes-branch drew: a goto there.
    const no = branch.type === "branch" ? branch.lanes[1].items : [];
    expect(no.map((i) => i.type)).toEqual(["step", "goto"]);
  });
  it("stops at a loop", () => {
    const doc: FlowDoc = { trigger: { kind: "x" }, start: "a", steps: [
      { id: "a", kind: "delay", hours: 1, next: "b" }, { id: "b", kind: "send", next: "a" }] };
    expect(layout(doc).main.map((i) => i.type)).toEqual(["step", "step", "goto"]);
  });
});

describe("problems and forms", () => {
  it("puts each problem on the step it names, or by its path's index", () => {
    const by = problemsByStep(linear(), [
      { field: "steps[1].hours", message: "", code: "out_of_range", step: "b" },
      { field: "steps[2].content.en.subject", message: "", code: "required", step: null },
      { field: "trigger.metric", message: "", code: "unknown", step: null }]);
    expect(by.get("b")!.map((p) => p.code)).toEqual(["out_of_range"]);
    expect(by.get("c")!.map((p) => p.code)).toEqual(["required"]);
    expect(by.get("")!.map((p) => p.field)).toEqual(["trigger.metric"]);
  });
  it("reads the vocabulary in either naming and adds an event's own fields to the trigger's", () => {
    const vocab = normalizeVocabulary(JSON.stringify({
      TRIGGERS: { event: { event: { kind: "choice", required: true, choices: ["checkout_abandoned"] } } },
      EVENTS: { checkout_abandoned: { idle_hours: { type: "number", min: 0, max: 720, required: true } } },
      STEPS: { delay: { hours: { kind: "number" } } }, EXITS: ["ordered"],
      merge_fields: { company: { ja: "会社名", en: "Company" } } }));
    const specs = triggerSpecs(vocab, { kind: "event", event: "checkout_abandoned" });
    expect(Object.keys(specs)).toEqual(["event", "idle_hours"]);
    expect(specs.idle_hours).toEqual({ kind: "number", required: true, minimum: 0, maximum: 720, choices: [] });
    expect(vocab.exits).toEqual(["ordered"]);
    expect(vocab.mergeFields).toEqual([{ key: "company", label: { ja: "会社名", en: "Company" } }]);
  });
  it("turns form text into the document's types, leaving a bad number for the API to name", () => {
    const spec = { kind: "int", required: false, minimum: 0, maximum: 23, choices: [] };
    expect(coerce(spec, "10")).toBe(10);
    expect(coerce(spec, "")).toBeUndefined();
    expect(coerce(spec, "1.5")).toBe("1.5");
    expect(coerce({ ...spec, kind: "number" }, "1.5")).toBe(1.5);
    expect(coerce({ ...spec, kind: "bool" }, "true")).toBe(true);
    expect(coerce({ ...spec, kind: "any" }, "loyal")).toBe("loyal");
  });
  it("reads a saved segment's pk from its global id", () => {
    expect(segmentPk(btoa("LtvSavedSegment:12"))).toBe(12);
    expect(segmentPk("not base64 !")).toBeNull();
  });
});

describe("content blocks", () => {
  it("keeps the footer last and single, moves blocks within bounds", () => {
    let c = addBlock({ en: { subject: "s", preheader: "", blocks: [] } }, "en", "footer");
    c = addBlock(addBlock(addBlock(c, "en", "text"), "en", "footer"), "en", "button");
    expect(c.en!.blocks.map((b) => b.kind)).toEqual(["text", "button", "footer"]);
    c = moveBlock(c, "en", 0, 1);
    expect(c.en!.blocks.map((b) => b.kind)).toEqual(["button", "text", "footer"]);
    expect(moveBlock(c, "en", 0, -1)).toEqual(c);
    expect(addBlock({}, "ja", "heading").ja).toEqual({ subject: "", preheader: "", blocks: [{ kind: "heading", text: "" }] });
  });
  it("inserts a merge field at the cursor, replacing a selection", () => {
    expect(insertToken("Dear , thanks", 5, 5, "company")).toEqual({ text: "Dear {company}, thanks", cursor: 14 });
    expect(insertToken("Hi X!", 3, 4, "name")).toEqual({ text: "Hi {name}!", cursor: 9 });
  });
});

describe("an A/B step's auto-winner", () => {
  const abDoc = (): FlowDoc => ({
    trigger: { kind: "metric", metric: "churn_risk" }, start: "ab",
    steps: [{ id: "ab", kind: "ab", variants: [{ key: "A", weight: 50, next: "m" }, { key: "B", weight: 50, next: "m" }] },
            { id: "m", kind: "send", next: null }],
  });
  it("switches on with a default, changes one field, drops one, switches off; other steps untouched", () => {
    const on = setAutoWinner(abDoc(), "ab");
    expect(autoWinnerOf(on.steps[0])).toEqual(AUTO_WINNER_DEFAULT);
    expect(on.steps[0].auto_winner).not.toBe(AUTO_WINNER_DEFAULT);  // a copy: editing it leaves the default alone
    const clicks = setAutoWinnerField(on, "ab", "metric", "clicks");
    const onlyDays = setAutoWinnerField(clicks, "ab", "min_recipients", undefined);
    expect(onlyDays.steps[0].auto_winner).toEqual({ metric: "clicks", min_days: 14 });
    expect(autoWinnerHint(autoWinnerOf(onlyDays.steps[0]))).toBeNull();
    const neither = setAutoWinnerField(onlyDays, "ab", "min_days", undefined);
    expect(autoWinnerHint(autoWinnerOf(neither.steps[0]))).toBe("needs_n_or_d");
    const off = setAutoWinner(neither, "ab", null);
    expect("auto_winner" in off.steps[0]).toBe(false);
    expect(off.steps[0].variants).toEqual(abDoc().steps[0].variants);
    expect(setAutoWinner(abDoc(), "m").steps[1]).toEqual(abDoc().steps[1]);  // only an A/B step carries one
    expect(setAutoWinnerField(abDoc(), "ab", "min_days", 3)).toEqual(abDoc());  // nothing to change while off
  });
  it("is kept as a parameter: the step's other fields do not drop it", () => {
    const on = setAutoWinner(abDoc(), "ab", { metric: "orders", min_recipients: 500 });
    expect(paramsOf(on.steps[0])).toEqual({ auto_winner: { metric: "orders", min_recipients: 500 } });
    expect(withParams(on.steps[0], paramsOf(on.steps[0]))).toEqual(on.steps[0]);
  });
  it("reads its fields from the vocabulary", () => {
    const vocab = normalizeVocabulary({ auto_winner: {
      metric: { type: "choice", required: true, min: null, max: null, choices: ["orders", "clicks"] },
      min_recipients: { type: "int", required: false, min: 10, max: 1000000, choices: [] } } });
    expect(vocab.autoWinner.metric).toMatchObject({ kind: "choice", required: true, choices: ["orders", "clicks"] });
    expect(vocab.autoWinner.min_recipients).toMatchObject({ kind: "int", minimum: 10, maximum: 1000000 });
    expect(normalizeVocabulary({}).autoWinner).toEqual({});
  });
});

describe("the report's A/B figures", () => {
  it("group by step, so two tests with the same variant names stay apart, each with its winner", () => {
    const v = (stepId: string, key: string, recipients: number) => ({ stepId, key, recipients });
    const groups = variantsByStep([v("ab1", "A", 10), v("ab1", "B", 12), v("ab2", "A", 7), v("ab2", "B", 15)],
      [{ stepId: "ab2", key: "B", decidedAt: "2026-12-03T06:00:00+00:00",
         figures: JSON.stringify({ metric: "clicks", days_running: 3.5,
                                   variants: [{ key: "A", recipients: 7, successes: 1, probability_best: 0.02 }] }) }]);
    expect(groups.map((g) => [g.stepId, g.variants.map((x) => `${x.key}:${x.recipients}`)])).toEqual([
      ["ab1", ["A:10", "B:12"]], ["ab2", ["A:7", "B:15"]]]);
    expect(groups[0].winner).toBeNull();
    expect(groups[1].winner).toMatchObject({ key: "B", figures: { metric: "clicks", days_running: 3.5 } });
    expect(groups[1].winner!.figures.variants![0].successes).toBe(1);
  });
});
