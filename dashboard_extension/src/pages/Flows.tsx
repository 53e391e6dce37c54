// The flow list: flows and broadcasts of the channel, create from a template or empty, pause/resume/archive.
import { Box, Button, Text } from "@saleor/macaw-ui";
import { useState } from "react";

import type { ApiError } from "../api";
import { notify } from "../bridge";
import { localToIso } from "../components/FlowFields";
import { Card, Dialog, ErrorBox, Guard, MissingPermission } from "../components/ui";
import { useApp, useMutation, useQuery } from "../context";
import { CREATE, CREATE_BROADCAST, FLOWS, type FlowKind, type FlowRow, stateMutation, type Template,
  useSegments } from "../flowApi";
import { emptyContent } from "../flowDoc";
import { fmtDateTime, fmtInt } from "../format";
import type { Key } from "../i18n";
import { navigate, type Route, withQuery } from "../router";
import { EDIT_PERMISSION } from "./Scenarios";

export function Flows({ route }: { route: Route }) {
  const { t, lang, channel, permissions } = useApp();
  const kind = (route.query.get("kind") === "BROADCAST" ? "BROADCAST" : "FLOW") as FlowKind;
  const canEdit = permissions.includes(EDIT_PERMISSION);
  const state = useQuery<{ ltvFlows: FlowRow[]; ltvFlowTemplates: Template[] }>(FLOWS, { channel, language: lang }, !channel);
  const [creating, setCreating] = useState(false);
  const tab = (k: FlowKind) => navigate(withQuery("flows", { channel, kind: k === "BROADCAST" ? k : undefined }));
  return (
    <Box display="flex" flexDirection="column" gap={4} data-testid="page-flows">
      {!canEdit && <MissingPermission permission={EDIT_PERMISSION} />}
      <Card title={t("flowsTitle")} actions={<>
        <div className="ltv-chips" role="tablist">
          {(["FLOW", "BROADCAST"] as FlowKind[]).map((k) => (
            <button key={k} type="button" className="ltv-chip" role="tab" aria-pressed={kind === k} data-testid={`tab-${k}`}
                    onClick={() => tab(k)}>{t(k === "FLOW" ? "flows" : "broadcasts")}</button>))}
        </div>
        <Button variant="primary" disabled={!canEdit} data-testid="new-flow" onClick={() => setCreating(true)}>
          {t(kind === "FLOW" ? "newFlow" : "newBroadcast")}</Button></>}>
        <Guard state={state}>
          {(d) => <FlowTable rows={d.ltvFlows.filter((f) => f.kind === kind)} templates={d.ltvFlowTemplates}
                             readOnly={!canEdit} onChanged={state.reload} />}
        </Guard>
      </Card>
      {creating && state.data && (kind === "FLOW"
        ? <NewFlow templates={state.data.ltvFlowTemplates} onClose={() => setCreating(false)} />
        : <NewBroadcast onClose={() => setCreating(false)} />)}
    </Box>
  );
}

