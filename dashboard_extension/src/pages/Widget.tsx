// The panel beside a Saleor customer or order (CUSTOMER_/ORDER_DETAILS_WIDGETS): the Dashboard
// passes ?customerId= or ?orderId= (Saleor global IDs) in the frame's URL.
import { Box, Button, Text } from "@saleor/macaw-ui";
import { useEffect, useRef } from "react";

import { openInDashboard, reportHeight } from "../bridge";
import { Guard } from "../components/ui";
import { useApp, useQuery } from "../context";
import { type Route, withQuery } from "../router";
import { ACCOUNT_FIELDS, type AccountData, AccountPanel, type Message } from "./Account";

const QUERY = `query Widget($customerId: ID, $orderId: ID) {
  ltvAccountsFor(customerId: $customerId, orderId: $orderId) { ${ACCOUNT_FIELDS} }
}`;
const MESSAGES = `query Messages($id: ID!) { ltvAccountMessages(account: $id, first: 20) {
  scenario kind step status skipReason toEmail dueAt sentAt openedAt clickedAt } }`;

export function Widget({ route, kind }: { route: Route; kind: "customer" | "order" }) {
  const { t, channel } = useApp();
  // The frame's own URL carries the mount parameters (the router drops only the Dashboard's context ones).
  const params = new URLSearchParams(window.location.search);
  const variables = kind === "customer" ? { customerId: params.get("customerId") ?? route.query.get("customerId") }
    : { orderId: params.get("orderId") ?? route.query.get("orderId") };
  const state = useQuery<{ ltvAccountsFor: AccountData[] }>(QUERY, variables);
  const first = state.data?.ltvAccountsFor[0];
  const messages = useQuery<{ ltvAccountMessages: Message[] }>(MESSAGES, { id: first?.id }, !first);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current || typeof ResizeObserver === "undefined") return;
    // The whole page's height, its padding included (the box alone left 24 px of the widget cut off).
    const page = (box.current.closest(".ltv-page") as HTMLElement | null) ?? box.current;
    const observer = new ResizeObserver(() => reportHeight(page.getBoundingClientRect().height));
    observer.observe(box.current);
    return () => observer.disconnect();
  }, []);
  return (
    <div ref={box} data-testid={`widget-${kind}`}>
      <Guard state={state} isEmpty={(d) => d.ltvAccountsFor.length === 0} emptyText={t("noAccount")}>
        {(d) => (
          <Box display="flex" flexDirection="column" gap={3}>
            <AccountPanel account={d.ltvAccountsFor[0]} messages={messages.data?.ltvAccountMessages ?? []} compact />
            <Box><Button variant="secondary" data-testid="open-account"
              onClick={() => openInDashboard(withQuery(`accounts/${encodeURIComponent(d.ltvAccountsFor[0].id)}`,
                { channel: d.ltvAccountsFor[0].channel || channel }))}>{t("openAccount")}</Button></Box>
            {d.ltvAccountsFor.length > 1 && (
              <Text size={2} color="default2">
                + {d.ltvAccountsFor.slice(1).map((a) => `${a.name} (${a.channel}, ${a.currency})`).join(", ")}
              </Text>)}
          </Box>
        )}
      </Guard>
    </div>
  );
}
