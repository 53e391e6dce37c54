// The Dashboard side: @saleor/app-sdk's AppBridge hands over the token (an app-extension JWT
// carrying the staff user's permissions), the theme and the locale, and takes our route changes.
import { actions, AppBridge } from "@saleor/app-sdk/app-bridge";
import { useEffect, useState } from "react";

export interface BridgeState {
  embedded: boolean;
  ready: boolean;
  token?: string;
  theme: "light" | "dark";
  locale: string;
  permissions: string[];
  email?: string;
}

const embedded = typeof window !== "undefined" && window.parent !== window;
let bridge: AppBridge | undefined;

export function getBridge(): AppBridge | undefined {
  if (!embedded) return undefined;
  if (!bridge) bridge = new AppBridge({ autoNotifyReady: true });
  return bridge;
}

function snapshot(): BridgeState {
  const b = getBridge();
  const params = new URLSearchParams(window.location.search);
  if (!b) {
    return { embedded: false, ready: false, theme: params.get("theme") === "dark" ? "dark" : "light",
             locale: params.get("locale") || navigator.language || "en", permissions: [] };
  }
  const s = b.getState();
  return {
    embedded: true, ready: s.ready, token: s.token, theme: s.theme === "dark" ? "dark" : "light",
    locale: s.locale || "en", permissions: s.user?.permissions ?? [], email: s.user?.email,
  };
}

export function useBridge(): BridgeState {
  const [state, setState] = useState<BridgeState>(snapshot);
  useEffect(() => {
    const b = getBridge();
    if (!b) return;
    const update = () => setState(snapshot());
    const offs = (["handshake", "theme", "localeChanged", "tokenRefresh"] as const).map((e) => b.subscribe(e, update));
    update();
    return () => offs.forEach((off) => off());
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
