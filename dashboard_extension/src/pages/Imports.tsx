import { Box, Button, Text } from "@saleor/macaw-ui";
import { useEffect, useState } from "react";

import { type ApiError, download, RefusedError, rest, REST_URL, restForm } from "../api";
import { notify } from "../bridge";
import { Card, ErrorBox, Guard, Stat } from "../components/ui";
import { useApp, useRest } from "../context";
import { fmtDateTime, fmtInt, fmtPct } from "../format";
import { fill, type Key, valueLabel } from "../i18n";
import {
  doubledFields, errorMessage, guessColumns, HEAD_BYTES, headLength, isRunning, type Job, KINDS, type Kind, type Mapping,
  missingFields, type RowError, type Sample,
} from "../importDoc";

// File imports (REST imports/*): a file's first rows and how it will be read (its detected format, a
// saved column mapping, or a new one drafted here), then the import job's progress and its error report.
const SOURCES = ["own_shop", "rakuten", "amazon", "yahoo", "shopify", "makeshop", "futureshop", "phone", "fax", "erp",
                 "other"];
interface Draft { name: string; columns: Record<string, string>; date_format: string; sales_source: string }
interface Preview { orders: unknown[]; errors: RowError[]; format: string }

const headOf = async (file: File) => file.slice(0, headLength(new Uint8Array(await file.slice(0, HEAD_BYTES + 1).arrayBuffer())));

