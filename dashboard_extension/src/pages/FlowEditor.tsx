// The flow editor: trigger and entry/exit/re-entry/holdout forms, the steps as a vertical sequence
// (a split's branches and an A/B step's variants side by side), the draft saved with its problems
// shown on the steps they name, and publishing. The document logic is flowDoc.ts's.
import { Box, Button, Text } from "@saleor/macaw-ui";
import { useCallback, useMemo, useRef, useState } from "react";

import { ApiError, gql } from "../api";
import { notify } from "../bridge";
import { FieldInput, Fields, type SegmentOption } from "../components/FlowFields";
import { Card, ErrorBox, Guard, MissingPermission } from "../components/ui";
import { useApp, useQuery } from "../context";
import { FLOW, type FlowFull, parseDraft, publishFlow, SCHEDULE, UPDATE, useSegments } from "../flowApi";
import {
  addVariant, autoWinnerHint, autoWinnerOf, type AutoWinner, canMoveDown, canMoveUp, defaultsFor, type FlowDoc, type FlowProblem, insertStep, isTemplateRef, type Item,
  layout, localPath, moveDown, moveUp, normalizeVocabulary, paramsOf, problemsByStep, removeStep, removeVariant, setWeight,
  setAutoWinner, setAutoWinnerField, shares, type Slot, type Step, triggerSpecs, updateStep, type Vocabulary, withField, withParams,
} from "../flowDoc";
import { fmtDateTime, fmtPct } from "../format";
import { choiceLabel, flowLabel, type Key } from "../i18n";
import { navigate, withQuery } from "../router";
import { ContentEditor } from "./ContentEditor";
import { EDIT_PERMISSION } from "./Scenarios";

export function FlowEditor({ id }: { id: string }) {
  const state = useQuery<{ ltvFlow: FlowFull | null; ltvFlowVocabulary: string }>(FLOW, { id });
  return (
    <Box display="flex" flexDirection="column" gap={4} data-testid="page-flow-editor">
      <Guard state={state} isEmpty={(d) => !d.ltvFlow}>
        {(d) => <Editor key={d.ltvFlow!.id} flow={d.ltvFlow!} vocabulary={normalizeVocabulary(d.ltvFlowVocabulary)} />}
      </Guard>
    </Box>
  );
}

type Problems = Map<string, FlowProblem[]>;

