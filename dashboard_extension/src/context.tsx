// What every page needs: the token, the language, the chosen channel.
import { createContext, useCallback, useContext, useEffect, useRef, useState } from "react";

import { ApiError, gql, rest } from "./api";
import { type Key, type Lang, translate } from "./i18n";

export interface Channel { channel: string; currencies: string[]; accounts: number }

export interface AppContextValue {
  token?: string;
  lang: Lang;
  t: (key: Key) => string;
  channel: string;
  setChannel: (c: string) => void;
  channels: Channel[];
  /** The token's effective Saleor permissions (app ∩ user) and the user's own. */
  permissions: string[];
  userPermissions: string[];
}

export const AppContext = createContext<AppContextValue>({
  lang: "en", t: (k) => translate("en", k), channel: "", setChannel: () => undefined, channels: [],
  permissions: [], userPermissions: [],
});

export const useApp = () => useContext(AppContext);

export interface QueryState<T> {
  data?: T;
  error?: ApiError;
  loading: boolean;
  reload: () => void;
}

/** Run a fetch whenever its key changes; the last answer wins, earlier ones are aborted. */
function useFetch<T>(key: string, run: (token: string, signal: AbortSignal) => Promise<T>, skip: boolean): QueryState<T> {
  const { token } = useApp();
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: !skip });
  const [tick, setTick] = useState(0);
  const controller = useRef<AbortController>();
  useEffect(() => {
    if (skip || !token) return;
    controller.current?.abort();
    const ctl = new AbortController();
    controller.current = ctl;
    setState((s) => ({ data: s.data, loading: true }));
    run(token, ctl.signal)
      .then((data) => !ctl.signal.aborted && setState({ data, loading: false }))
      .catch((error) => {
        if (ctl.signal.aborted || error.name === "AbortError") return;
        setState({ error: error instanceof ApiError ? error : new ApiError(String(error), "ERROR"), loading: false });
      });
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, token, skip, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

/** Run a query whenever its variables change; the last answer wins, earlier ones are aborted. */
export function useQuery<T>(query: string, variables: Record<string, unknown>, skip = false): QueryState<T> {
  return useFetch(query + JSON.stringify(variables), (token, signal) => gql<T>(token, query, variables, signal), skip);
}

/** GET a REST path (`print-jobs?channel=…`) whenever it changes. */
export function useRest<T>(path: string, skip = false): QueryState<T> {
  return useFetch(path, (token, signal) => rest<T>(token, path, undefined, signal), skip);
}

/** A mutation: returns its payload, throws ApiError for top-level errors and for errors[] in the payload. */
export function useMutation() {
  const { token } = useApp();
  return useCallback(async <T,>(query: string, variables: Record<string, unknown>, payloadKey: string): Promise<T> => {
    const data = await gql<Record<string, T & { errors?: { field?: string; message: string; code: string }[] }>>(
      token, query, variables);
    const payload = data[payloadKey];
    if (payload?.errors?.length) {
      const e = payload.errors[0];
      throw new ApiError(e.field ? `${e.field}: ${e.message}` : e.message, e.code, [], payload.errors);
    }
    return payload;
  }, [token]);
}