export function Imports() {
  const { t, lang, channel, token } = useApp();
  const mappings = useRest<Mapping[]>("imports/mappings");
  const jobs = useRest<Job[]>("imports?limit=20");
  const [kind, setKind] = useState<Kind>("orders");
  const [file, setFile] = useState<File>();
  const [sample, setSample] = useState<Sample>();
  const [how, setHow] = useState("");  // "": the detected format; "mapping:<name>"; "new"
  const [draft, setDraft] = useState<Draft>({ name: "", columns: {}, date_format: "", sales_source: "other" });
  const [preview, setPreview] = useState<Preview>();
  const [job, setJob] = useState<Job>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);

  const form = async (extra: Record<string, string>, whole = false) => {
    const data = new FormData();
    data.append("file", whole ? file! : await headOf(file!), file!.name);
    Object.entries(extra).forEach(([k, v]) => v !== "" && data.append(k, v));
    return data;
  };
  const reading = (): Record<string, string> => how.startsWith("mapping:") ? { mapping: how.slice(8) }
    : how === "new" ? { columns: JSON.stringify(draft.columns), date_format: draft.date_format,
                        sales_source: draft.sales_source } : {};

  const choose = async (chosen: File | undefined) => {
    setFile(chosen); setSample(undefined); setPreview(undefined); setJob(undefined); setError(undefined);
    if (!chosen) return;
    try {
      const data = new FormData();
      data.append("file", await headOf(chosen), chosen.name);
      const read = await restForm<Sample>(token, "imports/sample", data);
      setSample(read);
      const fits = (mappings.data ?? []).find((m) => Object.keys(m.columns).every((c) => read.header.includes(c)));
      setHow(read.format ? "" : fits ? `mapping:${fits.name}` : "new");
      setDraft({ name: chosen.name.replace(/\.[^.]+$/, ""), columns: guessColumns(read.header, read.mapping_fields),
                 date_format: "", sales_source: "other" });
    } catch (e) {
      setError(e as ApiError);
    }
  };

  const check = async () => {
    setError(undefined); setPreview(undefined);
    try {
      setPreview(await restForm<Preview>(token, "imports/preview", await form({ ...reading(), channel })));
    } catch (e) {
      setError(e as ApiError);
    }
  };
  useEffect(() => { if (sample && kind === "orders" && how !== "new" && (sample.format || how)) check(); },
            [sample, how, kind]); // eslint-disable-line react-hooks/exhaustive-deps

  const saveMapping = async () => {
    setError(undefined);
    try {
      await rest(token, "imports/mappings", { name: draft.name, columns: draft.columns, date_format: draft.date_format,
                                              sales_source: draft.sales_source });
      notify("success", t("impMappingSaved"), draft.name);
      mappings.reload();
      setHow(`mapping:${draft.name}`);
    } catch (e) {
      setError(e as ApiError);
    }
  };

  const start = async () => {
    setError(undefined); setBusy(true);
    try {
      const extra = kind === "orders" ? reading() : {};
      setJob(await restForm<Job>(token, "imports", await form({ ...extra, kind, channel }, true)));
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {  // poll the job while a worker has it
    if (!job) return;
    if (!isRunning(job)) { jobs.reload(); return; }
    const timer = window.setTimeout(() => rest<Job>(token, `imports/${job.id}`).then(setJob).catch(setError), 1000);
    return () => window.clearTimeout(timer);
  }, [job]); // eslint-disable-line react-hooks/exhaustive-deps

  const missing = sample ? missingFields(draft.columns, sample.mapping_fields) : [];
  const doubled = doubledFields(draft.columns);
  const readable = kind !== "orders" || (how === "new" ? false : !!(sample?.format || how));
  return (
    <Box display="flex" flexDirection="column" gap={4} data-testid="page-imports">
      <Card title={t("impTitle")}>
        <Text color="default2">{t("impHelp")}</Text>
        <Box display="flex" gap={4} flexWrap="wrap" alignItems="flex-end">
          <label className="ltv-field">{t("impKind")}
            <select value={kind} data-testid="imp-kind" onChange={(e) => { setKind(e.target.value as Kind); setJob(undefined); }}>
              {KINDS.map((k) => <option key={k} value={k}>{t(`impKind_${k}` as Key)}</option>)}
            </select>
          </label>
          <label className="ltv-field">{t("impFile")}
            <input type="file" accept=".csv,.tsv,.txt,text/csv,text/tab-separated-values" data-testid="imp-file"
                   onChange={(e) => choose(e.target.files?.[0])} />
          </label>
        </Box>
        {error && <Refusal error={error} />}
        {sample && (
          <Box display="flex" flexDirection="column" gap={3} data-testid="imp-sample" data-format={sample.format}
               data-encoding={sample.encoding}>
            <Box display="flex" gap={6} flexWrap="wrap">
              <Stat label={t("impEncoding")} value={valueLabel(lang, "enc_", sample.encoding)} testId="imp-encoding" />
              <Stat label={t("impDelimiter")} value={valueLabel(lang, "delim_", sample.delimiter)} />
              {kind === "orders" && <Stat label={t("impFormat")} testId="imp-format"
                                          value={sample.format_label || t("impNoFormat")} />}
            </Box>
            <Text size={4} fontWeight="bold">{t("impFirstRows")}</Text>
            <div style={{ overflowX: "auto" }}>
              <table className="ltv-table" data-testid="imp-rows">
                <thead><tr>{sample.header.map((h, i) => <th key={i}>{h}</th>)}</tr></thead>
                <tbody>{sample.rows.map((row, i) => <tr key={i}>{row.map((c, j) => <td key={j}>{c}</td>)}</tr>)}</tbody>
              </table>
            </div>
          </Box>)}
        {sample && kind === "orders" && (
          <label className="ltv-field">{t("impHow")}
            <select value={how} data-testid="imp-how" onChange={(e) => { setPreview(undefined); setHow(e.target.value); }}>
              {sample.format && <option value="">{fill(t("impHowDetected"), { format: sample.format_label })}</option>}
              {(mappings.data ?? []).map((m) => <option key={m.name} value={`mapping:${m.name}`}>
                {fill(t("impHowMapping"), { name: m.name })}</option>)}
              <option value="new">{t("impNewMapping")}</option>
            </select>
          </label>)}
        {sample && kind === "orders" && how === "new" && (
          <MappingEditor sample={sample} draft={draft} setDraft={setDraft} missing={missing} doubled={doubled}
                         onCheck={check} onSave={saveMapping} />)}
        {preview && (
          <Box display="flex" flexDirection="column" gap={1} data-testid="imp-preview">
            <Text>{fill(t("impPreviewOrders"), { n: fmtInt(lang, preview.orders.length) })}</Text>
            {preview.errors.length > 0 && <ErrorRows errors={preview.errors.slice(0, 10)} />}
          </Box>)}
        <Box display="flex" gap={2}>
          <Button onClick={start} disabled={!file || !sample || !readable || busy || isRunning(job)}
                  data-testid="imp-start">{t("impStart")}</Button>
        </Box>
      </Card>
      {job && <JobCard job={job} />}
      <Card title={t("impRecent")}>
        <Guard state={jobs} isEmpty={(d) => d.length === 0}>
          {(d) => (
            <table className="ltv-table" data-testid="imp-jobs">
              <thead><tr><th>#</th><th>{t("impFileName")}</th><th>{t("impKind")}</th><th>{t("status")}</th>
                <th className="num">{t("impRowsRead")}</th><th className="num">{t("impRefused")}</th>
                <th>{t("finished")}</th></tr></thead>
              <tbody>{d.map((j) => (
                <tr key={j.id} className="ltv-link" data-job={j.id} onClick={() => setJob(j)}>
                  <td>{j.id}</td><td>{j.file_name}</td><td>{t(`impKind_${j.kind}` as Key)}</td>
                  <td>{valueLabel(lang, "impState_", j.state)}</td><td className="num">{fmtInt(lang, j.rows_read)}</td>
                  <td className="num">{fmtInt(lang, j.rows_refused)}</td>
                  <td>{j.finished_at ? fmtDateTime(lang, j.finished_at) : ""}</td></tr>))}</tbody>
            </table>)}
        </Guard>
      </Card>
    </Box>
  );
}

