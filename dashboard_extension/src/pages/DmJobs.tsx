import { Box, Button, Text } from "@saleor/macaw-ui";
import { useState } from "react";

import { type ApiError, download, rest, REST_URL } from "../api";
import { notify } from "../bridge";
import { Card, Dialog, ErrorBox, Guard } from "../components/ui";
import { useApp, useRest } from "../context";
import { fmtDateTime, fmtInt } from "../format";
import { type Key, valueLabel } from "../i18n";

// Postal DM print jobs (REST print-jobs): a flow's DM step collects letters in an open job; staff
// close it, download the mailing house's CSV or the PDFs, post the letters and mark the job posted.
interface Job { id: number; flow_name: string; step_id: string; state: string; letters: number; created_at: string;
  closed_at: string | null; posted_at: string | null; posted_by: string }
interface Skipped { message_id: number; account_name: string; company: string; person: string; reason: string;
  missing: string[]; created_at: string }

export function DmJobs() {
  const { t, lang, channel, token } = useApp();
  const jobs = useRest<Job[]>(`print-jobs?channel=${encodeURIComponent(channel)}`, !channel);
  const skipped = useRest<Skipped[]>(`print-jobs/skipped?channel=${encodeURIComponent(channel)}`, !channel);
  const [error, setError] = useState<ApiError>();
  const [posting, setPosting] = useState<Job>();
  const [postedOn, setPostedOn] = useState("");
  const act = async (job: Job, action: "close" | "posted" | "cancel", body: unknown = {}) => {
    setError(undefined);
    try {
      await rest(token, `print-jobs/${job.id}/${action}`, body);
      notify("success", t(`dmDone_${action}` as Key), `#${job.id}`);
      jobs.reload();
    } catch (e) {
      setError(e as ApiError);
    }
  };
  const save = (job: Job, file: string, name: string) =>
    download(token, `${REST_URL}print-jobs/${job.id}/${file}`, name).catch((e) => setError(e as ApiError));
  return (
    <Box display="flex" flexDirection="column" gap={4} data-testid="page-dm">
      <Card title={t("dmJobs")}>
        <Text color="default2">{t("dmHelp")}</Text>
        {error && <ErrorBox error={error} />}
        <Guard state={jobs} isEmpty={(d) => d.length === 0} emptyText={t("dmNone")}>
          {(d) => (
            <table className="ltv-table" data-testid="dm-jobs">
              <thead><tr><th>#</th><th>{t("flows")}</th><th>{t("status")}</th><th className="num">{t("dmLetters")}</th>
                <th>{t("created")}</th><th>{t("dmPostedAt")}</th><th /></tr></thead>
              <tbody>{d.map((job) => (
                <tr key={job.id} data-job={job.id} data-state={job.state}>
                  <td>{job.id}</td><td>{job.flow_name}</td><td>{valueLabel(lang, "dmState_", job.state)}</td>
                  <td className="num">{fmtInt(lang, job.letters)}</td><td>{fmtDateTime(lang, job.created_at)}</td>
                  <td>{job.posted_at ? `${fmtDateTime(lang, job.posted_at)} (${job.posted_by})` : ""}</td>
                  <td><Box display="flex" gap={2} flexWrap="wrap">
                    {job.state === "open" && <Button size="small" onClick={() => act(job, "close")}
                                                     data-testid="dm-close">{t("dmClose")}</Button>}
                    {job.state === "closed" && <Button size="small" onClick={() => { setPostedOn(""); setPosting(job); }}
                                                       data-testid="dm-post">{t("dmMarkPosted")}</Button>}
                    <Button size="small" variant="secondary" data-testid="dm-csv"
                            onClick={() => save(job, "csv", `ltv-dm-${job.id}.csv`)}>{t("dmCsvUtf8")}</Button>
                    <Button size="small" variant="secondary" data-testid="dm-csv-sjis"
                            onClick={() => save(job, "csv?encoding=shift_jis", `ltv-dm-${job.id}-sjis.csv`)}>{t("dmCsvSjis")}</Button>
                    <Button size="small" variant="secondary" data-testid="dm-labels"
                            onClick={() => save(job, "labels.pdf", `ltv-dm-${job.id}-labels.pdf`)}>{t("dmLabels")}</Button>
                    <Button size="small" variant="secondary" data-testid="dm-letters"
                            onClick={() => save(job, "letters.pdf", `ltv-dm-${job.id}-letters.pdf`)}>{t("dmLettersPdf")}</Button>
                    {(job.state === "open" || job.state === "closed") &&
                      <Button size="small" variant="secondary" onClick={() => act(job, "cancel")}
                              data-testid="dm-cancel">{t("dmCancel")}</Button>}
                  </Box></td>
                </tr>))}</tbody>
            </table>)}
        </Guard>
      </Card>
      <Card title={t("dmSkipped")}>
        <Guard state={skipped} isEmpty={(d) => d.length === 0}>
          {(d) => (
            <table className="ltv-table" data-testid="dm-skipped">
              <thead><tr><th>{t("account")}</th><th>{t("name")}</th><th>{t("reason")}</th><th>{t("dmMissing")}</th>
                <th>{t("created")}</th></tr></thead>
              <tbody>{d.map((s) => (
                <tr key={s.message_id}><td>{s.account_name || s.company}</td><td>{s.person}</td>
                  <td>{valueLabel(lang, "dmReason_", s.reason)}</td>
                  <td>{s.missing.map((m) => valueLabel(lang, "dmMissing_", m)).join("、")}</td>
                  <td>{fmtDateTime(lang, s.created_at)}</td></tr>))}</tbody>
            </table>)}
        </Guard>
      </Card>
      {posting && (
        <Dialog title={`${t("dmMarkPosted")} #${posting.id}`} testId="dm-post-dialog" onCancel={() => setPosting(undefined)}
                onConfirm={() => { act(posting, "posted", postedOn ? { posted_on: postedOn } : {}); setPosting(undefined); }}>
          <Text color="default2">{t("dmPostedHelp")}</Text>
          <label className="ltv-field">{t("dmPostedOn")}
            <input type="date" value={postedOn} onChange={(e) => setPostedOn(e.target.value)} data-testid="dm-posted-on" />
          </label>
        </Dialog>)}
    </Box>
  );
}
