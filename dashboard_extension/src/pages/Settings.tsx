// The shop's settings (shop_settings.py over GraphQL): every setting in its section with its label and
// help, saved through ltvShopSettingsUpdate, errors next to their fields. Read-only where the deployment
// reads its settings elsewhere (the Plugins page inside Saleor, Django standalone) or without MANAGE_PLUGINS.
import { Box, Button, Text } from "@saleor/macaw-ui";
import { useState } from "react";

import type { ApiError } from "../api";
import { notify } from "../bridge";
import { Card, ErrorBox, Guard, MissingPermission } from "../components/ui";
import { useApp, useMutation, useQuery } from "../context";
import { fmtDateTime } from "../format";
import { fill, valueLabel } from "../i18n";
import { navigate } from "../router";
import { changes, errorsByField, type FieldError, type Form, initialForm, sections, type Setting,
  SETTINGS_QUERY, SETTINGS_UPDATE, type ShopSettings } from "../settingsDoc";

export const EDIT_PERMISSION = "MANAGE_PLUGINS";

export function Settings() {
  const { t, lang } = useApp();
  const state = useQuery<{ ltvShopSettings: ShopSettings }>(SETTINGS_QUERY, { language: lang });
  return (
    <Card title={t("settingsTitle")} testId="page-settings">
      <Text size={2} color="default2">{t("settingsIntro")}</Text>
      <Guard state={state}>
        {({ ltvShopSettings: page }) => (
          // A save reloads the page's data; the form starts again from what was stored.
          <SettingsForm key={`${page.updatedAt}|${page.editable}`} page={page} onSaved={state.reload} />)}
      </Guard>
    </Card>
  );
}