function MappingEditor({ sample, draft, setDraft, missing, doubled, onCheck, onSave }: {
  sample: Sample; draft: Draft; setDraft: (d: Draft) => void; missing: string[]; doubled: string[];
  onCheck: () => void; onSave: () => void }) {
  const { t, lang } = useApp();
  const label = (name: string) => {
    const field = sample.mapping_fields.find((f) => f.name === name);
    return lang === "ja" && field ? `${field.ja} (${name})` : name;
  };
  const ok = missing.length === 0 && doubled.length === 0;
  return (
    <Box display="flex" flexDirection="column" gap={3} data-testid="imp-mapping">
      <Text color="default2">{t("impMappingHelp")}</Text>
      <Box display="flex" gap={4} flexWrap="wrap">
        <label className="ltv-field">{t("impMappingName")}
          <input value={draft.name} data-testid="imp-mapping-name" onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
        </label>
        <label className="ltv-field">{t("impDateFormat")}
          <input value={draft.date_format} placeholder="%Y/%m/%d" data-testid="imp-date-format"
                 onChange={(e) => setDraft({ ...draft, date_format: e.target.value })} />
        </label>
        <label className="ltv-field">{t("impSalesSource")}
          <select value={draft.sales_source} data-testid="imp-sales-source"
                  onChange={(e) => setDraft({ ...draft, sales_source: e.target.value })}>
            {SOURCES.map((s) => <option key={s} value={s}>{valueLabel(lang, "src_", s)}</option>)}
          </select>
        </label>
      </Box>
      <table className="ltv-table">
        <thead><tr><th>{t("impColumn")}</th><th>{t("impExample")}</th><th>{t("impField")}</th></tr></thead>
        <tbody>{sample.header.map((column, i) => (
          <tr key={column}><td>{column}</td><td>{sample.rows[0]?.[i] ?? ""}</td>
            <td><select value={draft.columns[column] ?? ""} data-column={column} onChange={(e) => {
              const columns = { ...draft.columns, [column]: e.target.value };
              if (!e.target.value) delete columns[column];
              setDraft({ ...draft, columns });
            }}>
              <option value="">{t("impIgnore")}</option>
              {sample.mapping_fields.map((f) => <option key={f.name} value={f.name}>{label(f.name)}{f.required ? " *" : ""}</option>)}
            </select></td></tr>))}</tbody>
      </table>
      {missing.length > 0 && <Text color="critical1" data-testid="imp-missing">
        {fill(t("impMissing"), { fields: missing.map(label).join(", ") })}</Text>}
      {doubled.length > 0 && <Text color="critical1">{fill(t("impDoubled"), { fields: doubled.map(label).join(", ") })}</Text>}
      <Box display="flex" gap={2}>
        <Button variant="secondary" disabled={!ok} onClick={onCheck} data-testid="imp-check">{t("impCheck")}</Button>
        <Button variant="secondary" disabled={!ok || !draft.name.trim()} onClick={onSave}
                data-testid="imp-save-mapping">{t("impSaveMapping")}</Button>
      </Box>
    </Box>
  );
}

