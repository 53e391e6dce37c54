// The Dashboard side: @saleor/app-sdk's AppBridge hands over the token (an app-extension JWT
// carrying the staff user's permissions), the theme and the locale, and takes our route changes.
import { actions, AppBridge } from "@saleor/app-sdk/app-bridge";
import { useEffect, useState } from "react";

import { APP_BASE } from "./api";
import { setFrameContext } from "./router";

export interface BridgeState {
  embedded: boolean;
  ready: boolean;
  token?: string;
  theme: "light" | "dark";
  locale: string;
  /** What the token may do: the app's permissions ∩ the user's (Saleor's `permissions` claim). */
  permissions: string[];
  /** The staff user's own permissions (`user_permissions`): tells "you lack it" from "the app does". */
  userPermissions: string[];
  email?: string;
  /** The Dashboard's locale has arrived (it sends none in the URL: localeChanged follows the handshake). */
  localeKnown: boolean;
}

let localeKnown = typeof window !== "undefined" && new URLSearchParams(window.location.search).has("locale");

/** The token's claims, read without verifying (the API verifies; this only shapes the UI). */
export function tokenClaims(token?: string): { permissions?: string[]; user_permissions?: string[]; exp?: number } {
  try {
    const body = token!.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(decodeURIComponent(escape(atob(body))));
  } catch {
    return {};
  }
}

const embedded = typeof window !== "undefined" && window.parent !== window;
let bridge: AppBridge | undefined;

export function getBridge(): AppBridge | undefined {
  if (!embedded) return undefined;
  if (!bridge) {
    bridge = new AppBridge({ autoNotifyReady: true });
    // Heard from the start, not from the first effect on: the Dashboard sends its locale once,
    // right after the handshake, and a message before that effect left the app waiting 1.5 s.
    bridge.subscribe("localeChanged", () => { localeKnown = true; });
  }
  return bridge;
}

getBridge();  // listening before React's first render, when the Dashboard's first messages come

function snapshot(): BridgeState {
  const b = getBridge();
  const params = new URLSearchParams(window.location.search);
  if (!b) {
    return { embedded: false, ready: false, theme: params.get("theme") === "dark" ? "dark" : "light",
             locale: params.get("locale") || navigator.language || "en", permissions: [], userPermissions: [], localeKnown: true };
  }
  const s = b.getState();
  const claims = tokenClaims(s.token);
  const theme = s.theme === "dark" ? "dark" : "light";
  setFrameContext({ theme, locale: s.locale });
  return {
    embedded: true, ready: s.ready, token: s.token, theme, locale: s.locale || "en",
    permissions: claims.permissions ?? [], userPermissions: claims.user_permissions ?? s.user?.permissions ?? [],
    email: s.user?.email, localeKnown,
  };
}

export function useBridge(): BridgeState {
  const [state, setState] = useState<BridgeState>(snapshot);
  useEffect(() => {
    const b = getBridge();
    if (!b) return;
    const update = () => setState(snapshot());
    const offs = (["handshake", "theme", "tokenRefresh"] as const).map((e) => b.subscribe(e, update));
    offs.push(b.subscribe("localeChanged", () => { localeKnown = true; update(); }));
    // A Dashboard that never sends its locale: go on in the URL's (or English) after a moment.
    const timer = setTimeout(() => { localeKnown = true; update(); }, 1500);
    update();
    return () => { clearTimeout(timer); offs.forEach((off) => off()); };
  }, []);
  return state;
}

/** Keep the Dashboard's URL in step with ours, so a reload or a shared link opens the same page. */
export function reportRoute(path: string): void {
  getBridge()?.dispatch(actions.UpdateRouting({ newRoute: path })).catch(() => undefined);
}

export function notify(status: "success" | "error" | "info", title: string, text?: string): void {
  getBridge()?.dispatch(actions.Notification({ status, title, text })).catch(() => undefined);
}

/** Report the widget's height so the Dashboard sizes its iframe (Saleor 3.23.7+). */
export function reportHeight(height: number): void {
  if (height > 0) getBridge()?.dispatch(actions.WidgetResize({ height: Math.ceil(height) })).catch(() => undefined);
}

/** Open one of our pages in the Dashboard: a widget opens the full page, `newContext` a new tab. */
export function openInDashboard(route: string, newContext = false): void {
  const appId = new URLSearchParams(window.location.search).get("id");
  const b = getBridge();
  if (!b || !appId) {
    window.open(APP_BASE + route.replace(/^\/+/, ""), newContext ? "_blank" : "_self");
    return;
  }
  b.dispatch(actions.Redirect({ to: `/extensions/app/${encodeURIComponent(appId)}/${route.replace(/^\/+/, "")}`,
    newContext })).catch(() => undefined);
}

/** Open an absolute URL in a new browser tab, outside the Dashboard's sandboxed frame
 * (whose sandbox has no allow-modals: print() and prompt() do nothing inside it). */
export function openNewTab(url: string): void {
  const b = getBridge();
  if (!b) {
    window.open(url, "_blank");
    return;
  }
  b.dispatch(actions.Redirect({ to: url, newContext: true })).catch(() => undefined);
}
