// Delivery channels (channel_setup.py over GraphQL): each registered channel, whether it is set up,
// its consent rule and limits, and a connection test that sends one message now and shows the provider's answer.
import { Box, Button, Input, Text } from "@saleor/macaw-ui";
import { useState } from "react";

import type { ApiError } from "../api";
import { notify } from "../bridge";
import { Card, ErrorBox, Guard, MissingPermission } from "../components/ui";
import { useApp, useMutation, useQuery } from "../context";
import { fill, type Key, type Lang, valueLabel } from "../i18n";

const QUERY = `query Channels($channel: String!, $language: String) {
  ltvDeliveryChannels(channel: $channel) { kind configured missingSettings
    settings { name label(language: $language) secret isSet required }
    needs consentKey consentUntilRevoked twoPhase limits { weeklyCap quietHours perSecond } testRecipient
    linkInvitations { pending invited failed } } }`;
const TEST = `mutation Test($channel: String!, $kind: String!, $to: String, $language: String) {
  ltvDeliveryChannelTest(channel: $channel, kind: $kind, to: $to) { sentTo
    answer { ok code providerMessage summary(language: $language) } errors { field message code } } }`;

interface Setting { name: string; label: string; secret: boolean; isSet: boolean; required: boolean }
interface Row {
  kind: string; configured: boolean; missingSettings: string[]; settings: Setting[]; needs: string[];
  consentKey: string | null; consentUntilRevoked: boolean; twoPhase: boolean;
  limits: { weeklyCap: boolean; quietHours: boolean; perSecond: number | null }; testRecipient: string | null;
  linkInvitations: { pending: number; invited: number; failed: number } | null;  // LINE only
}
interface Answer { ok: boolean; code: string; providerMessage: string; summary: string }

function consentRule(t: (k: Key) => string, lang: Lang, row: Row): string {
  if (!row.consentKey) return t("consentNoneStaff");
  return fill(t(row.consentUntilRevoked ? "consentUntilRevoked" : "consentAsked"),
              { consent: valueLabel(lang, "consentKey_", row.consentKey) });
}

