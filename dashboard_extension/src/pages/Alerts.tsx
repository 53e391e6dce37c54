import { Box, Button, Text } from "@saleor/macaw-ui";
import { useEffect, useState } from "react";

import type { ApiError } from "../api";
import { notify, openNewTab } from "../bridge";
import { Card, Dialog, ErrorBox, Guard, Pager } from "../components/ui";
import { useApp, useMutation, useQuery } from "../context";
import { fmtDate, fmtInt, fmtMoney, fmtNum, fmtPhone } from "../format";
import { fill, type Key, type Lang, translate } from "../i18n";
import { navigate, type Route, withQuery } from "../router";
import { printUrl } from "./Print";

const PAGE = 25;
const QUERY = `query Alerts($channel: String, $state: String, $kind: String, $first: Int, $after: String,
    $calls: Boolean!) {
  ltvAlerts(channel: $channel, state: $state, kind: $kind, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id kind state priority reason data assignee note createdAt account { id name
      contacts { email lastName firstName phone }
      orders(first: 3) @include(if: $calls) { number createdAt total { amount currency } } }
      lastCallOutcome @include(if: $calls) { outcome callbackOn note recordedBy recordedAt } } }
  }
}`;
const MUTATIONS = {
  acknowledge: `mutation($id: ID!) { ltvAlertAcknowledge(id: $id) { alert { id state } errors { field message code } } }`,
  close: `mutation($id: ID!, $note: String) { ltvAlertClose(id: $id, note: $note) { alert { id state } errors { field message code } } }`,
  reopen: `mutation($id: ID!) { ltvAlertReopen(id: $id) { alert { id state } errors { field message code } } }`,
  assign: `mutation($id: ID!, $assignee: String) { ltvAlertAssign(id: $id, assignee: $assignee) { alert { id assignee } errors { field message code } } }`,
  outcome: `mutation($id: ID!, $outcome: LtvCallOutcomeKind!, $callbackOn: Date, $note: String) {
    ltvCallOutcomeRecord(id: $id, outcome: $outcome, callbackOn: $callbackOn, note: $note) {
      alert { id state } errors { field message code } } }`,
};
const PAYLOAD = { acknowledge: "ltvAlertAcknowledge", close: "ltvAlertClose", reopen: "ltvAlertReopen",
                  assign: "ltvAlertAssign", outcome: "ltvCallOutcomeRecord" } as const;
export const OUTCOMES = ["reached", "no_answer", "callback", "lost", "ordered"] as const;
type Outcome = (typeof OUTCOMES)[number];

interface Contact { email: string; lastName: string; firstName: string; phone: string }
interface CallOutcome { outcome: string; callbackOn: string | null; note: string; recordedBy: string; recordedAt: string }
interface Alert { id: string; kind: string; state: string; priority: number; reason: string; data: string;
  assignee: string; note: string; createdAt: string; lastCallOutcome?: CallOutcome | null;
  account: { id: string; name: string; contacts: Contact[];
    orders?: { number: string; createdAt: string; total: { amount: number; currency: string } }[] } }
interface Recording { alert: Alert; outcome: Outcome; callbackOn: string; note: string }
interface Data { ltvAlerts: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { node: Alert }[] } }

const STATES = ["open", "acknowledged", "closed"] as const;
const KINDS = ["", "churn_risk", "high_intent"] as const;

export function Alerts({ route }: { route: Route }) {
  const { t, channel, lang, token } = useApp();
  const q = route.query;
  const view = q.get("view") === "calls" ? "calls" : "inbox";
  const state = q.get("state") || "open";
  const kind = view === "calls" ? "call" : q.get("kind") || "";
  const set = (changes: Record<string, string | undefined>) =>
    navigate(withQuery("alerts", { view, state, kind: view === "calls" ? undefined : kind, ...changes }), true);
  return (
    <Box display="flex" flexDirection="column" gap={4} data-testid="page-alerts">
      <Box display="flex" gap={2} className="ltv-noprint">
        <nav className="ltv-nav">
          <a href="#" aria-current={view === "inbox" ? "page" : undefined} data-testid="view-inbox"
             onClick={(e) => { e.preventDefault(); set({ view: "inbox", state: "open", after: undefined }); }}>{t("inbox")}</a>
          <a href="#" aria-current={view === "calls" ? "page" : undefined} data-testid="view-calls"
             onClick={(e) => { e.preventDefault(); set({ view: "calls", state: "open", after: undefined }); }}>{t("callList")}</a>
        </nav>
      </Box>
      <Box display="flex" gap={4} className="ltv-noprint" alignItems="center">
        <div className="ltv-chips" data-testid="alert-states">
          {STATES.map((s) => (
            <button key={s} type="button" className="ltv-chip" aria-pressed={state === s} data-value={s}
                    onClick={() => set({ state: s, after: undefined })}>{t(s as Key)}</button>))}
        </div>
        {view === "inbox" && (
          <div className="ltv-chips" data-testid="alert-kinds">
            {KINDS.map((k) => (
              <button key={k || "all"} type="button" className="ltv-chip" aria-pressed={kind === k} data-value={k}
                      onClick={() => set({ kind: k || undefined, after: undefined })}>{k ? t(k as Key) : t("all")}</button>))}
          </div>)}
        {view === "calls" && <Button variant="secondary" data-testid="print"
                                     onClick={() => openNewTab(printUrl(channel, state, lang, token ?? ""))}>{t("print")}</Button>}
      </Box>
      <AlertList channel={channel} state={state} kind={kind} after={q.get("after")} calls={view === "calls"}
                 onNext={(after) => set({ after })} onFirst={() => set({ after: undefined })} />
    </Box>
  );
}