function FlowTable({ rows, templates, readOnly, onChanged }: { rows: FlowRow[]; templates: Template[]; readOnly: boolean;
  onChanged: () => void }) {
  const { t, lang, channel } = useApp();
  const mutate = useMutation();
  const [error, setError] = useState<ApiError>();
  const titles = new Map(templates.map((x) => [x.key, x.title]));
  const act = async (flow: FlowRow, name: Parameters<typeof stateMutation>[0]) => {
    setError(undefined);
    try {
      await mutate(stateMutation(name), { id: flow.id }, name);
      notify("success", t("saved"), flow.name);
      onChanged();
    } catch (e) { setError(e as ApiError); }
  };
  const open = (flow: FlowRow, report = false) => navigate(withQuery(`flows/${flow.id}${report ? "/report" : ""}`, { channel }));
  return (
    <>
      {error && <ErrorBox error={error} />}
      <div className="ltv-scroll">
        <table className="ltv-table" data-testid="flows-table">
          <thead><tr><th>{t("name")}</th><th>{t("status")}</th><th>{t("kind")}</th><th className="num">{t("entered")}</th>
            <th className="num">{t("activeNow")}</th><th>{t("updated")}</th><th /></tr></thead>
          <tbody>
            {rows.length === 0 && <tr><td colSpan={7}><Text color="default2">{t("empty")}</Text></td></tr>}
            {rows.map((f) => (
              <tr key={f.id} data-flow={f.key} data-state={f.state}>
                <td><a href="#" onClick={(e) => { e.preventDefault(); open(f); }} data-testid="open-flow">{f.name}</a>
                  {f.templateKey && <Text size={1} color="default2"> · {titles.get(f.templateKey) ?? f.templateKey}</Text>}</td>
                <td data-field="state">{t(`state_${f.state}` as Key)}{f.hasUnpublishedChanges && f.state !== "DRAFT"
                  ? <Text size={1} color="default2"> · {t("unpublished")}</Text> : null}</td>
                <td>{t(`kind_${f.kind}` as Key)}</td>
                <td className="num" data-field="entered">{fmtInt(lang, f.entered)}</td>
                <td className="num" data-field="active">{fmtInt(lang, f.active)}</td>
                <td>{fmtDateTime(lang, f.updatedAt)}</td>
                <td><Box display="flex" gap={2} justifyContent="flex-end">
                  <Button size="small" variant="secondary" onClick={() => open(f)} data-testid="edit-flow">{t("edit")}</Button>
                  <Button size="small" variant="secondary" onClick={() => open(f, true)} data-testid="report-flow">{t("openReport")}</Button>
                  {f.state === "LIVE" && f.kind === "FLOW" && <Button size="small" variant="secondary" disabled={readOnly}
                    data-testid="pause-flow" onClick={() => act(f, "ltvFlowPause")}>{t("pause")}</Button>}
                  {f.state === "PAUSED" && <Button size="small" variant="secondary" disabled={readOnly}
                    data-testid="resume-flow" onClick={() => act(f, "ltvFlowResume")}>{t("resume")}</Button>}
                  {f.state !== "ARCHIVED" && <Button size="small" variant="tertiary" disabled={readOnly} data-testid="archive-flow"
                    onClick={() => act(f, f.kind === "BROADCAST" ? "ltvBroadcastCancel" : "ltvFlowArchive")}>
                    {t(f.kind === "BROADCAST" ? "cancelBroadcast" : "archive")}</Button>}
                </Box></td>
              </tr>))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function NewFlow({ templates, onClose }: { templates: Template[]; onClose: () => void }) {
  const { t, channel } = useApp();
  const mutate = useMutation();
  const [templateKey, setTemplateKey] = useState("");
  const [name, setName] = useState("");
  const [error, setError] = useState<ApiError>();
  const chosen = templates.find((x) => x.key === templateKey);
  const create = async () => {
    setError(undefined);
    try {
      const made = await mutate<{ flow: { id: string } }>(CREATE, { channel, name: name || chosen?.title || t("newFlow"),
        templateKey: templateKey || null, kind: "FLOW" }, "ltvFlowCreate");
      navigate(withQuery(`flows/${made.flow.id}`, { channel }));
    } catch (e) { setError(e as ApiError); }
  };
  return (
    <Dialog title={t("newFlow")} onConfirm={create} onCancel={onClose} testId="new-flow-dialog">
      <label className="ltv-field">{t("startFrom")}
        <select value={templateKey} data-testid="new-flow-template" onChange={(e) => setTemplateKey(e.target.value)}>
          <option value="">{t("emptyFlow")}</option>
          {templates.map((x) => <option key={x.key} value={x.key}>{x.title}</option>)}
        </select>
      </label>
      {chosen && <Text size={2} color="default2">{chosen.description}</Text>}
      <label className="ltv-field">{t("flowName")}
        <input value={name} placeholder={chosen?.title} data-testid="new-flow-name" onChange={(e) => setName(e.target.value)} />
      </label>
      {error && <ErrorBox error={error} />}
    </Dialog>
  );
}

function NewBroadcast({ onClose }: { onClose: () => void }) {
  const { t, lang, channel } = useApp();
  const mutate = useMutation();
  const segments = useSegments(channel);
  const [name, setName] = useState("");
  const [segment, setSegment] = useState("");
  const [subject, setSubject] = useState("");
  const [sendAt, setSendAt] = useState("");
  const [error, setError] = useState<ApiError>();
  const create = async () => {
    setError(undefined);
    const content = emptyContent(lang);
    Object.values(content)[0]!.subject = subject;
    try {
      const made = await mutate<{ flow: { id: string } }>(CREATE_BROADCAST, { channel, name, segmentId: segment,
        content: JSON.stringify(content), sendAt: localToIso(sendAt) ?? null }, "ltvBroadcastCreate");
      navigate(withQuery(`flows/${made.flow.id}`, { channel }));
    } catch (e) { setError(e as ApiError); }
  };
  return (
    <Dialog title={t("newBroadcast")} onConfirm={create} onCancel={onClose} testId="new-broadcast-dialog">
      <label className="ltv-field">{t("name")}
        <input value={name} required data-testid="broadcast-name" onChange={(e) => setName(e.target.value)} /></label>
      <label className="ltv-field">{t("chooseSegment")}
        <select value={segment} required data-testid="broadcast-segment" onChange={(e) => setSegment(e.target.value)}>
          <option value="">—</option>
          {segments.map((s) => <option key={s.pk} value={s.id}>{s.name} ({s.accounts})</option>)}
        </select></label>
      <label className="ltv-field">{t("subject")}
        <input value={subject} data-testid="broadcast-subject" onChange={(e) => setSubject(e.target.value)} /></label>
      <label className="ltv-field">{t("sendAt")}
        <input type="datetime-local" value={sendAt} data-testid="broadcast-send-at" onChange={(e) => setSendAt(e.target.value)} />
      </label>
      {error && <ErrorBox error={error} />}
    </Dialog>
  );
}
