// One form field per vocabulary field (kind, min/max, choices): never a JSON text box.
import { useApp } from "../context";
import { coerce, type FieldSpec, type Specs, withField } from "../flowDoc";
import { choiceLabel, flowLabel } from "../i18n";

export interface SegmentOption { pk: number; name: string; accounts: number; id?: string }

/** `2026-12-01T09:00` (the browser's local time) ↔ ISO 8601 with the offset the API needs. */
export function localToIso(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  if (Number.isNaN(d.getTime())) return undefined;
  const off = -d.getTimezoneOffset();
  const pad = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  return `${local.length === 16 ? local + ":00" : local}${off >= 0 ? "+" : "-"}${pad(off / 60)}:${pad(off % 60)}`;
}

export function isoToLocal(iso: unknown): string {
  if (typeof iso !== "string" || !iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function FieldInput({ name, spec, value, onChange, segments, dateFields = [], stepIds = [], testId }: {
  name: string; spec: FieldSpec; value: unknown; onChange: (v: unknown) => void; segments: SegmentOption[];
  dateFields?: string[]; stepIds?: string[]; testId?: string }) {
  const { lang, t } = useApp();
  const label = flowLabel(lang, `field.${name}`);
  const range = spec.minimum !== null && spec.maximum !== null ? ` (${spec.minimum}–${spec.maximum})` : "";
  const common = { "data-field": name, "data-testid": testId ?? `field-${name}`, "aria-label": label };
  const text = value === undefined || value === null ? "" : String(value);
  let input;
  if (spec.kind === "bool") {
    return (
      <label className="ltv-field" style={{ flexDirection: "row", alignItems: "center", gap: 6 }}>
        <input type="checkbox" checked={value === true} {...common} onChange={(e) => onChange(e.target.checked || undefined)} />
        {label}
      </label>
    );
  } else if (spec.kind === "choice") {
    input = (
      <select value={text} {...common} onChange={(e) => onChange(e.target.value || undefined)}>
        {!spec.required || !text ? <option value="">—</option> : null}
        {spec.choices.map((c) => <option key={c} value={c}>{choiceLabel(lang, name, c)}</option>)}
      </select>
    );
  } else if (spec.kind === "segment") {
    input = (
      <select value={text} {...common} onChange={(e) => onChange(e.target.value ? Number(e.target.value) : undefined)}>
        <option value="">{t("chooseSegment")}</option>
        {segments.map((s) => <option key={s.pk} value={s.pk}>{s.name} ({s.accounts})</option>)}
      </select>
    );
  } else if (name === "send_at") {
    input = <input type="datetime-local" value={isoToLocal(value)} {...common}
                   onChange={(e) => onChange(localToIso(e.target.value))} />;
  } else if (name === "field" && dateFields.length) {
    input = (
      <select value={text} {...common} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">—</option>
        {dateFields.map((f) => <option key={f} value={f}>{flowLabel(lang, `date.${f}`)}</option>)}
        {text && !dateFields.includes(text) && <option value={text}>{text}</option>}
      </select>
    );
  } else if (name === "step" && spec.kind === "text") {
    input = (
      <select value={text} {...common} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">{t("all")}</option>
        {stepIds.map((s) => <option key={s} value={s}>{s}</option>)}
      </select>
    );
  } else {
    const numeric = spec.kind === "int" || spec.kind === "number";
    input = <input type={numeric ? "number" : "text"} value={text} {...common}
                   min={spec.minimum ?? undefined} max={spec.maximum ?? undefined} step={spec.kind === "int" ? 1 : "any"}
                   onChange={(e) => onChange(coerce(spec, e.target.value))} />;
  }
  return <label className="ltv-field">{label}{range}{spec.required ? " *" : ""}{input}</label>;
}

/** Every field of `specs` for the object `values` (a trigger, a step, a condition). */
export function Fields({ specs, values, onChange, segments, dateFields, stepIds, skip = [] }: {
  specs: Specs; values: Record<string, unknown>; onChange: (next: Record<string, unknown>) => void;
  segments: SegmentOption[]; dateFields?: string[]; stepIds?: string[]; skip?: string[] }) {
  return (
    <>
      {Object.entries(specs).filter(([name]) => !skip.includes(name)).map(([name, spec]) => (
        <FieldInput key={name} name={name} spec={spec} value={values[name]} segments={segments} dateFields={dateFields}
                    stepIds={stepIds} onChange={(v) => onChange(withField(values, name, v))} />
      ))}
    </>
  );
}