/** Why it was raised, from its figures in the reader's language (the stored reason is the shop's). */
export function alertReason(lang: Lang, kind: string, data: Record<string, number | null>): string {
  const { overdue_ratio: ratio, typical_interval_days: days } = data;
  if (kind !== "high_intent" && ratio != null && days != null) {
    return fill(translate(lang, "reasonOverdue"), { ratio: ratio.toFixed(1), days: String(Math.round(days)) });
  }
  return kind === "high_intent" ? translate(lang, "reasonActive") : translate(lang, "noReason");
}

export function AlertList({ channel, state, kind, after, calls, onNext, onFirst, printing = false, onReady }: {
  channel: string; state: string; kind: string; after: string | null; calls: boolean; onNext: (c: string) => void;
  onFirst: () => void; printing?: boolean; onReady?: () => void }) {
  const { t, lang } = useApp();
  const mutate = useMutation();
  const query = useQuery<Data>(QUERY, { channel, state, kind: kind || null, first: printing ? 100 : PAGE, after,
                                       calls }, !channel);
  const [error, setError] = useState<ApiError>();
  // An in-page dialog, not window.prompt(): the Dashboard's sandbox ignores prompt().
  const [assigning, setAssigning] = useState<{ alert: Alert; value: string }>();
  const [recording, setRecording] = useState<Recording>();
  useEffect(() => { if (query.data) onReady?.(); }, [query.data]); // eslint-disable-line react-hooks/exhaustive-deps
  const act = async (action: keyof typeof MUTATIONS, alert: Alert, assignee?: string, call?: Recording) => {
    setError(undefined);
    if (action === "assign" && assignee === undefined) {
      setAssigning({ alert, value: alert.assignee });
      return;
    }
    if (action === "outcome" && call === undefined) {
      setRecording({ alert, outcome: "reached", callbackOn: "", note: "" });
      return;
    }
    const variables: Record<string, unknown> = action === "assign" ? { id: alert.id, assignee }
      : action === "outcome" && call ? { id: alert.id, outcome: call.outcome.toUpperCase(),
                                         callbackOn: call.outcome === "callback" ? call.callbackOn || null : null,
                                         note: call.note }
      : { id: alert.id };
    try {
      await mutate(MUTATIONS[action], variables, PAYLOAD[action]);
      notify("success", t(action === "assign" ? "assign" : action === "acknowledge" ? "acknowledged"
        : action === "close" ? "closed" : action === "outcome" ? "outcomeRecorded" : "open"), alert.account.name);
      query.reload();
    } catch (e) {
      setError(e as ApiError);
    }
  };
  const title = calls ? t("callList") : t("inbox");
  return (
    <Card title={query.data ? `${title} — ${query.data.ltvAlerts.totalCount}` : title} testId="alert-list">
      <Text className={printing ? undefined : "ltv-print-only"} size={6}>
        {title} · {channel} · {new Date().toISOString().slice(0, 10)}</Text>
      {error && <ErrorBox error={error} />}
      {assigning && (
        <Dialog title={`${t("assign")} — ${assigning.alert.account.name}`} testId="assign-dialog"
                onCancel={() => setAssigning(undefined)}
                onConfirm={() => { const { alert, value } = assigning; setAssigning(undefined); act("assign", alert, value); }}>
          <label className="ltv-field">{t("assignee")}
            <input autoFocus value={assigning.value} data-testid="assignee-input"
                   onChange={(e) => setAssigning({ ...assigning, value: e.target.value })} />
          </label>
        </Dialog>)}
      {recording && (
        <Dialog title={`${t("recordOutcome")} — ${recording.alert.account.name}`} testId="outcome-dialog"
                onCancel={() => setRecording(undefined)}
                onConfirm={() => { const call = recording; setRecording(undefined); act("outcome", call.alert, undefined, call); }}>
          <label className="ltv-field">{t("outcome")}
            <select value={recording.outcome} data-testid="outcome-select" autoFocus
                    onChange={(e) => setRecording({ ...recording, outcome: e.target.value as Outcome })}>
              {OUTCOMES.map((o) => <option key={o} value={o}>{t(`outcome_${o}` as Key)}</option>)}
            </select>
          </label>
          {recording.outcome === "callback" && (
            <label className="ltv-field">{t("callbackOn")}
              <input type="date" value={recording.callbackOn} data-testid="callback-input" required
                     onChange={(e) => setRecording({ ...recording, callbackOn: e.target.value })} />
            </label>)}
          <label className="ltv-field">{t("callNote")}
            <textarea value={recording.note} data-testid="outcome-note" rows={3} maxLength={5000}
                      onChange={(e) => setRecording({ ...recording, note: e.target.value })} />
          </label>
        </Dialog>)}
      <Guard state={query} isEmpty={(d) => d.ltvAlerts.edges.length === 0}>
        {(d) => (
          <>
            <table className="ltv-table" data-testid="alerts-table">
              <thead><tr>
                <th className="num">{t("priority")}</th><th>{calls ? t("company") : t("account")}</th>
                {!calls && <th>{t("kind")}</th>}{calls && <th>{t("buyer")}</th>}
                <th>{t("reason")}</th><th className="num">{t("clv")}</th><th className="num">{t("overdue")}</th>
                {calls && <><th>{t("recentOrders")}</th><th>{t("lastOutcome")}</th></>}
                <th>{t("assignee")}</th><th>{t("created")}</th>
                {!printing && <th className="ltv-noprint" />}
              </tr></thead>
              <tbody>
                {d.ltvAlerts.edges.map(({ node: a }) => {
                  let data: Record<string, number | null> = {};
                  try { data = JSON.parse(a.data); } catch { /* shown as — */ }
                  return (
                    <tr key={a.id} data-alert={a.id} data-state={a.state}>
                      <td className="num">{a.priority}</td>
                      <td><a href="#" onClick={(e) => { e.preventDefault(); navigate(`accounts/${encodeURIComponent(a.account.id)}`); }}>
                        {a.account.name}</a></td>
                      {!calls && <td>{t(a.kind as Key)}</td>}
                      {calls && <td data-testid="call-buyers">{a.account.contacts.map((c) => <CallContact key={c.email} contact={c} />)}</td>}
                      <td title={a.reason}>{alertReason(lang, a.kind, data)}</td>
                      <td className="num">{fmtInt(lang, data.clv)}</td>
                      <td className="num">{fmtNum(lang, data.overdue_ratio, 2)}</td>
                      {calls && <td data-testid="call-orders">{(a.account.orders ?? []).map((o) => (
                        <div key={o.number}>{fmtDate(lang, o.createdAt)} · {fmtMoney(lang, o.total.amount, o.total.currency)}</div>))}</td>}
                      {calls && <td data-testid="call-outcome">{a.lastCallOutcome ? <>
                        {t(`outcome_${a.lastCallOutcome.outcome.toLowerCase()}` as Key)}
                        {a.lastCallOutcome.callbackOn && ` (${fmtDate(lang, a.lastCallOutcome.callbackOn)})`}
                        <div className="ltv-note">{a.lastCallOutcome.recordedBy} · {fmtDate(lang, a.lastCallOutcome.recordedAt)}</div>
                      </> : "—"}</td>}
                      <td>{a.assignee}</td><td>{fmtDate(lang, a.createdAt)}</td>
                      {!printing && <td className="ltv-noprint">
                        <Box display="flex" gap={1}>
                          {calls && <Button size="small" variant="primary" onClick={() => act("outcome", a)}
                                            data-action="outcome">{t("recordOutcome")}</Button>}
                          <Button size="small" variant="tertiary" onClick={() => act("assign", a)} data-action="assign">{t("assign")}</Button>
                          {a.state === "open" && <Button size="small" variant="secondary" onClick={() => act("acknowledge", a)}
                                                         data-action="acknowledge">{t("acknowledge")}</Button>}
                          {a.state !== "closed" && <Button size="small" variant="secondary" onClick={() => act("close", a)}
                                                           data-action="close">{t("close")}</Button>}
                          {a.state === "closed" && <Button size="small" variant="secondary" onClick={() => act("reopen", a)}
                                                           data-action="reopen">{t("reopen")}</Button>}
                        </Box>
                      </td>}
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {!printing && <Pager hasPrevious={!!after} hasNext={d.ltvAlerts.pageInfo.hasNextPage} onPrevious={onFirst}
                   onNext={() => d.ltvAlerts.pageInfo.endCursor && onNext(d.ltvAlerts.pageInfo.endCursor)} />}
          </>
        )}
      </Guard>
    </Card>
  );
}

/** A buyer to call: name and a tap-to-call link (tel: with the E.164 number, shown as dialled in Japan), or the
 * e-mail when no phone is known. */
function CallContact({ contact }: { contact: Contact }) {
  const { t } = useApp();
  const name = [contact.lastName, contact.firstName].filter(Boolean).join(" ") || contact.email;
  return (
    <div>
      {name}{" "}
      {contact.phone ? <a href={`tel:${contact.phone}`} data-testid="tel-link">{fmtPhone(contact.phone)}</a>
        : <span className="ltv-note">{t("noPhone")}</span>}
    </div>
  );
}
