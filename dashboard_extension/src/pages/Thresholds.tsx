// The channel's thresholds (thresholds.py over GraphQL): every field in its section, a proposal from the
// channel's own data one click away, and — before anything is saved — how many accounts the changes
// move (stage, CPM cell, RFM segment, churn flag), previewed on the stored metrics as the admin types.
// Saved, they apply at the next re-score. Read-only without MANAGE_PLUGINS.
import { Box, Button, Text } from "@saleor/macaw-ui";
import { useEffect, useMemo, useState } from "react";

import { ApiError, gql } from "../api";
import { notify } from "../bridge";
import { Card, ErrorBox, Guard, MissingPermission } from "../components/ui";
import { useApp, useMutation, useQuery } from "../context";
import { fmtDateTime, fmtInt } from "../format";
import { enumLabel, fill, type Key, type LabelKind, translate } from "../i18n";
import type { FieldError } from "../settingsDoc";
import { changes, type Form, METHOD, movedCounts, type Preview, PREVIEW_QUERY, proposed, SPEND, THRESHOLDS_QUERY,
  THRESHOLDS_UPDATE, type Thresholds as Page, toForm, type Values } from "../thresholdsDoc";

export const EDIT_PERMISSION = "MANAGE_PLUGINS";
const KIND: Record<string, LabelKind> = { stage: "stage", cpm_cell: "cpm", rfm_segment: "rfm" };

export function Thresholds() {
  const { t, lang, channel } = useApp();
  const state = useQuery<{ ltvThresholds: Page }>(THRESHOLDS_QUERY, { channel, language: lang }, !channel);
  return (
    <Card title={t("thresholdsTitle")} testId="page-thresholds">
      <Text size={2} color="default2">{fill(t("thresholdsIntro"), { channel })}</Text>
      <Guard state={state}>
        {({ ltvThresholds: page }) => (
          <ThresholdsForm key={`${page.channel}|${page.updatedAt}`} page={page} onSaved={state.reload} />)}
      </Guard>
    </Card>
  );
}