function TestSend({ row }: { row: Row }) {
  const { t, lang, channel } = useApp();
  const mutate = useMutation();
  const [to, setTo] = useState("");
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<{ sentTo: string | null; answer: Answer | null }>();
  const [error, setError] = useState<ApiError>();
  const own = row.testRecipient === "email";
  const send = async () => {
    setBusy(true);
    setError(undefined);
    setAnswer(undefined);
    try {
      setAnswer(await mutate<{ sentTo: string | null; answer: Answer | null }>(
        TEST, { channel, kind: row.kind, to: own ? null : to, language: lang }, "ltvDeliveryChannelTest"));
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Box display="flex" flexDirection="column" gap={2} data-testid={`test-${row.kind}`}>
      <Box display="flex" gap={2} alignItems="center">
        {!own && <Input size="small" label={t(row.testRecipient === "line_id" ? "testLineUserId" : "testPhone")}
                        value={to} onChange={(e) => setTo(e.target.value)} data-testid={`test-to-${row.kind}`} />}
        <Button variant="secondary" onClick={send} disabled={busy || !row.configured}
                data-testid={`send-test-${row.kind}`}>{t(own ? "sendTestToMyEmail" : "sendTestToMe")}</Button>
      </Box>
      {error && <ErrorBox error={error} />}
      {answer?.answer && (
        <Text data-testid={`test-answer-${row.kind}`} data-ok={String(answer.answer.ok)}
              color={answer.answer.ok ? "success1" : "critical1"}>
          {answer.answer.ok ? "✔" : "✘"} {answer.sentTo}: {answer.answer.summary}</Text>)}
    </Box>
  );
}

const RETRY = `mutation { ltvLineInvitationsRetry { retried invitations { pending invited failed } errors { field message } } }`;

/** Failed link invitations (no linking page then, LINE down for long): a fresh set of tries for those still following. */
function RetryInvitations({ onDone }: { onDone: () => void }) {
  const { t } = useApp();
  const mutate = useMutation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const retry = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const done = await mutate<{ retried: number }>(RETRY, {}, "ltvLineInvitationsRetry");
      notify("success", fill(t("lineInvitationsRetried"), { n: String(done.retried) }));
      onDone();
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return <>
    <Button variant="secondary" size="small" onClick={retry} disabled={busy}
            data-testid="retry-line-invitations">{t("lineInvitationsRetry")}</Button>
    {error && <ErrorBox error={error} />}
  </>;
}

export function DeliveryChannels() {
  const { t, lang, channel, permissions } = useApp();
  const allowed = permissions.includes("MANAGE_PLUGINS");
  const state = useQuery<{ ltvDeliveryChannels: Row[] }>(QUERY, { channel, language: lang }, !channel || !allowed);
  if (!allowed) {
    return <Card title={t("channelsTitle")} testId="page-channels"><MissingPermission permission="MANAGE_PLUGINS" /></Card>;
  }
  return (
    <Card title={t("channelsTitle")} testId="page-channels">
      <Text size={2} color="default2">{t("channelsIntro")}</Text>
      <Guard state={state}>
        {({ ltvDeliveryChannels: rows }) => (
          <div className="ltv-scroll"><table className="ltv-table" data-testid="channels-table">
            <thead><tr><th>{t("deliveryChannel")}</th><th>{t("status")}</th><th>{t("channelSettings")}</th>
              <th>{t("consentRule")}</th><th>{t("sendLimits")}</th><th>{t("connectionTest")}</th></tr></thead>
            <tbody>{rows.map((row) => (
              <tr key={row.kind} data-kind={row.kind} data-configured={String(row.configured)}>
                <td>{valueLabel(lang, "channel_", row.kind)}</td>
                <td><Box as="span" color={row.configured ? "success1" : "critical1"}>
                  {row.configured ? `✔ ${t("channelReady")}` : `✘ ${t("channelNotReady")}`}</Box>
                  {row.missingSettings.length > 0 && <Text as="p" size={2} data-field="missing">
                    {t("missingSettings")}: {row.missingSettings.map((name) => <code key={name}>{name} </code>)}</Text>}
                  {row.linkInvitations && <Text as="p" size={2} data-field="link-invitations"
                    data-pending={row.linkInvitations.pending} data-failed={row.linkInvitations.failed}
                    color={row.linkInvitations.failed > 0 ? "critical1" : undefined}>
                    {fill(t("lineInvitations"), { pending: String(row.linkInvitations.pending),
                      invited: String(row.linkInvitations.invited), failed: String(row.linkInvitations.failed) })}</Text>}
                  {row.linkInvitations && row.linkInvitations.failed > 0 && <RetryInvitations onDone={state.reload} />}
                </td>
                <td><ul className="ltv-plain-list">{row.settings.map((s) => (
                  <li key={s.name} data-setting={s.name} data-set={String(s.isSet)}>
                    {s.label} — {s.isSet ? t("settingSet") : t("settingUnset")}
                    {s.secret && <> ({t("settingSecret")})</>}{!s.required && <> · {t("settingOptional")}</>}
                  </li>))}</ul></td>
                <td data-field="consent">{consentRule(t, lang, row)}</td>
                <td data-field="limits"><ul className="ltv-plain-list">
                  <li>{t(row.limits.weeklyCap ? "limitWeeklyCap" : "limitNoWeeklyCap")}</li>
                  <li>{t(row.limits.quietHours ? "limitQuietHours" : "limitNoQuietHours")}</li>
                  {row.limits.perSecond != null && <li>{fill(t("limitPerSecond"), { n: String(row.limits.perSecond) })}</li>}
                  {row.twoPhase && <li>{t("limitTwoPhase")}</li>}
                </ul></td>
                <td>{row.testRecipient ? <TestSend row={row} /> : <Text color="default2">{t("noConnectionTest")}</Text>}</td>
              </tr>))}</tbody>
          </table></div>
        )}
      </Guard>
    </Card>
  );
}
