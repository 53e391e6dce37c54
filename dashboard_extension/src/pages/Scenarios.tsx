import { Box, Button, Text } from "@saleor/macaw-ui";
import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import type { ApiError } from "../api";
import { notify } from "../bridge";
import { Card, ErrorBox, Guard, MissingPermission } from "../components/ui";
import { useApp, useMutation, useQuery } from "../context";
import { fmtCompact, fmtInt, fmtMoney, fmtNum, fmtPct } from "../format";
import { valueLabel } from "../i18n";

const SCENARIOS = `query Scenarios($channel: String!, $language: String) {
  ltvScenarios(channel: $channel) { key title(language: $language) description(language: $language) trigger(language: $language)
    enabled holdoutPercent params { name label(language: $language) value default help(language: $language)
    minimum maximum } }
}`;
const REPORT = `query Report($channel: String!, $since: Date, $until: Date, $language: String) {
  ltvScenarioReport(channel: $channel, since: $since, until: $until) { currency since until toolCost
    total { ...F } scenarios { ...F } }
}
fragment F on LtvScenarioFigures { scenario enrolled holdout sent failed opened clicked openRate clickRate
  attributedOrders attributedRevenue incrementalRevenue incrementalRevenueLow incrementalRevenueHigh incrementalVerdict
  incrementalVerdictText(language: $language) cost roas incrementalRoas }`;
const UPDATE = `mutation($channel: String!, $scenario: ID!, $input: LtvScenarioInput!) {
  ltvScenarioUpdate(channel: $channel, scenario: $scenario, input: $input) {
    scenario { key enabled params { name value } } errors { field message code } } }`;

interface Param { name: string; label: string; value: string | null; default: string | null; help: string; minimum: number | null;
  maximum: number | null }
interface Scenario { key: string; title: string; description: string; trigger: string; enabled: boolean;
  holdoutPercent: number; params: Param[] }
interface Figures { scenario: string; enrolled: number; holdout: number; sent: number; failed: number; opened: number;
  clicked: number; openRate: number | null; clickRate: number | null; attributedOrders: number;
  attributedRevenue: number; incrementalRevenue: number | null; incrementalRevenueLow: number | null;
  incrementalRevenueHigh: number | null; incrementalVerdict: Verdict; incrementalVerdictText: string; cost: number;
  roas: number | null; incrementalRoas: number | null }
type Verdict = "TOO_SMALL" | "INCONCLUSIVE" | "POSITIVE" | "NEGATIVE";

// Switching and editing scenarios is the settings:write scope, which only MANAGE_PLUGINS gives
// (auth._SCOPES_BY_PERMISSION); the token carries the app's permissions ∩ the user's.
export const EDIT_PERMISSION = "MANAGE_PLUGINS";

export function Scenarios() {
  const { t, lang, channel, permissions } = useApp();
  const canEdit = permissions.includes(EDIT_PERMISSION);
  // Empty until the admin picks dates: the API's own default window ("the last 30 days" in the
  // shop's time zone) then decides, so this page and the API agree on what the figures cover.
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const list = useQuery<{ ltvScenarios: Scenario[] }>(SCENARIOS, { channel, language: lang }, !channel);
  const report = useQuery<{ ltvScenarioReport: { currency: string | null; since: string; until: string; toolCost: number; total: Figures;
    scenarios: Figures[] } }>(REPORT, { channel, since: since || null, until: until || null, language: lang }, !channel);
  const titles = new Map(list.data?.ltvScenarios.map((s) => [s.key, s.title]) ?? []);
  return (
    <Box display="flex" flexDirection="column" gap={4} data-testid="page-scenarios">
      <Card title={t("report")} testId="scenario-report" actions={<>
        <label className="ltv-field">{t("from")}<input type="date" value={since || report.data?.ltvScenarioReport.since || ""} onChange={(e) => setSince(e.target.value)} /></label>
        <label className="ltv-field">{t("to")}<input type="date" value={until || report.data?.ltvScenarioReport.until || ""} onChange={(e) => setUntil(e.target.value)} /></label></>}>
        <Guard state={report}>
          {({ ltvScenarioReport: r }) => (
            <>
              <div style={{ width: "100%", height: 260 }} data-testid="chart-report">
                <ResponsiveContainer>
                  <BarChart data={r.scenarios.map((s) => ({ name: titles.get(s.scenario) ?? s.scenario,
                    [t("attributed")]: s.attributedRevenue, [t("incremental")]: s.incrementalVerdict === "TOO_SMALL" ? null : s.incrementalRevenue }))}>
                    <CartesianGrid strokeDasharray="3 3" vertical={false} />
                    <XAxis dataKey="name" interval={0} tick={{ fontSize: 11 }} />
                    <YAxis width={64} tickFormatter={(v: number) => fmtCompact(lang, v)} />
                    <Tooltip formatter={(v) => fmtMoney(lang, Number(v), r.currency)} />
                    <Legend />
                    <Bar dataKey={t("attributed")} fill="#9db4f0" isAnimationActive={false} />
                    <Bar dataKey={t("incremental")} fill="#3868dc" isAnimationActive={false} />
                  </BarChart>
                </ResponsiveContainer>
              </div>
              <table className="ltv-table" data-testid="report-table">
                <thead><tr><th>{t("scenario")}</th><th className="num">{t("enrolled")}</th>
                  <th className="num">{t("holdout")}</th><th className="num">{t("sent")}</th>
                  <th className="num">{t("openRate")}</th><th className="num">{t("clickRate")}</th>
                  <th className="num">{t("attributed")}</th><th className="num">{t("incremental")}</th>
                  <th>{t("verdict")}</th>
                  <th className="num">{t("cost")}</th><th className="num">{t("roas")}</th></tr></thead>
                <tbody>
                  {[...r.scenarios, r.total].map((s) => (
                    <tr key={s.scenario} data-scenario={s.scenario}>
                      <td>{s === r.total ? t("total") : titles.get(s.scenario) ?? s.scenario}</td>
                      <td className="num">{fmtInt(lang, s.enrolled)}</td><td className="num">{fmtInt(lang, s.holdout)}</td>
                      <td className="num" data-field="sent">{fmtInt(lang, s.sent)}</td>
                      <td className="num">{fmtPct(lang, s.openRate)}</td><td className="num">{fmtPct(lang, s.clickRate)}</td>
                      <td className="num" data-field="attributed">{fmtMoney(lang, s.attributedRevenue, r.currency)}</td>
                      <Incremental figures={s} currency={r.currency} />
                      <td className="num">{fmtMoney(lang, s.cost, r.currency)}</td>
                      <td className="num">{fmtNum(lang, s.roas, 1)}</td>
                    </tr>))}
                </tbody>
              </table>
            </>
          )}
        </Guard>
      </Card>
      {!canEdit && <MissingPermission permission={EDIT_PERMISSION} />}
      <Guard state={list}>
        {(d) => <>{d.ltvScenarios.map((s) => <ScenarioCard key={s.key} scenario={s} channel={channel}
                                                             onSaved={list.reload} readOnly={!canEdit} />)}</>}
      </Guard>
    </Box>
  );
}