function SettingsForm({ page, onSaved }: { page: ShopSettings; onSaved: () => void }) {
  const { t, lang } = useApp();
  const mutate = useMutation();
  const [form, setForm] = useState<Form>(() => initialForm(page));
  const [cleared, setCleared] = useState<Set<string>>(() => new Set());
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [failure, setFailure] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const readOnly = !page.canEdit;
  const pending = changes(page, form, cleared);
  const names = page.settings.map((s) => s.name);
  const save = async () => {
    setBusy(true);
    setErrors({});
    setFailure(undefined);
    try {
      const done = await mutate<{ changed: string[] }>(SETTINGS_UPDATE, { input: JSON.stringify(pending) },
                                                       "ltvShopSettingsUpdate");
      notify("success", t("saved"), fill(t("settingsChanged"), { n: String(done.changed.length) }));
      onSaved();
    } catch (e) {
      const error = e as ApiError;
      const byField = errorsByField(error.fields as FieldError[], names, lang);
      setErrors(byField);
      if (!error.fields.length || byField[""]) setFailure(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Box display="flex" flexDirection="column" gap={4}>
      {!page.editable ? (
        <Box padding={3} borderRadius={4} backgroundColor="default2" data-testid="settings-elsewhere" role="note">
          <Text fontWeight="bold">{t("settingsElsewhere")}</Text>
          <Text as="p">{page.editedIn}</Text>
        </Box>
      ) : readOnly && <MissingPermission permission={EDIT_PERMISSION} />}
      {page.updatedAt && (
        <Text size={2} color="default2" data-testid="settings-updated">
          {fill(t("settingsUpdatedBy"), { who: page.updatedBy || "—", when: fmtDateTime(lang, page.updatedAt) })}</Text>)}
      {failure && <ErrorBox error={failure} />}
      {(errors[""] ?? []).map((m) => <Text key={m} color="critical1" role="alert">{m}</Text>)}
      {sections(page.groups, page.settings).map(([group, rows]) => (
        <fieldset key={group} className="ltv-fieldset ltv-settings-group" data-group={group} disabled={readOnly}>
          <legend><Text size={5} fontWeight="bold">{valueLabel(lang, "settingsGroup_", group)}</Text>
            {group === "thresholds" && (  // the same days are also per channel: say which wins, and where
              // (in the legend: a read-only page's disabled fieldset leaves the link usable there)
              <Text as="p" size={2} color="default2" data-testid="settings-thresholds-note">
                {t("settingsThresholdsNote")}{" "}
                <Button variant="tertiary" size="small" type="button" data-testid="settings-open-thresholds"
                        onClick={() => navigate("thresholds")}>{t("thresholds")} →</Button></Text>)}
          </legend>
          <div className="ltv-settings-grid">
            {rows.map((s) => (
              <SettingField key={s.name} setting={s} value={form[s.name]} errors={errors[s.name] ?? []}
                            page={page} cleared={cleared.has(s.name)}
                            onChange={(v) => setForm({ ...form, [s.name]: v })}
                            onClear={(on) => setCleared((c) => {
                              const next = new Set(c);
                              if (on) next.add(s.name); else next.delete(s.name);
                              return next;
                            })} />))}
          </div>
        </fieldset>))}
      {!readOnly && (
        <Box display="flex" gap={3} alignItems="center">
          <Button variant="primary" onClick={save} disabled={busy || Object.keys(pending).length === 0}
                  data-testid="settings-save">{t("save")}</Button>
          <Text size={2} color="default2" data-testid="settings-pending">
            {fill(t("settingsPending"), { n: String(Object.keys(pending).length) })}</Text>
        </Box>)}
      {page.changes.length > 0 && (
        <Box display="flex" flexDirection="column" gap={1} data-testid="settings-changes">
          <Text fontWeight="bold">{t("settingsRecentChanges")}</Text>
          <ul className="ltv-plain-list">{page.changes.map((c) => (
            <li key={c.changedAt + c.changedBy}>{fmtDateTime(lang, c.changedAt)} · {c.changedBy}:{" "}
              {c.names.map((n) => <code key={n}>{n} </code>)}</li>))}</ul>
        </Box>)}
    </Box>
  );
}

function SettingField({ setting: s, value, errors, page, cleared, onChange, onClear }: {
  setting: Setting; value: string | boolean; errors: string[]; page: ShopSettings; cleared: boolean;
  onChange: (v: string | boolean) => void; onClear: (on: boolean) => void }) {
  const { t } = useApp();
  const id = `setting-${s.name}`;
  const invalid = errors.length > 0;
  let input;
  if (s.kind === "BOOLEAN") {
    input = <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
  } else if (s.kind === "CHOICE") {
    input = (
      <select id={id} value={String(value)} onChange={(e) => onChange(e.target.value)} aria-invalid={invalid}>
        {s.choices.map((c) => <option key={c} value={c}>{c}</option>)}
      </select>);
  } else if (s.kind === "JSON") {
    input = <textarea id={id} rows={6} value={String(value)} spellCheck={false} aria-invalid={invalid}
                      placeholder='{"default-channel": {"timezone": "Asia/Tokyo"}}' onChange={(e) => onChange(e.target.value)} />;
  } else if (s.kind === "SECRET") {
    input = (
      <>
        <input id={id} type="password" autoComplete="new-password" value={String(value)} aria-invalid={invalid}
               disabled={cleared} placeholder={s.isSet ? t("secretKeep") : t("settingUnset")}
               onChange={(e) => onChange(e.target.value)} />
        {s.isSet && (
          <label className="ltv-inline"><input type="checkbox" checked={cleared} data-testid={`clear-${s.name}`}
                                               onChange={(e) => onClear(e.target.checked)} /> {t("secretClear")}</label>)}
      </>);
  } else {
    input = <input id={id} type={s.kind === "INTEGER" ? "number" : "text"} min={s.kind === "INTEGER" ? 0 : undefined}
                   value={String(value)} aria-invalid={invalid} onChange={(e) => onChange(e.target.value)} />;
  }
  return (
    <div className="ltv-field" data-setting={s.name} data-kind={s.kind} data-invalid={String(invalid)}>
      <label htmlFor={id}>{s.label}
        {s.kind === "SECRET" && <> · {s.isSet ? t("settingSet") : t("settingUnset")} ({t("settingSecret")})</>}</label>
      {input}
      <Text size={1} color="default2">{s.help}</Text>
      {s.kind === "JSON" && page.overrideSecretsSet.length > 0 && (
        <Text size={1} color="default2">{t("overrideSecretsKept")}: {page.overrideSecretsSet.map((p) => <code key={p}>{p} </code>)}</Text>)}
      {errors.map((m) => <Text key={m} size={2} color="critical1" role="alert" data-testid={`error-${s.name}`}>{m}</Text>)}
    </div>
  );
}
