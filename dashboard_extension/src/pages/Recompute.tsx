import { Box, Button, Text } from "@saleor/macaw-ui";
import { useEffect, useState } from "react";

import type { ApiError } from "../api";
import { notify } from "../bridge";
import { Card, ErrorBox, Guard } from "../components/ui";
import { useApp, useMutation, useQuery } from "../context";
import { fmtDateTime, fmtInt, fmtPct } from "../format";
import { valueLabel } from "../i18n";

const RUNS = `query { ltvRecomputeRuns(first: 10) { id status progress accounts startedAt finishedAt } }`;
const TRIGGER = `mutation($channel: String) { ltvRecomputeTrigger(channel: $channel) { queued errors { field message code } } }`;

interface Run { id: number; status: string; progress: number; accounts: number; startedAt: string; finishedAt: string | null }
const RUNNING = new Set(["queued", "running", "pending", "started"]);

export function Recompute() {
  const { t, lang, channel } = useApp();
  const runs = useQuery<{ ltvRecomputeRuns: Run[] }>(RUNS, {});
  const mutate = useMutation();
  const [error, setError] = useState<ApiError>();
  const [waiting, setWaiting] = useState(false);
  const active = runs.data?.ltvRecomputeRuns.find((r) => RUNNING.has(r.status));
  useEffect(() => {
    if (!active && !waiting) return;
    const timer = window.setTimeout(runs.reload, 1000); // poll while a run is under way
    return () => window.clearTimeout(timer);
  }, [runs.data, active, waiting]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => { if (active) setWaiting(false); }, [active]);
  const start = async () => {
    setError(undefined);
    try {
      await mutate(TRIGGER, { channel }, "ltvRecomputeTrigger");
      setWaiting(true);
      window.setTimeout(() => setWaiting(false), 15000);
      notify("info", t("queued"), channel);
      runs.reload();
    } catch (e) {
      setError(e as ApiError);
    }
  };
  const latest = active ?? runs.data?.ltvRecomputeRuns[0];
  return (
    <Box display="flex" flexDirection="column" gap={4} data-testid="page-recompute">
      <Card title={t("recompute")} actions={<Button onClick={start} disabled={!!active || waiting}
                                                    data-testid="start-recompute">{t("startRecompute")}</Button>}>
        {error && <ErrorBox error={error} />}
        {latest && (
          <Box display="flex" flexDirection="column" gap={2} data-testid="recompute-progress" data-status={latest.status}>
            <Text>#{latest.id} · {valueLabel(lang, "run_", latest.status)} · {fmtPct(lang, latest.progress, 0)} · {fmtInt(lang, latest.accounts)} {t("accountsN")}</Text>
            <div className="ltv-progress" role="progressbar" aria-valuemin={0} aria-valuemax={100}
                 aria-valuenow={Math.round(latest.progress * 100)}>
              <div style={{ width: `${Math.round(latest.progress * 100)}%` }} />
            </div>
          </Box>)}
      </Card>
      <Card title={t("runs")}>
        <Guard state={runs} isEmpty={(d) => d.ltvRecomputeRuns.length === 0}>
          {(d) => (
            <table className="ltv-table" data-testid="runs-table">
              <thead><tr><th>#</th><th>{t("status")}</th><th className="num">{t("progress")}</th>
                <th className="num">{t("accountsN")}</th><th>{t("started")}</th><th>{t("finished")}</th></tr></thead>
              <tbody>{d.ltvRecomputeRuns.map((r) => (
                <tr key={r.id} data-run={r.id}><td>{r.id}</td><td>{valueLabel(lang, "run_", r.status)}</td>
                  <td className="num">{fmtPct(lang, r.progress, 0)}</td><td className="num">{fmtInt(lang, r.accounts)}</td>
                  <td>{fmtDateTime(lang, r.startedAt)}</td>
                  <td>{r.finishedAt ? fmtDateTime(lang, r.finishedAt) : ""}</td></tr>))}</tbody>
            </table>)}
        </Guard>
      </Card>
    </Box>
  );
}
