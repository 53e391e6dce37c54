// A flow's report: who entered and where they are, per step and per variant, and the holdout's verdict.
import { Box, Button, Text } from "@saleor/macaw-ui";
import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { Card, Guard, Stat } from "../components/ui";
import { useApp, useQuery } from "../context";
import { REPORT } from "../flowApi";
import { variantsByStep } from "../flowDoc";
import { fmtCompact, fmtDateTime, fmtInt, fmtMoney, fmtNum, fmtPct } from "../format";
import { fill, flowLabel, type Key } from "../i18n";
import { navigate, withQuery } from "../router";

type Money = number | string | null;
interface StepFigures { stepId: string; kind: string; name: string; passed: number; sent: number; opened: number; clicked: number;
  branches: string | Record<string, number> }
interface VariantFigures { stepId: string; key: string; recipients: number; delivered: number; opened: number; clicked: number;
  orders: number; converted: number; revenue: Money; revenuePerRecipient: Money; probabilityBest: number | null;
  pValue: number | null }
interface Winner { stepId: string; key: string; decidedAt: string; figures: unknown }
interface AutoWinner { stepId: string; metric: string; minRecipients: number | null; minDays: number | null;
  threshold: number; daysRunning: number | null }
interface Report { since: string | null; until: string | null; entered: number; holdout: number; active: number; done: number;
  exited: string | Record<string, number>; attributedRevenue: Money; incrementalRevenue: Money; incrementalLow: Money;
  incrementalHigh: Money; verdict: string | null; steps: StepFigures[]; variants: VariantFigures[]; winners?: Winner[];
  autoWinners?: AutoWinner[] }

/** An A/B step with no winner yet: what its auto-winner waits for and how far it is, or that none is set. */
function AutoWinnerWait({ setting, fewest }: { setting?: AutoWinner; fewest: number }) {
  const { t, lang } = useApp();
  if (!setting) return <span data-testid="ab-winner-manual">{t("winnerManual")}</span>;
  const until = [setting.minRecipients !== null ? fill(t("winnerAfterRecipients"), { n: fmtInt(lang, setting.minRecipients) }) : "",
                 setting.minDays !== null ? fill(t("winnerAfterDays"), { days: fmtNum(lang, setting.minDays, 1) }) : ""]
    .filter(Boolean).join(t("winnerOr"));
  return <span data-testid="ab-winner-waiting" data-metric={setting.metric}>
    {t("winnerPending")}{" · "}{fill(t("winnerWaits"), { metric: flowLabel(lang, `value.${setting.metric}`), until,
      chance: fmtPct(lang, setting.threshold) })}{" · "}
    {fill(t("winnerSoFar"), { fewest: fmtInt(lang, Number.isFinite(fewest) ? fewest : 0),
      days: fmtNum(lang, setting.daysRunning ?? 0, 1) })}</span>;
}

const json = <T,>(v: string | T): T => (typeof v === "string" ? JSON.parse(v) : v);
const num = (v: Money) => (v === null || v === undefined ? null : Number(v));

