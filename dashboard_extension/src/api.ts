// GraphQL against the plugin's own endpoint, next to the app on the same origin.
// Where the app is served, as the server names it in <base href> (app_pages.py): no prefix is built in.
export const APP_BASE = new URL(".", document.baseURI).pathname;
export const GRAPHQL_URL = new URL("../graphql/", document.baseURI).pathname;
export const REST_URL = new URL("../api/v1/", document.baseURI).pathname;

export class ApiError extends Error {
  constructor(message: string, readonly code: string, readonly permissions: string[] = [],
              readonly fields: { field?: string; message: string }[] = []) {
    super(message);
  }
  get isPermission(): boolean {
    return this.code === "PermissionDenied" || this.code === "InvalidToken" || this.code === "ExpiredSignatureError";
  }
}

type Errors = { message: string; extensions?: { exception?: { code?: string }; requiredPermissions?: string[];
  fields?: { field?: string; message: string }[] } }[];

export async function gql<T>(token: string | undefined, query: string, variables: Record<string, unknown> = {},
                             signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(GRAPHQL_URL, {
      method: "POST", signal,
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiError(`The plugin could not be reached: ${(e as Error).message}`, "NETWORK");
  }
  let body: { data?: T; errors?: Errors };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The plugin answered ${response.status} without JSON.`, `HTTP_${response.status}`);
  }
  if (body.errors?.length) {
    const first = body.errors[0];
    const ext = first.extensions ?? {};
    const fields = ext.fields ?? [];
    const detail = fields.length ? fields.map((f) => `${f.field}: ${f.message}`).join("; ") : first.message;
    throw new ApiError(detail || first.message, ext.exception?.code ?? "ERROR", ext.requiredPermissions ?? [], fields);
  }
  if (!response.ok || !body.data) throw new ApiError(`The plugin answered ${response.status}.`, `HTTP_${response.status}`);
  return body.data;
}

/** Download a REST export with the same token (a plain link could not carry it). */
export async function download(token: string | undefined, url: string, filename: string): Promise<number> {
  const response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw new ApiError(`The export failed: HTTP ${response.status}.`, `HTTP_${response.status}`);
  const blob = await response.blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  return blob.size;
}

/** A REST call (the endpoints GraphQL does not mirror: print jobs); 4xx → ApiError with the fields at fault. */
export async function rest<T>(token: string | undefined, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const response = await fetch(REST_URL + path, {
    method: body === undefined ? "GET" : "POST", signal,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => undefined);
  if (!response.ok) {
    const errors: { field?: string; message: string; code?: string }[] = data?.errors ?? [];
    const code = response.status === 403 ? "PermissionDenied" : errors[0]?.code ?? `HTTP_${response.status}`;
    throw new ApiError(data?.detail ?? `HTTP ${response.status}`, code, [], errors);
  }
  return data as T;
}

/** A multipart POST (file uploads: imports, samples); 4xx → ApiError carrying every row error the server named. */
export async function restForm<T>(token: string | undefined, path: string, form: FormData): Promise<T> {
  let response: Response;
  try {
    response = await fetch(REST_URL + path, { method: "POST", body: form,
                                              headers: token ? { Authorization: `Bearer ${token}` } : {} });
  } catch (e) {
    throw new ApiError(`The plugin could not be reached: ${(e as Error).message}`, "NETWORK");
  }
  const data = await response.json().catch(() => undefined);
  if (!response.ok) {
    const errors = data?.errors ?? [];
    const code = response.status === 403 ? "PermissionDenied" : response.status === 422 ? "REFUSED"
      : errors[0]?.code ?? `HTTP_${response.status}`;
    throw new RefusedError(data?.detail ?? `HTTP ${response.status}`, code, errors, data?.detail_ja ?? "");
  }
  return data as T;
}

/** A refusal with its rows: line, field and reason in English and Japanese. */
export class RefusedError extends ApiError {
  constructor(message: string, code: string, readonly rows: { row?: number | null; field: string; message: string;
    message_ja?: string }[], readonly detailJa: string) {
    super(message, code, [], rows);
  }
}
