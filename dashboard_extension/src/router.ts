// A pathname router under the app's base URL (the Dashboard opens …/app/overview, …/app/accounts).
import { useEffect, useState } from "react";

import { APP_BASE } from "./api";
import { reportRoute } from "./bridge";

// What the Dashboard puts in the frame's URL. AppBridge reads saleorApiUrl (and theme, locale)
// from the URL whenever the document loads, and a browser Back step inside the Dashboard can
// reload any entry we pushed: so every in-app URL carries them again. featureFlags[…] and the
// widgets' mount ids are the Dashboard's business: never part of our routes or reported URLs.
const BRIDGE_PARAMS = ["domain", "saleorApiUrl", "id", "theme", "locale"];
const MOUNT_PARAMS = ["customerId", "orderId", "customerIds"];
export const isFrameParam = (key: string) =>
  BRIDGE_PARAMS.includes(key) || MOUNT_PARAMS.includes(key) || key === "featureFlags" || key.startsWith("featureFlags[");

const frameContext = new URLSearchParams();
if (typeof window !== "undefined") {
  new URLSearchParams(window.location.search).forEach((v, k) => BRIDGE_PARAMS.includes(k) && frameContext.set(k, v));
}

/** The bridge's current theme and locale, so a reloaded entry opens as it was left. */
export function setFrameContext(values: { theme?: string; locale?: string }): void {
  for (const [k, v] of Object.entries(values)) if (v && frameContext.has("saleorApiUrl")) frameContext.set(k, v);
}

/** `accounts?sort=x` → the frame URL for it, with the Dashboard's context parameters. */
export function frameUrl(to: string): string {
  const [path, query = ""] = to.replace(/^\/+/, "").split("?");
  const params = new URLSearchParams(query);
  frameContext.forEach((v, k) => params.set(k, v));
  const text = params.toString();
  return APP_BASE + path + (text ? `?${text}` : "");
}

export interface Route {
  path: string; // "overview", "accounts/QWNj…", "widgets/customer"
  query: URLSearchParams;
}

function current(): Route {
  const raw = window.location.pathname.startsWith(APP_BASE)
    ? window.location.pathname.slice(APP_BASE.length) : window.location.pathname.replace(/^\/+/, "");
  const query = new URLSearchParams(window.location.search);
  [...query.keys()].filter(isFrameParam).forEach((p) => query.delete(p));
  return { path: decodeURIComponent(raw.replace(/\/+$/, "")) || "overview", query };
}

const listeners = new Set<() => void>();

/** The current in-app route as `path?query`, without the frame's parameters. */
export function here(): string {
  const { path, query } = current();
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

export function navigate(to: string, replace = false): void {
  const url = frameUrl(to);
  // Where we came from, for an in-app "Back" (history.back() from the sandboxed frame would
  // have to move the Dashboard's own history, which the sandbox forbids).
  const state = { from: replace ? window.history.state?.from : here() };
  if (replace) window.history.replaceState(state, "", url);
  else window.history.pushState(state, "", url);
  listeners.forEach((l) => l());
  reportRoute("/" + to.replace(/^\/+/, ""));
}

export function withQuery(path: string, params: Record<string, string | number | undefined | null | string[]>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (Array.isArray(value)) value.forEach((v) => query.append(key, v));
    else if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(current);
  useEffect(() => {
    const update = () => setRoute(current());
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return route;
}