export function FlowReport({ id }: { id: string }) {
  const { t, lang, channel, channels } = useApp();
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const state = useQuery<{ ltvFlowReport: Report | null }>(REPORT, { id, since: since || null, until: until || null });
  const currency = channels.find((c) => c.channel === channel)?.currencies[0] ?? null;
  const money = (v: Money) => fmtMoney(lang, num(v), currency);
  return (
    <Box display="flex" flexDirection="column" gap={4} data-testid="page-flow-report">
      <Card title={t("flowReport")} actions={<>
        <label className="ltv-field">{t("from")}<input type="date" value={since || state.data?.ltvFlowReport?.since || ""}
               data-testid="report-since" onChange={(e) => setSince(e.target.value)} /></label>
        <label className="ltv-field">{t("to")}<input type="date" value={until || state.data?.ltvFlowReport?.until || ""}
               data-testid="report-until" onChange={(e) => setUntil(e.target.value)} /></label>
        <Button variant="secondary" onClick={() => navigate(withQuery(`flows/${id}`, { channel }))} data-testid="open-editor">
          {t("editor")}</Button></>}>
        <Guard state={state} isEmpty={(d) => !d.ltvFlowReport}>
          {({ ltvFlowReport: r }) => {
            const exited = json<Record<string, number>>(r!.exited ?? {});
            const exitedTotal = Object.values(exited).reduce((a, b) => a + b, 0);
            return (
              <>
                <Box className="ltv-stats" data-testid="report-stats">
                  <Stat testId="stat-entered" label={t("entered")} value={fmtInt(lang, r!.entered)} />
                  <Stat testId="stat-holdout" label={t("holdout")} value={fmtInt(lang, r!.holdout)} />
                  <Stat testId="stat-active" label={t("activeNow")} value={fmtInt(lang, r!.active)} />
                  <Stat testId="stat-done" label={t("doneN")} value={fmtInt(lang, r!.done)} />
                  <Stat testId="stat-exited" label={t("exitedN")} value={fmtInt(lang, exitedTotal)} />
                  <Stat testId="stat-attributed" label={t("attributed")} value={money(r!.attributedRevenue)} />
                  <Stat testId="stat-incremental" label={t("incremental")} value={money(r!.incrementalRevenue)} />
                </Box>
                {Object.keys(exited).length > 0 && (
                  <Text size={2} color="default2" data-testid="exit-reasons">{t("exitedN")}: {Object.entries(exited)
                    .map(([reason, n]) => `${flowLabel(lang, `exit.${reason}`)} ${fmtInt(lang, n)}`).join(" · ")}</Text>)}
                <Text size={2} data-testid="verdict" data-verdict={r!.verdict ?? ""}>
                  {r!.verdict ? t(`verdict_${r!.verdict}` as Key) : ""}
                  {num(r!.incrementalLow) !== null && num(r!.incrementalHigh) !== null &&
                    ` · ${t("interval")}: ${money(r!.incrementalLow)} – ${money(r!.incrementalHigh)}`}</Text>
              </>);
          }}
        </Guard>
      </Card>
      {state.data?.ltvFlowReport && <StepsCard report={state.data.ltvFlowReport} />}
      {state.data?.ltvFlowReport && state.data.ltvFlowReport.variants.length > 0 &&
        <VariantsCard report={state.data.ltvFlowReport} money={money} />}
    </Box>
  );
}