function Editor({ flow: initial, vocabulary }: { flow: FlowFull; vocabulary: Vocabulary }) {
  const { t, lang, token, channel, permissions } = useApp();
  const readOnly = !permissions.includes(EDIT_PERMISSION) || initial.state === "ARCHIVED";
  const [flow, setFlow] = useState(initial);
  const [doc, setDocState] = useState<FlowDoc>(() => parseDraft(initial));
  const [name, setName] = useState(initial.name);
  const [dirty, setDirty] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const [problems, setProblems] = useState<FlowProblem[]>(initial.problems);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const segments = useSegments(channel);
  const latest = useRef({ doc, name, dirty });
  latest.current = { doc, name, dirty };
  const setDoc = useCallback((next: FlowDoc) => { setDocState(next); setDirty(true); }, []);
  const broadcast = flow.kind === "BROADCAST";

  /** Saves the draft as it is on screen; true when it was taken (problems or not). */
  const save = useCallback(async (quiet = false): Promise<boolean> => {
    setError(undefined);
    const { doc: current, name: currentName } = latest.current;
    try {
      const data = await gql<{ ltvFlowUpdate: { flow: FlowFull; errors: { field?: string; message: string; code: string }[] } }>(
        token, UPDATE, { id: flow.id, name: currentName, definition: JSON.stringify(current) });
      const payload = data.ltvFlowUpdate;
      if (payload.errors.length) throw new ApiError(payload.errors[0].message, payload.errors[0].code, [], payload.errors);
      setFlow(payload.flow);
      setProblems(payload.flow.problems);
      if (latest.current.doc === current) setDirty(false);
      if (!quiet) notify("success", t("draftSaved"), currentName);
      return true;
    } catch (e) {
      setError(e as ApiError);
      return false;
    }
  }, [flow.id, token, t]);

  const publish = async () => {
    setBusy(true);
    try {
      if (latest.current.dirty && !(await save(true))) return;
      const sendAt = broadcast ? (doc.trigger.send_at as string | undefined) ?? null : undefined;
      const answer = await publishFlow(token, flow.id, broadcast ? SCHEDULE : undefined, broadcast ? { sendAt } : {});
      if (answer.problems?.length) setProblems(answer.problems);
      if (answer.errors.length) {
        const first = answer.errors[0];
        if (!answer.problems?.length) setError(new ApiError(first.message, first.code, [], answer.errors));
        return;
      }
      if (answer.flow) {
        setFlow(answer.flow);
        setProblems(answer.flow.problems);
        setDocState(parseDraft(answer.flow));
        setDirty(false);
      }
      notify("success", t("published"), name);
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };

  const byStep = useMemo(() => problemsByStep(doc, problems), [doc, problems]);
  const drawing = useMemo(() => layout(doc), [doc]);
  const insert = (at: Slot, kind: string) => {
    const specs = { ...(vocabulary.steps[kind] ?? {}) };
    const made = insertStep(doc, at, kind, lang, defaultsFor(specs));
    setDoc(made.doc);
    setOpen(made.id);
  };
  const ctx: StepContext = { doc, setDoc, vocabulary, byStep, open, setOpen, insert, segments, readOnly, flow,
                             ensureSaved: () => (latest.current.dirty ? save(true) : Promise.resolve(true)) };
  return (
    <>
      <Card testId="flow-header" title={
        <input className="ltv-title-input" value={name} aria-label={t("flowName")} data-testid="flow-name" readOnly={readOnly}
               onChange={(e) => { setName(e.target.value); setDirty(true); }} />} actions={<>
        <Button variant="secondary" onClick={() => navigate(withQuery("flows", { channel, kind: broadcast ? "BROADCAST" : undefined }))}
                data-testid="back">{t("back")}</Button>
        <Button variant="secondary" onClick={() => navigate(withQuery(`flows/${flow.id}/report`, { channel }))}
                data-testid="open-report">{t("openReport")}</Button>
        <Button variant="secondary" disabled={readOnly || busy} onClick={() => save()} data-testid="save-draft">{t("saveDraft")}</Button>
        <Button variant="primary" disabled={readOnly || busy} onClick={publish} data-testid="publish">
          {t(broadcast ? "schedule" : "publish")}</Button></>}>
        <Text size={2} color="default2" data-testid="flow-state" data-state={flow.state} data-dirty={String(dirty)}>
          {t(`state_${flow.state}` as Key)} · {flow.liveVersion
            ? `${t("version")} ${flow.liveVersion.number} (${fmtDateTime(lang, flow.liveVersion.publishedAt)})` : t("notPublished")}
          {(dirty || flow.hasUnpublishedChanges) && ` · ${t("unpublished")}`}</Text>
        {error && <ErrorBox error={error} />}
        <ProblemSummary problems={problems} flowLevel={byStep.get("") ?? []} />
      </Card>
      {readOnly && initial.state !== "ARCHIVED" && <MissingPermission permission={EDIT_PERMISSION} />}
      <FlowSettings doc={doc} setDoc={setDoc} vocabulary={vocabulary} segments={segments} broadcast={broadcast} readOnly={readOnly} />
      <Card title={t("steps")} testId="flow-steps">
        <Lane items={drawing.main} at={{ step: null }} ctx={ctx} />
        {drawing.detached.length > 0 && (
          <Box display="flex" flexDirection="column" gap={2} data-testid="detached-steps">
            <Text fontWeight="bold">{t("detached")}</Text>
            {drawing.detached.map((sid) => <StepCard key={sid} id={sid} ctx={ctx} />)}
          </Box>)}
      </Card>
    </>
  );
}

function ProblemSummary({ problems, flowLevel }: { problems: FlowProblem[]; flowLevel: FlowProblem[] }) {
  const { t } = useApp();
  if (!problems.length) return <Text size={2} color="success1" data-testid="no-problems">{t("noProblems")}</Text>;
  return (
    <Box data-testid="problems" data-count={problems.length} display="flex" flexDirection="column" gap={1}>
      <Text fontWeight="bold" color="critical1">{t("problemsTitle")} ({problems.length})</Text>
      {flowLevel.length > 0 && <ProblemList problems={flowLevel} />}
    </Box>
  );
}

function ProblemList({ problems, testId = "flow-problems" }: { problems: FlowProblem[]; testId?: string }) {
  const { lang } = useApp();
  return (
    <ul className="ltv-problems" data-testid={testId}>
      {problems.map((p, i) => (
        <li key={i} title={p.message} data-code={p.code} data-field={p.field}>
          {flowLabel(lang, `problem.${p.code}`)} <code>{localPath(p.field) || p.field}</code>
        </li>))}
    </ul>
  );
}

// ---- the flow-wide forms -----------------------------------------------------------------------------

function FlowSettings({ doc, setDoc, vocabulary, segments, broadcast, readOnly }: { doc: FlowDoc; setDoc: (d: FlowDoc) => void;
  vocabulary: Vocabulary; segments: SegmentOption[]; broadcast: boolean; readOnly: boolean }) {
  const { t, lang } = useApp();
  const kinds = Object.keys(vocabulary.triggers).filter((k) => (k === "broadcast") === broadcast);
  const ownSpecs = vocabulary.triggers[doc.trigger.kind] ?? {};
  const subName = doc.trigger.kind in vocabulary.subkinds ? Object.keys(ownSpecs)[0] : undefined;
  const setTrigger = (next: Record<string, unknown>) => {
    // A new event / metric / insight brings its own fields: the previous one's are dropped.
    if (subName && next[subName] !== doc.trigger[subName]) {
      const base = { kind: doc.trigger.kind, [subName]: next[subName] };
      setDoc({ ...doc, trigger: { ...defaultsFor(triggerSpecs(vocabulary, base)), ...base } });
    } else setDoc({ ...doc, trigger: next as FlowDoc["trigger"] });
  };
  const exits = doc.exit_on ?? ["ordered"];
  const reentry = doc.reentry ?? { mode: "never" };
  return (
    <fieldset disabled={readOnly} className="ltv-fieldset">
      <Card title={t("trigger")} testId="flow-trigger">
        <div className="ltv-filters">
          {!broadcast && (
            <label className="ltv-field">{t("trigger")}
              <select value={doc.trigger.kind} data-testid="trigger-kind" onChange={(e) => setDoc({ ...doc,
                trigger: { kind: e.target.value, ...defaultsFor(vocabulary.triggers[e.target.value] ?? {}) } })}>
                {kinds.map((k) => <option key={k} value={k}>{flowLabel(lang, `trigger.${k}`)}</option>)}
              </select>
            </label>)}
          <Fields specs={triggerSpecs(vocabulary, doc.trigger)} values={doc.trigger} onChange={setTrigger}
                  segments={segments} dateFields={vocabulary.dateFields} />
        </div>
      </Card>
      {!broadcast && (
        <Card title={t("entryTitle")} testId="flow-entry">
          <div className="ltv-filters">
            <label className="ltv-field">{t("onlySegment")}
              <select value={String(doc.entry?.segment_id ?? "")} data-testid="entry-segment" onChange={(e) => setDoc({ ...doc,
                entry: e.target.value ? { segment_id: Number(e.target.value) } : {} })}>
                <option value="">{t("anyone")}</option>
                {segments.map((s) => <option key={s.pk} value={s.pk}>{s.name} ({s.accounts})</option>)}
              </select>
            </label>
            <label className="ltv-field">{t("reentryTitle")}
              <select value={reentry.mode} data-testid="reentry-mode" onChange={(e) => setDoc({ ...doc,
                reentry: e.target.value === "after_days" ? { mode: "after_days", days: reentry.days ?? 30 } : { mode: "never" } })}>
                {["never", "after_days"].map((m) => <option key={m} value={m}>{flowLabel(lang, `value.${m}`)}</option>)}
              </select>
            </label>
            {reentry.mode === "after_days" && (
              <label className="ltv-field">{t("afterDays")}
                <input type="number" min={1} max={3650} value={reentry.days ?? ""} data-testid="reentry-days"
                       onChange={(e) => setDoc({ ...doc, reentry: { mode: "after_days", days: Number(e.target.value) } })} />
              </label>)}
            <label className="ltv-field">{t("holdoutPercent")}
              <input type="number" min={0} max={50} step={1} value={doc.holdout_percent ?? ""} placeholder={t("shopDefault")}
                     data-testid="holdout-percent" onChange={(e) => setDoc({ ...doc,
                       holdout_percent: e.target.value === "" ? null : Number(e.target.value) })} />
            </label>
          </div>
          <Text size={2} fontWeight="bold">{t("exitTitle")}</Text>
          <div className="ltv-chips" data-testid="exit-on">
            {vocabulary.exits.map((x) => (
              <label key={x} className="ltv-field" style={{ flexDirection: "row", alignItems: "center", gap: 4 }}>
                <input type="checkbox" checked={exits.includes(x)} data-exit={x} onChange={(e) => setDoc({ ...doc,
                  exit_on: e.target.checked ? [...exits, x] : exits.filter((y) => y !== x) })} />
                {flowLabel(lang, `exit.${x}`)}
              </label>))}
          </div>
        </Card>)}
    </fieldset>
  );
}

// ---- the steps ---------------------------------------------------------------------------------------

interface StepContext {
  doc: FlowDoc; setDoc: (d: FlowDoc) => void; vocabulary: Vocabulary; byStep: Problems; open: string | null;
  setOpen: (id: string | null) => void; insert: (at: Slot, kind: string) => void; segments: SegmentOption[];
  readOnly: boolean; flow: FlowFull; ensureSaved: () => Promise<boolean>;
}

const slotName = (at: Slot) => (at.step === null ? "start" : "variant" in at ? `${at.step}.variant.${at.variant}` : `${at.step}.${at.slot}`);

function AddStep({ at, ctx, allowExit }: { at: Slot; ctx: StepContext; allowExit: boolean }) {
  const { t, lang } = useApp();
  if (ctx.readOnly || ctx.flow.kind === "BROADCAST") return <div className="ltv-connector" aria-hidden="true" />;
  const kinds = Object.keys(ctx.vocabulary.steps).filter((k) => k !== "exit" || allowExit);
  return (
    <div className="ltv-add-step">
      <select value="" data-testid="add-step" data-at={slotName(at)} aria-label={t("addStep")}
              onChange={(e) => e.target.value && ctx.insert(at, e.target.value)}>
        <option value="">{t("addStep")}</option>
        {kinds.map((k) => <option key={k} value={k}>{flowLabel(lang, `step.${k}`)}</option>)}
      </select>
    </div>
  );
}

function Lane({ items, at, ctx }: { items: Item[]; at: Slot; ctx: StepContext }) {
  const { t } = useApp();
  const endsHere = (i: number) => items[i + 1]?.type === "end" || items[i + 1] === undefined;
  return (
    <div className="ltv-lane">
      <AddStep at={at} ctx={ctx} allowExit={items[0]?.type === "end"} />
      {items.map((item, i) => {
        if (item.type === "step") {
          const step = ctx.doc.steps.find((s) => s.id === item.id)!;
          const linear = step.kind !== "split" && step.kind !== "ab" && step.kind !== "exit";
          return (
            <div key={item.id} className="ltv-lane-item">
              <StepCard id={item.id} ctx={ctx} />
              {linear && <AddStep at={{ step: item.id, slot: "next" }} ctx={ctx} allowExit={endsHere(i)} />}
            </div>);
        }
        if (item.type === "branch") {
          return (
            <div key={`b-${item.id}`} className="ltv-branches" data-testid="branches" data-step={item.id}
                 style={{ gridTemplateColumns: `repeat(${item.lanes.length}, minmax(220px, 1fr))` }}>
              {item.lanes.map((lane) => (
                <div key={lane.label} className="ltv-branch" data-branch={lane.label}>
                  <Text size={2} fontWeight="bold" className="ltv-branch-label">{branchLabel(t, ctx.doc, item.id, lane.label)}</Text>
                  <Lane items={lane.items} at={lane.at} ctx={ctx} />
                </div>))}
            </div>);
        }
        if (item.type === "goto") {
          return <Text key={`g-${i}`} size={2} color="default2" className="ltv-goto" data-testid="goto" data-target={item.id}>
            ↳ {t("continuesAt")} {stepTitle(ctx.doc, item.id)}</Text>;
        }
        return <Text key={`e-${i}`} size={2} color="default2" className="ltv-goto" data-testid="lane-end">■ {t("flowEnds")}</Text>;
      })}
    </div>
  );
}

function branchLabel(t: (k: Key) => string, doc: FlowDoc, id: string, label: string): string {
  const step = doc.steps.find((s) => s.id === id)!;
  if (step.kind === "split") return label === "yes" ? t("yesBranch") : t("noBranch");
  const variants = step.variants ?? [];
  const share = shares(variants)[variants.findIndex((v) => v.key === label)] ?? 0;
  return `${label} · ${Math.round(share * 100)}%`;
}

const stepTitle = (doc: FlowDoc, id: string) => {
  const step = doc.steps.find((s) => s.id === id);
  return step?.name ? `${step.name} (${id})` : id;
};

function summary(step: Step, lang: "en" | "ja", t: (k: Key) => string): string {
  switch (step.kind) {
    case "delay": {
      const parts = [];
      if (typeof step.hours === "number") parts.push(step.hours % 24 === 0 && step.hours >= 24
        ? `${step.hours / 24} ${t("days")}` : `${step.hours} h`);
      if (typeof step.until_hour === "number") parts.push(`→ ${step.until_hour}:00`);
      if (step.weekdays_only) parts.push(flowLabel(lang, "field.weekdays_only"));
      return parts.join(" ");
    }
    case "send": {
      const medium = choiceLabel(lang, "channel", String(step.channel ?? "email"));
      if (isTemplateRef(step.content)) return `${medium} · ${t("templateRef")}`;
      const content = (step.content ?? {}) as Record<string, { subject?: string }>;
      return `${medium} · ${(content[lang] ?? Object.values(content)[0])?.subject || "—"}`;
    }
    case "staff": return choiceLabel(lang, "channel", String(step.channel ?? ""));
    case "split": return flowLabel(lang, `condition.${String(step.condition?.kind ?? "")}`);
    case "ab": return (step.variants ?? []).map((v) => v.key).join(" / ") + (autoWinnerOf(step) ? ` · ${t("autoWinnerOn")}` : "");
    case "update": return `${flowLabel(lang, `update.${String(step.action ?? "")}`)} ${String(step.tag ?? "")}`;
    default: return "";
  }
}

function StepCard({ id, ctx }: { id: string; ctx: StepContext }) {
  const { t, lang } = useApp();
  const step = ctx.doc.steps.find((s) => s.id === id)!;
  const problems = ctx.byStep.get(id) ?? [];
  const expanded = ctx.open === id;
  return (
    <div className={`ltv-step ltv-step-${step.kind}`} data-testid="step" data-step={id} data-kind={step.kind}
         data-problems={problems.length} aria-invalid={problems.length > 0 || undefined}>
      <Box display="flex" justifyContent="space-between" alignItems="center" gap={2}>
        <button type="button" className="ltv-step-head" data-testid="step-toggle" aria-expanded={expanded}
                onClick={() => ctx.setOpen(expanded ? null : id)}>
          <Text fontWeight="bold">{flowLabel(lang, `step.${step.kind}`)}</Text>{" "}
          <Text size={2} color="default2" data-testid="step-summary">{step.name ? `${step.name} · ` : ""}{summary(step, lang, t)}</Text>
        </button>
        {!ctx.readOnly && (
          <Box display="flex" gap={1}>
            <Button size="small" variant="tertiary" disabled={!canMoveUp(ctx.doc, id)} data-testid="step-up"
                    onClick={() => ctx.setDoc(moveUp(ctx.doc, id))} title={t("moveUp")}>↑</Button>
            <Button size="small" variant="tertiary" disabled={!canMoveDown(ctx.doc, id)} data-testid="step-down"
                    onClick={() => ctx.setDoc(moveDown(ctx.doc, id))} title={t("moveDown")}>↓</Button>
            <Button size="small" variant="tertiary" data-testid="step-remove" title={t("remove")}
                    onClick={() => ctx.setDoc(removeStep(ctx.doc, id))}>✕</Button>
          </Box>)}
      </Box>
      {problems.length > 0 && <ProblemList problems={problems} testId="step-problems" />}
      {expanded && <StepForm step={step} ctx={ctx} />}
    </div>
  );
}

function StepForm({ step, ctx }: { step: Step; ctx: StepContext }) {
  const { t, lang } = useApp();
  const change = (next: Step) => ctx.setDoc(updateStep(ctx.doc, step.id, () => next));
  const specs = { ...(ctx.vocabulary.steps[step.kind] ?? {}),
                  ...(step.kind === "update" ? ctx.vocabulary.updates[String(step.action)] ?? {} : {}) };
  const sendSteps = ctx.doc.steps.filter((s) => s.kind === "send").map((s) => s.id);
  const condition = (step.condition ?? { kind: "opened" }) as Record<string, unknown> & { kind: string };
  return (
    <fieldset disabled={ctx.readOnly} className="ltv-fieldset ltv-step-form" data-testid="step-form">
      <div className="ltv-filters">
        <label className="ltv-field">{t("stepLabel")}
          <input value={step.name ?? ""} data-testid="step-name" onChange={(e) => change(withField(step, "name", e.target.value || undefined))} />
        </label>
        <Fields specs={specs} values={paramsOf(step)} segments={ctx.segments} stepIds={sendSteps}
                onChange={(params) => change(withParams(step, params))} />
        {step.kind === "split" && (
          <>
            <label className="ltv-field">{t("condition")}
              <select value={condition.kind} data-testid="condition-kind" onChange={(e) => change({ ...step,
                condition: { kind: e.target.value, ...defaultsFor(ctx.vocabulary.conditions[e.target.value] ?? {}) } })}>
                {Object.keys(ctx.vocabulary.conditions).map((c) => <option key={c} value={c}>{flowLabel(lang, `condition.${c}`)}</option>)}
              </select>
            </label>
            <Fields specs={ctx.vocabulary.conditions[condition.kind] ?? {}} values={condition} segments={ctx.segments}
                    stepIds={sendSteps} onChange={(next) => change({ ...step, condition: next })} />
          </>)}
      </div>
      {step.kind === "ab" && <Variants step={step} ctx={ctx} />}
      {step.kind === "send" && (
        <ContentEditor flowId={ctx.flow.id} stepId={step.id} content={step.content} mergeFields={ctx.vocabulary.mergeFields}
                       medium={String(step.channel ?? "email")}
                       readOnly={ctx.readOnly} ensureSaved={ctx.ensureSaved}
                       onChange={(content) => change({ ...step, content })} />)}
    </fieldset>
  );
}

function Variants({ step, ctx }: { step: Step; ctx: StepContext }) {
  const { t, lang } = useApp();
  const variants = step.variants ?? [];
  const split = shares(variants);
  return (
    <Box display="flex" gap={3} flexWrap="wrap" alignItems="flex-end" data-testid="variants">
      {variants.map((v, i) => (
        <label key={v.key} className="ltv-field" data-variant={v.key}>{t("weight")} {v.key} ({fmtPct(lang, split[i], 0)})
          <Box display="flex" gap={1}>
            <input type="number" min={1} max={100} step={1} value={v.weight} data-testid="variant-weight"
                   onChange={(e) => ctx.setDoc(setWeight(ctx.doc, step.id, v.key, Number(e.target.value)))} />
            <Button size="small" variant="tertiary" disabled={variants.length <= 2} title={t("remove")}
                    onClick={() => ctx.setDoc(removeVariant(ctx.doc, step.id, v.key))}>✕</Button>
          </Box>
        </label>))}
      <Button size="small" variant="secondary" disabled={variants.length >= 4} data-testid="add-variant"
              onClick={() => ctx.setDoc(addVariant(ctx.doc, step.id))}>{t("addVariant")}</Button>
      <AutoWinnerFields step={step} ctx={ctx} />
    </Box>
  );
}

/** The A/B step's optional auto-winner: metric, after N recipients per variant and/or D days, P(best) needed. */
function AutoWinnerFields({ step, ctx }: { step: Step; ctx: StepContext }) {
  const { t } = useApp();
  const setting = autoWinnerOf(step);
  const specs = ctx.vocabulary.autoWinner;
  const hint = autoWinnerHint(setting);
  // the setting's `metric` is labelled as winner_metric: the trigger's "metric" means something else
  const fields: [keyof AutoWinner, string][] = [["metric", "winner_metric"], ["min_recipients", "min_recipients"],
    ["min_days", "min_days"], ["threshold", "threshold"]];
  return (
    <Box display="flex" flexDirection="column" gap={2} data-testid="auto-winner" style={{ flexBasis: "100%" }}>
      <label className="ltv-field" style={{ flexDirection: "row", alignItems: "center", gap: 6 }}>
        <input type="checkbox" checked={!!setting} data-testid="auto-winner-on"
               onChange={(e) => ctx.setDoc(setAutoWinner(ctx.doc, step.id, e.target.checked ? undefined : null))} />
        {t("autoWinner")}
      </label>
      {setting && (
        <>
          <Text size={2} color="default2">{t("autoWinnerHelp")}</Text>
          <div className="ltv-filters">
            {fields.filter(([name]) => specs[name]).map(([name, label]) => (
              <FieldInput key={name} name={label} spec={specs[name]} value={setting[name]} segments={ctx.segments}
                          testId={`auto-winner-${name}`}
                          onChange={(v) => ctx.setDoc(setAutoWinnerField(ctx.doc, step.id, name, v))} />))}
          </div>
          {hint && <Text size={2} color="critical1" data-testid="auto-winner-hint">{t("autoWinnerNeedsNOrD")}</Text>}
        </>)}
    </Box>
  );
}
