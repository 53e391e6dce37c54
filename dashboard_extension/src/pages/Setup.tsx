// The first-day checklist (setup_check.py over GraphQL): each item, what was found, what to do.
import { Box, Button, Text } from "@saleor/macaw-ui";
import { useState } from "react";

import type { ApiError } from "../api";
import { notify } from "../bridge";
import { Card, ErrorBox, Guard, MissingPermission } from "../components/ui";
import { useApp, useMutation, useQuery } from "../context";
import { fmtDateTime } from "../format";
import type { Key } from "../i18n";

const QUERY = `query Setup($channel: String!, $language: String) {
  ltvSetupCheck(channel: $channel) { checkedAt items { key status detail(language: $language) action(language: $language) } } }`;
const TEST_MAIL = `mutation TestMail($channel: String) { ltvSetupTestMail(channel: $channel) { sentTo item { key status detail(language: "en") } errors { field message code } } }`;
const STATUS: Record<string, Key> = { OK: "setupOk", WARN: "setupWarn", FAIL: "setupFail" };
const MARK: Record<string, string> = { OK: "✔", WARN: "!", FAIL: "✘" };

interface Item { key: string; status: string; detail: string; action: string }

/** `setting_names`, commands and server messages in backticks are shown as code, as they are. */
function Prose({ text }: { text: string }) {
  return <>{text.split(/(`[^`]+`)/).map((part, i) => part.startsWith("`") && part.endsWith("`") && part.length > 1
    ? <code key={i}>{part.slice(1, -1)}</code> : part)}</>;
}

export function Setup() {
  const { t, lang, channel, permissions } = useApp();
  const state = useQuery<{ ltvSetupCheck: { checkedAt: string; items: Item[] } }>(QUERY, { channel, language: lang },
                                                                                 !channel);
  const mutate = useMutation();
  const [error, setError] = useState<ApiError>();
  const [sent, setSent] = useState<string>();
  const sendTest = async () => {
    setError(undefined);
    try {
      const payload = await mutate<{ sentTo: string | null }>(TEST_MAIL, { channel }, "ltvSetupTestMail");
      if (payload.sentTo) {
        setSent(payload.sentTo);
        notify("success", t("testMailSent"), payload.sentTo);
      }
      state.reload();
    } catch (e) {
      setError(e as ApiError);
    }
  };
  return (
    <Card title={t("setupTitle")} testId="page-setup" actions={
      <Button variant="secondary" data-testid="send-test-mail" onClick={sendTest}
              disabled={!permissions.includes("MANAGE_PLUGINS")}>{t("sendTestMail")}</Button>}>
      {!permissions.includes("MANAGE_PLUGINS") && <MissingPermission permission="MANAGE_PLUGINS" />}
      {error && <ErrorBox error={error} />}
      {sent && <Text data-testid="test-mail-sent">{t("testMailSent")}: {sent}</Text>}
      <Guard state={state}>
        {({ ltvSetupCheck: c }) => (
          <>
            <Text size={2} color="default2">{t("checkedAt")} {fmtDateTime(lang, c.checkedAt)}</Text>
            <div className="ltv-scroll"><table className="ltv-table" data-testid="setup-table">
              <thead><tr><th>{t("setupItem")}</th><th>{t("status")}</th><th>{t("setupFound")}</th><th>{t("setupTodo")}</th></tr></thead>
              <tbody>{c.items.map((item) => (
                <tr key={item.key} data-item={item.key} data-status={item.status}>
                  <td>{t(`setup_${item.key}` as Key)}</td>
                  <td><Box as="span" color={item.status === "OK" ? "success1" : item.status === "FAIL" ? "critical1" : "warning1"}>
                    {MARK[item.status]} {t(STATUS[item.status])}</Box></td>
                  <td data-field="detail"><Prose text={item.detail} /></td>
                  <td data-field="action"><Prose text={item.action} /></td>
                </tr>))}</tbody>
            </table></div>
          </>
        )}
      </Guard>
    </Card>
  );
}