function StepsCard({ report }: { report: Report }) {
  const { t, lang } = useApp();
  const label = (s: StepFigures) => s.name || `${flowLabel(lang, `step.${s.kind}`)} ${s.stepId}`;
  const chart = report.steps.map((s) => ({ name: label(s), [t("passed")]: s.passed, [t("sent")]: s.sent,
    [t("opened")]: s.opened, [t("clicked")]: s.clicked }));
  return (
    <Card title={t("steps")} testId="report-steps">
      <div style={{ width: "100%", height: 260 }} data-testid="chart-steps">
        <ResponsiveContainer>
          <BarChart data={chart}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="name" interval={0} tick={{ fontSize: 11 }} />
            <YAxis width={48} tickFormatter={(v: number) => fmtCompact(lang, v)} />
            <Tooltip />
            <Legend />
            <Bar dataKey={t("passed")} fill="#c9d6f7" isAnimationActive={false} />
            <Bar dataKey={t("sent")} fill="#9db4f0" isAnimationActive={false} />
            <Bar dataKey={t("opened")} fill="#6a8fe6" isAnimationActive={false} />
            <Bar dataKey={t("clicked")} fill="#3868dc" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <div className="ltv-scroll">
        <table className="ltv-table" data-testid="report-steps-table">
          <thead><tr><th>{t("steps")}</th><th className="num">{t("passed")}</th><th className="num">{t("sent")}</th>
            <th className="num">{t("opened")}</th><th className="num">{t("clicked")}</th><th>{t("branches")}</th></tr></thead>
          <tbody>
            {report.steps.map((s) => {
              const branches = json<Record<string, number>>(s.branches ?? {});
              return (
                <tr key={s.stepId} data-step={s.stepId}>
                  <td>{label(s)}</td><td className="num" data-field="passed">{fmtInt(lang, s.passed)}</td>
                  <td className="num" data-field="sent">{fmtInt(lang, s.sent)}</td>
                  <td className="num" data-field="opened">{fmtInt(lang, s.opened)}</td>
                  <td className="num" data-field="clicked">{fmtInt(lang, s.clicked)}</td>
                  <td data-field="branches">{Object.entries(branches).map(([b, n]) =>
                    `${b === "yes" || b === "no" ? flowLabel(lang, `value.${b}`) : b}: ${fmtInt(lang, n)}`).join(" · ")}</td>
                </tr>);
            })}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

function VariantsCard({ report, money }: { report: Report; money: (v: Money) => string }) {
  const { t, lang } = useApp();
  const chart = report.variants.map((v) => ({ name: `${v.stepId} · ${v.key}`, [t("revenuePerRecipient")]: num(v.revenuePerRecipient) ?? 0 }));
  const names = new Map(report.steps.map((s) => [s.stepId, s.name]));
  return (
    <Card title={t("variants")} testId="report-variants">
      <div style={{ width: "100%", height: 220 }} data-testid="chart-variants">
        <ResponsiveContainer>
          <BarChart data={chart}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="name" />
            <YAxis width={64} tickFormatter={(v: number) => fmtCompact(lang, v)} />
            <Tooltip formatter={(v) => money(Number(v))} />
            <Bar dataKey={t("revenuePerRecipient")} fill="#3868dc" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      {variantsByStep(report.variants, report.winners ?? []).map(({ stepId, variants, winner }) => (
        <div key={stepId} className="ltv-scroll" data-testid="report-ab-step" data-step={stepId}>
          <Text fontWeight="bold">{names.get(stepId) ? `${names.get(stepId)} (${stepId})` : `${flowLabel(lang, "step.ab")} ${stepId}`}</Text>
          <Text as="p" size={2} data-testid="ab-winner" data-winner={winner?.key ?? ""}>
            {winner ? <>
              <strong>{t("winner")}: {winner.key}</strong>{" · "}
              {fill(t("winnerDecided"), { when: fmtDateTime(lang, winner.decidedAt),
                metric: flowLabel(lang, `value.${winner.figures.metric ?? "orders"}`),
                days: fmtNum(lang, winner.figures.days_running ?? null, 1) })}
              {(winner.figures.variants ?? []).length > 0 && " · " + (winner.figures.variants ?? []).map((f) =>
                fill(t("winnerFigures"), { key: f.key, successes: fmtInt(lang, f.successes), recipients: fmtInt(lang, f.recipients),
                  chance: fmtPct(lang, f.probability_best) })).join(" · ")}
            </> : <AutoWinnerWait setting={(report.autoWinners ?? []).find((a) => a.stepId === stepId)}
                                 fewest={Math.min(...variants.map((v) => v.recipients))} />}</Text>
          <table className="ltv-table" data-testid="report-variants-table">
            <thead><tr><th>{t("variants")}</th><th className="num">{t("recipients")}</th>
              <th className="num">{t("delivered")}</th><th className="num">{t("openRate")}</th><th className="num">{t("clickRate")}</th>
              <th className="num">{t("orders")}</th><th className="num">{t("revenue")}</th><th className="num">{t("revenuePerRecipient")}</th>
              <th className="num">{t("probabilityBest")}</th><th className="num">{t("pValue")}</th></tr></thead>
            <tbody>
              {variants.map((v) => (
                <tr key={`${v.stepId}:${v.key}`} data-variant={`${v.stepId}:${v.key}`}
                    data-winner={winner?.key === v.key || undefined}>
                  <td>{v.key}{winner?.key === v.key ? ` ★ ${t("winner")}` : ""}</td>
                  <td className="num" data-field="recipients">{fmtInt(lang, v.recipients)}</td>
                  <td className="num" data-field="delivered">{fmtInt(lang, v.delivered)}</td>
                  <td className="num" data-field="openRate" data-count={v.opened}>
                    {fmtPct(lang, v.delivered ? v.opened / v.delivered : null)}</td>
                  <td className="num" data-field="clickRate" data-count={v.clicked}>
                    {fmtPct(lang, v.delivered ? v.clicked / v.delivered : null)}</td>
                  <td className="num" data-field="orders">{fmtInt(lang, v.orders)}</td><td className="num" data-field="revenue">{money(v.revenue)}</td>
                  <td className="num" data-field="revenuePerRecipient">{money(v.revenuePerRecipient)}</td>
                  <td className="num" data-field="probabilityBest">{fmtPct(lang, v.probabilityBest)}</td>
                  <td className="num" data-field="pValue">{fmtNum(lang, v.pValue, 3)}</td>
                </tr>))}
            </tbody>
          </table>
        </div>))}
    </Card>
  );
}
