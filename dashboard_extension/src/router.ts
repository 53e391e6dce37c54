// A pathname router under the app's base URL (the Dashboard opens …/app/overview, …/app/accounts).
import { useEffect, useState } from "react";

import { APP_BASE } from "./api";
import { reportRoute } from "./bridge";

// Query parameters the Dashboard adds to the frame's URL: not part of our routes.
const FRAME_PARAMS = ["domain", "saleorApiUrl", "id", "theme", "locale", "featureFlags"];

export interface Route {
  path: string; // "overview", "accounts/QWNj…", "widgets/customer"
  query: URLSearchParams;
}

function current(): Route {
  const raw = window.location.pathname.startsWith(APP_BASE)
    ? window.location.pathname.slice(APP_BASE.length) : window.location.pathname.replace(/^\/+/, "");
  const query = new URLSearchParams(window.location.search);
  FRAME_PARAMS.forEach((p) => query.delete(p));
  return { path: decodeURIComponent(raw.replace(/\/+$/, "")) || "overview", query };
}

const listeners = new Set<() => void>();

export function navigate(to: string, replace = false): void {
  const url = APP_BASE + to.replace(/^\/+/, "");
  if (replace) window.history.replaceState(null, "", url);
  else window.history.pushState(null, "", url);
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