/** The holdout read-out: a figure only with its interval, and in words when it cannot tell. */
function Incremental({ figures: s, currency }: { figures: Figures; currency: string | null }) {
  const { t, lang } = useApp();
  const told = s.incrementalVerdict !== "TOO_SMALL";
  return (
    <>
      <td className="num" data-field="incremental">
        {told ? fmtMoney(lang, s.incrementalRevenue, currency) : "—"}
        {told && s.incrementalRevenueLow !== null && s.incrementalRevenueHigh !== null && (
          <Text as="p" size={1} color="default2" data-field="interval">
            {t("interval95")} {fmtMoney(lang, s.incrementalRevenueLow, currency)} … {fmtMoney(lang, s.incrementalRevenueHigh, currency)}
          </Text>)}
      </td>
      <td data-field="verdict" data-verdict={s.incrementalVerdict} title={s.incrementalVerdictText}>
        {valueLabel(lang, "verdict_", s.incrementalVerdict)}
      </td>
    </>
  );
}

function ScenarioCard({ scenario: s, channel, onSaved, readOnly }: { scenario: Scenario; channel: string;
  onSaved: () => void; readOnly: boolean }) {
  const { t } = useApp();
  const mutate = useMutation();
  const [values, setValues] = useState<Record<string, string>>(
    () => Object.fromEntries(s.params.map((p) => [p.name, p.value ?? p.default ?? ""])));
  const [error, setError] = useState<ApiError>();
  const [enabled, setEnabled] = useState(s.enabled);
  const save = async (input: Record<string, unknown>) => {
    setError(undefined);
    try {
      await mutate(UPDATE, { channel, scenario: s.key, input }, "ltvScenarioUpdate");
      notify("success", t("saved"), s.title);
      onSaved();
    } catch (e) {
      setError(e as ApiError);
      setEnabled(s.enabled); // the switch shows what is stored, not what was asked
    }
  };
  const saveParams = () => {
    const params: Record<string, unknown> = {};
    for (const [name, text] of Object.entries(values)) {
      try { params[name] = JSON.parse(text); } catch { params[name] = text; }
    }
    save({ params: JSON.stringify(params) });
  };
  return (
    <Card testId={`scenario-${s.key}`} title={s.title} actions={
      <label className="ltv-field" style={{ flexDirection: "row", alignItems: "center" }}>
        <input type="checkbox" checked={enabled} data-testid="scenario-enabled" disabled={readOnly}
               onChange={(e) => { setEnabled(e.target.checked); save({ enabled: e.target.checked }); }} />
        {enabled ? t("enabled") : t("disabled")}
      </label>}>
      <Text color="default2">{s.description}</Text>
      <Text size={2}>{t("trigger")}: {s.trigger} · {t("holdout")} {s.holdoutPercent}%</Text>
      {s.params.length > 0 && (
        <div className="ltv-filters">
          {s.params.map((p) => (
            <label key={p.name} className="ltv-field" title={p.help}>{p.label}
              <input value={values[p.name]} data-param={p.name} readOnly={readOnly}
                     onChange={(e) => setValues({ ...values, [p.name]: e.target.value })} />
            </label>))}
          <Button variant="secondary" onClick={saveParams} data-testid="save-params" disabled={readOnly}>{t("save")}</Button>
        </div>)}
      {error && <ErrorBox error={error} />}
    </Card>
  );
}
