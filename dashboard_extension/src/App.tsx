import { Box, Text, ThemeProvider, useTheme } from "@saleor/macaw-ui";
import { useEffect, useMemo, useState } from "react";

import { type BridgeState, useBridge } from "./bridge";
import { Guard, Loading } from "./components/ui";
import { AppContext, type AppContextValue, type Channel, useApp, useQuery } from "./context";
import { type Key, langOf, translate } from "./i18n";
import { AccountPage } from "./pages/Account";
import { Analyses } from "./pages/Analyses";
import { Accounts } from "./pages/Accounts";
import { Alerts } from "./pages/Alerts";
import { DmJobs } from "./pages/DmJobs";
import { FlowEditor } from "./pages/FlowEditor";
import { Imports } from "./pages/Imports";
import { FlowReport } from "./pages/FlowReport";
import { Flows } from "./pages/Flows";
import { Overview } from "./pages/Overview";
import { Recompute } from "./pages/Recompute";
import { PrintCalls, printToken } from "./pages/Print";
import { Scenarios } from "./pages/Scenarios";
import { SegmentBuilder, Segments } from "./pages/Segments";
import { Settings } from "./pages/Settings";
import { Staff } from "./pages/Staff";
import { Thresholds } from "./pages/Thresholds";
import { DeliveryChannels } from "./pages/DeliveryChannels";
import { Setup } from "./pages/Setup";
import { Widget } from "./pages/Widget";
import { navigate, type Route, useRoute, withQuery } from "./router";

const PAGES: Key[] = ["overview", "analyses", "accounts", "segments", "alerts", "dm", "scenarios", "flows", "imports",
                     "recompute", "setup", "delivery", "thresholds", "settings", "staff"];
const SHOP_WIDE = ["settings", "staff"];
const CHANNELS = `query { ltvChannels { channel currencies accounts } }`;

export function App() {
  const bridge = useBridge();
  return (
    <ThemeProvider defaultTheme={bridge.theme === "dark" ? "defaultDark" : "defaultLight"}>
      <FollowTheme theme={bridge.theme} />
      <Shell bridge={bridge} />
    </ThemeProvider>
  );
}

function FollowTheme({ theme }: { theme: "light" | "dark" }) {
  const { setTheme } = useTheme();
  useEffect(() => setTheme(theme === "dark" ? "defaultDark" : "defaultLight"), [theme, setTheme]);
  return null;
}

function Shell({ bridge }: { bridge: BridgeState }) {
  const route = useRoute();
  const lang = langOf(route.path.startsWith("print/") ? route.query.get("lang") || bridge.locale : bridge.locale);
  const [channel, setChannel] = useState<string>(route.query.get("channel") ?? "");
  // A print view runs in a tab of its own (outside the Dashboard's sandbox) on the token it was handed.
  const print = route.path.startsWith("print/");
  const base = useMemo<AppContextValue>(() => ({
    token: print ? printToken : bridge.token, lang, t: (k: Key) => translate(lang, k), channel, setChannel,
    channels: [], permissions: bridge.permissions, userPermissions: bridge.userPermissions,
  }), [bridge.token, bridge.permissions, bridge.userPermissions, lang, channel, print]);
  useEffect(() => { document.documentElement.lang = lang; }, [lang]);
  const fromUrl = route.query.get("channel");
  useEffect(() => { if (fromUrl && fromUrl !== channel) setChannel(fromUrl); }, [fromUrl]); // eslint-disable-line
  return (
    <Box padding={4} className="ltv-page" backgroundColor="default1" color="default1"
         style={{ minHeight: route.path.startsWith("widgets/") ? undefined : "100vh" }}>
      <AppContext.Provider value={base}>
        {print ? <PrintCalls route={route} />
          : !bridge.embedded ? <Text data-testid="not-embedded">{base.t("notEmbedded")}</Text>
          : !bridge.ready || !bridge.localeKnown ? <Loading />
          : <Channels route={route} />}
      </AppContext.Provider>
    </Box>
  );
}

