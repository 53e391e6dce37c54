// The call list's print view: opened in a new browser tab (AppBridge Redirect, newContext) because
// the Dashboard's iframe sandbox has no allow-modals, so print() inside the frame does nothing.
// The tab gets the current 5-minute token in its URL fragment (never sent to a server or in a
// Referer) and drops it from the address at once.
import { Box, Button, Text } from "@saleor/macaw-ui";
import { useEffect, useRef } from "react";

import { APP_BASE } from "../api";
import { useApp } from "../context";
import type { Route } from "../router";
import { AlertList } from "./Alerts";

function takeToken(): string | undefined {
  if (typeof window === "undefined" || !window.location.pathname.startsWith(APP_BASE + "print/")) return undefined;
  const token = new URLSearchParams(window.location.hash.slice(1)).get("token") || undefined;
  if (token) window.history.replaceState(null, "", window.location.pathname + window.location.search);
  return token;
}

export const printToken = takeToken();

/** The address of the print view for a channel's open call list. */
export function printUrl(channel: string, state: string, lang: string, token: string): string {
  const query = new URLSearchParams({ channel, state, lang }).toString();
  return `${window.location.origin}${APP_BASE}print/calls?${query}#token=${encodeURIComponent(token)}`;
}

export function PrintCalls({ route }: { route: Route }) {
  const { t, token } = useApp();
  const printed = useRef(false);
  const channel = route.query.get("channel") || "";
  const onReady = () => {
    if (printed.current) return;
    printed.current = true;
    document.body.dataset.printed = "1";
    setTimeout(() => window.print(), 50); // after the rows have painted
  };
  useEffect(() => { document.title = `${t("callList")} · ${channel}`; }, [t, channel]);
  if (!token) return <Text data-testid="print-expired">{t("printExpired")}</Text>;
  return (
    <Box display="flex" flexDirection="column" gap={2} data-testid="page-print">
      <Box className="ltv-noprint"><Button variant="secondary" onClick={() => window.print()}>{t("print")}</Button></Box>
      <AlertList channel={channel} state={route.query.get("state") || "open"} kind="call" after={null} calls printing
                 onNext={() => undefined} onFirst={() => undefined} onReady={onReady} />
    </Box>
  );
}