function JobCard({ job }: { job: Job }) {
  const { t, lang, token } = useApp();
  const [error, setError] = useState<ApiError>();
  const report = (encoding: string, suffix: string) =>
    download(token, `${REST_URL}imports/${job.id}/errors?encoding=${encoding}`, `import-${job.id}-errors${suffix}.csv`)
      .catch((e) => setError(e as ApiError));
  const count = (key: Key, value: number, testId: string) => <Stat label={t(key)} value={fmtInt(lang, value)} testId={testId} />;
  return (
    <Card title={`${t("impJob")} #${job.id} · ${job.file_name}`} testId="imp-job">
      <Box display="flex" flexDirection="column" gap={3} data-state={job.state} data-testid="imp-job-state">
        <Text fontWeight="bold">{valueLabel(lang, "impState_", job.state)}{job.format ? ` · ${job.format}` : ""}
          {job.encoding ? ` · ${valueLabel(lang, "enc_", job.encoding)}` : ""}</Text>
        <div className="ltv-progress" role="progressbar" aria-valuemin={0} aria-valuemax={100}
             aria-valuenow={Math.round(job.progress * 100)}>
          <div style={{ width: `${Math.round(job.progress * 100)}%` }} />
        </div>
        <Text size={2} color="default2">{fmtPct(lang, job.progress, 0)}</Text>
        <Box display="flex" gap={6} flexWrap="wrap">
          {count("impRowsRead", job.rows_read, "imp-rows-read")}
          {count(job.kind === "orders" ? "impOrdersTotal" : "impRecordsTotal", job.orders_total, "imp-orders-total")}
          {count("impCreated", job.created, "imp-created")}
          {count("impUpdated", job.updated, "imp-updated")}
          {count("impUnchanged", job.unchanged, "imp-unchanged")}
          {count("impRefused", job.rows_refused, "imp-refused")}
          {job.kind === "orders" && count("impRescored", job.accounts_rescored, "imp-rescored")}
        </Box>
        {job.same_file_as && <Text color="default2">{fill(t("impSameFile"), { id: String(job.same_file_as) })}</Text>}
        {job.error && <Text color="critical1" data-testid="imp-job-error">{job.error}</Text>}
        {job.errors.length > 0 && (
          <>
            <ErrorRows errors={job.errors} />
            <Box display="flex" gap={2}>
              <Button variant="secondary" onClick={() => report("utf-8-sig", "")} data-testid="imp-report">
                {t("impReportUtf8")}</Button>
              <Button variant="secondary" onClick={() => report("shift_jis", "-sjis")} data-testid="imp-report-sjis">
                {t("impReportSjis")}</Button>
            </Box>
          </>)}
        {error && <ErrorBox error={error} />}
      </Box>
    </Card>
  );
}

function ErrorRows({ errors }: { errors: RowError[] }) {
  const { t, lang } = useApp();
  return (
    <table className="ltv-table" data-testid="imp-errors">
      <thead><tr><th className="num">{t("impLine")}</th><th>{t("impField")}</th><th>{t("reason")}</th></tr></thead>
      <tbody>{errors.map((e, i) => (
        <tr key={i}><td className="num">{e.row || ""}</td><td><code>{e.field}</code></td><td>{errorMessage(lang, e)}</td></tr>))}
      </tbody>
    </table>
  );
}

/** A refused file or mapping: the server's reason in the reader's language, each row it named. */
function Refusal({ error }: { error: ApiError }) {
  const { lang } = useApp();
  if (!(error instanceof RefusedError) || error.code !== "REFUSED") return <ErrorBox error={error} />;
  return (
    <Box display="flex" flexDirection="column" gap={2} role="alert" data-testid="imp-refused">
      <Text color="critical1">{(lang === "ja" && error.detailJa) || error.message}</Text>
      {error.rows.length > 0 && <ErrorRows errors={error.rows} />}
    </Box>
  );
}