function Channels({ route }: { route: Route }) {
  const app = useApp();
  const state = useQuery<{ ltvChannels: Channel[] }>(CHANNELS, {});
  const channels = state.data?.ltvChannels ?? [];
  const channel = app.channel || channels[0]?.channel || "";
  const value = useMemo(() => ({ ...app, channel, channels }), [app, channel, channels]);
  const widget = route.path.startsWith("widgets/");
  const pages = (
    <Box display="flex" flexDirection="column" gap={4}>
      <Nav route={route} />
      <Page route={route} />
    </Box>
  );
  // The shop's settings and staff are no channel's: they are set before the first order arrives, and by
  // admins who may hold MANAGE_PLUGINS alone (which reads no channel).
  if (SHOP_WIDE.includes(route.path.split("/")[0])) return <AppContext.Provider value={value}>{pages}</AppContext.Provider>;
  // A channel named in the URL opens its page at once, its queries beside the channel list's
  // rather than after it (at 1 M accounts each scans them all); an empty list or an error still
  // replaces the page when the list arrives. The same tree either way: the page is not remounted.
  const early = !!app.channel && !widget && state.data === undefined && !state.error;
  const shown = early ? { ...state, data: { ltvChannels: [] as Channel[] } } : state;
  return (
    <AppContext.Provider value={value}>
      <Guard state={shown} isEmpty={(d) => !early && d.ltvChannels.length === 0 && !widget} emptyText={app.t("noData")}>
        {() => widget ? <Widget route={route} kind={route.path.endsWith("order") ? "order" : "customer"} /> : pages}
      </Guard>
    </AppContext.Provider>
  );
}

function Nav({ route }: { route: Route }) {
  const { t, channel, channels, setChannel } = useApp();
  const section = route.path.split("/")[0];
  return (
    <Box display="flex" justifyContent="space-between" alignItems="center" gap={4} className="ltv-noprint">
      <nav className="ltv-nav" data-testid="nav">
        {PAGES.map((p) => (
          <a key={p} href={withQuery(p, { channel })} aria-current={section === p ? "page" : undefined} data-page={p}
             onClick={(e) => { e.preventDefault(); navigate(withQuery(p, { channel })); }}>{t(p)}</a>
        ))}
      </nav>
      <label className="ltv-field" style={{ flexDirection: "row", alignItems: "center", gap: 8 }}>{t("channel")}
        <select value={channel} data-testid="channel" onChange={(e) => {
          setChannel(e.target.value);
          navigate(withQuery(section || "overview", { channel: e.target.value }), true);
        }}>
          {channel && !channels.some((c) => c.channel === channel) && <option value={channel}>{channel}</option>}
          {channels.map((c) => <option key={c.channel} value={c.channel}>{c.channel} ({c.currencies.join(", ")})</option>)}
        </select>
      </label>
    </Box>
  );
}

function Page({ route }: { route: Route }) {
  const [section, ...rest] = route.path.split("/");
  switch (section) {
    case "accounts":
      return rest.length ? <AccountPage id={rest.join("/")} /> : <Accounts route={route} />;
    case "analyses":
      return <Analyses route={route} />;
    case "segments":
      return rest.length ? <SegmentBuilder id={rest.join("/")} /> : <Segments />;
    case "alerts":
      return <Alerts route={route} />;
    case "dm":
      return <DmJobs />;
    case "scenarios":
      return <Scenarios />;
    case "flows":
      // flows, flows/<id> (the editor), flows/<id>/report
      if (!rest.length) return <Flows route={route} />;
      return rest[rest.length - 1] === "report" && rest.length > 1
        ? <FlowReport id={rest.slice(0, -1).join("/")} /> : <FlowEditor id={rest.join("/")} />;
    case "imports":
      return <Imports />;
    case "recompute":
      return <Recompute />;
    case "setup":
      return <Setup />;
    case "delivery":
      return <DeliveryChannels />;
    case "thresholds":
      return <Thresholds />;
    case "settings":
      return <Settings />;
    case "staff":
      return <Staff />;
    default:
      return <Overview />;
  }
}