function ThresholdsForm({ page, onSaved }: { page: Page; onSaved: () => void }) {
  const { t, lang, token, channel, channels } = useApp();
  const mutate = useMutation();
  const currencies = channels.find((c) => c.channel === channel)?.currencies ?? [];
  const values = useMemo(() => JSON.parse(page.values) as Values, [page.values]);
  const proposal = useMemo(() => JSON.parse(page.proposal) as Values, [page.proposal]);
  const basis = useMemo(() => JSON.parse(page.proposalBasis) as Record<string, string>, [page.proposalBasis]);
  const [form, setForm] = useState<Form>(() => toForm(values, currencies));
  const [showBasis, setShowBasis] = useState(false);
  const [preview, setPreview] = useState<{ key: string; data?: Preview; error?: ApiError }>({ key: "{}" });
  const [saveError, setSaveError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const pending = changes(values, form);
  const key = JSON.stringify(pending);
  const count = Object.keys(pending).length;
  useEffect(() => {  // the preview follows the form, a moment after the last keystroke
    if (!count) { setPreview({ key }); return; }
    const ctl = new AbortController();
    const timer = window.setTimeout(() => {
      gql<{ ltvThresholdsPreview: Preview }>(token, PREVIEW_QUERY, { channel, input: key }, ctl.signal)
        .then((d) => setPreview({ key, data: d.ltvThresholdsPreview }))
        .catch((e) => { if (e.name !== "AbortError") setPreview({ key, error: e as ApiError }); });
    }, 350);
    return () => { ctl.abort(); window.clearTimeout(timer); };
  }, [key, channel, token]); // eslint-disable-line react-hooks/exhaustive-deps
  const error = saveError ?? (preview.key === key ? preview.error : undefined);
  const errors: Record<string, string[]> = {};
  for (const e of (error?.fields ?? []) as FieldError[]) {
    const field = e.field ?? "";
    const owner = Object.keys(values).find((n) => field === n || field.startsWith(`${n}.`)) ?? "";
    (errors[owner] ??= []).push((owner && field !== owner ? `${field.slice(owner.length + 1)}: ` : "")
      + ((lang === "ja" && e.messageJa) || e.message));
  }
  const ready = count > 0 && preview.key === key && !!preview.data;
  const readOnly = !page.canEdit;
  const save = async () => {
    setBusy(true);
    setSaveError(undefined);
    try {
      const done = await mutate<{ changed: string[] }>(THRESHOLDS_UPDATE, { channel, input: key }, "ltvThresholdsUpdate");
      notify("success", t("saved"), fill(t("thresholdsSaved"), { n: String(done.changed.length) }));
      onSaved();
    } catch (e) {
      setSaveError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const field = (name: string) => (
    <ThresholdField key={name} name={name} form={form} errors={errors[name] ?? []}
                    basis={showBasis && name in proposal ? basis[name] : undefined}
                    onChange={(k, v) => { setSaveError(undefined); setForm({ ...form, [k]: v }); }} />);
  return (
    <Box display="flex" flexDirection="column" gap={4}>
      {readOnly && <MissingPermission permission={EDIT_PERMISSION} />}
      {page.updatedAt && (
        <Text size={2} color="default2" data-testid="thresholds-updated">
          {fill(t("settingsUpdatedBy"), { who: page.updatedBy || "—", when: fmtDateTime(lang, page.updatedAt) })}</Text>)}
      <Box display="flex" gap={3} alignItems="center" flexWrap="wrap">
        <Button variant="secondary" data-testid="thresholds-propose" disabled={readOnly || !Object.keys(proposal).length}
                onClick={() => { setForm(proposed(form, proposal, currencies)); setShowBasis(true); }}>
          {t("thresholdsPropose")}</Button>
        <Button variant="tertiary" data-testid="thresholds-reset" disabled={!count}
                onClick={() => { setForm(toForm(values, currencies)); setShowBasis(false); setSaveError(undefined); }}>
          {t("thresholdsReset")}</Button>
        {!Object.keys(proposal).length && <Text size={2} color="default2">{t("thresholdsNoProposal")}</Text>}
      </Box>
      {(errors[""] ?? []).map((m) => <Text key={m} color="critical1" role="alert">{m}</Text>)}
      {error && !error.fields.length && <ErrorBox error={error} />}
      {page.groups.map((g) => (
        <fieldset key={g.name} className="ltv-fieldset" data-group={g.name} disabled={readOnly}>
          <legend><Text size={5} fontWeight="bold">{t(`thrGroup_${g.name}` as Key)}</Text></legend>
          <div className="ltv-settings-grid">{g.fields.map(field)}</div>
        </fieldset>))}
      <PreviewTable preview={ready ? preview.data : undefined} waiting={count > 0 && !ready && !error} />
      {!readOnly && (
        <Box display="flex" gap={3} alignItems="center">
          <Button variant="primary" onClick={save} disabled={busy || !ready} data-testid="thresholds-save">{t("save")}</Button>
          <Text size={2} color="default2" data-testid="thresholds-pending">
            {fill(t("thresholdsPending"), { n: String(count) })}</Text>
        </Box>)}
    </Box>
  );
}

function ThresholdField({ name, form, errors, basis, onChange }: {
  name: string; form: Form; errors: string[]; basis?: string; onChange: (key: string, value: string | boolean) => void }) {
  const { t } = useApp();
  const id = `threshold-${name}`;
  const invalid = errors.length > 0;
  let input;
  if (name === SPEND) {
    const keys = Object.keys(form).filter((k) => k.startsWith(`${SPEND}:`));
    input = keys.map((k) => (
      <label key={k} className="ltv-inline">{k.slice(SPEND.length + 1) || t("thresholdsAllCurrencies")}
        <input id={keys.length === 1 ? id : undefined} type="number" min={0} value={String(form[k])} aria-invalid={invalid}
               data-currency={k.slice(SPEND.length + 1)} onChange={(e) => onChange(k, e.target.value)} /></label>));
  } else if (METHOD.test(name)) {
    input = (
      <select id={id} value={String(form[name])} aria-invalid={invalid} onChange={(e) => onChange(name, e.target.value)}>
        {["quantile", "fixed"].map((m) => <option key={m} value={m}>{t(`thrMethod_${m}` as Key)}</option>)}
      </select>);
  } else if (typeof form[name] === "boolean") {
    input = <input id={id} type="checkbox" checked={form[name] === true} onChange={(e) => onChange(name, e.target.checked)} />;
  } else {
    const numeric = !name.endsWith("_bounds");
    input = <input id={id} type={numeric ? "number" : "text"} step={name === "churn_grace_factor" ? 0.1 : undefined}
                   value={String(form[name] ?? "")} aria-invalid={invalid} onChange={(e) => onChange(name, e.target.value)} />;
  }
  return (
    <div className="ltv-field" data-threshold={name} data-invalid={String(invalid)}>
      <label htmlFor={id}>{t(`thr_${name}` as Key)}</label>
      {input}
      <Text size={1} color="default2">{t(`thr_${name}_help` as Key)}</Text>
      {basis && <Text size={1} color="info1" data-testid={`basis-${name}`}>{t("thresholdsProposedFrom")}: {basis}</Text>}
      {errors.map((m) => <Text key={m} size={2} color="critical1" role="alert" data-testid={`error-${name}`}>{m}</Text>)}
    </div>
  );
}

function PreviewTable({ preview, waiting }: { preview?: Preview; waiting: boolean }) {
  const { t, lang } = useApp();
  const label = (dim: string, value: string) =>
    dim === "churn_risk" ? translate(lang, value === "True" ? "churnRisk" : "thresholdsNoChurnRisk")
      : enumLabel(lang, KIND[dim], value);
  if (!preview) {
    return <Text size={2} color="default2" data-testid="thresholds-preview-none">
      {t(waiting ? "thresholdsPreviewing" : "thresholdsPreviewHint")}</Text>;
  }
  return (
    <Box display="flex" flexDirection="column" gap={2} data-testid="thresholds-preview">
      <Text fontWeight="bold">{fill(t("thresholdsPreviewTitle"), { n: fmtInt(lang, preview.accounts) })}</Text>
      <table className="ltv-table">
        <thead><tr><th>{t("thresholdsDimension")}</th><th>{t("thresholdsValue")}</th><th>{t("thresholdsBefore")}</th>
          <th>{t("thresholdsAfter")}</th><th>{t("thresholdsDelta")}</th></tr></thead>
        <tbody>
          {preview.dimensions.map((d) => {
            const rows = movedCounts(d);
            return [
              <tr key={d.name} data-dimension={d.name} data-changed={d.changed}>
                <th colSpan={5} style={{ textAlign: "left" }}>
                  {t(`thrDim_${d.name}` as Key)} · {fill(t("thresholdsMoved"), { n: fmtInt(lang, d.changed) })}</th></tr>,
              ...rows.map((c) => (
                <tr key={`${d.name}:${c.value}`} data-dimension={d.name} data-value={c.value}>
                  <td />
                  <td>{label(d.name, c.value)}</td>
                  <td data-field="before">{fmtInt(lang, c.before)}</td>
                  <td data-field="after">{fmtInt(lang, c.after)}</td>
                  <td data-field="delta">{c.after > c.before ? "+" : ""}{fmtInt(lang, c.after - c.before)}</td>
                </tr>)),
            ];
          })}
        </tbody>
      </table>
      <Text size={2} color="default2">{t("thresholdsPreviewNote")}</Text>
    </Box>
  );
}
