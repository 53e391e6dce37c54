// The import page's logic, apart from React: the head of a file sent for its sample, a column
// mapping drafted from a header, and what a job's state means.

export const HEAD_BYTES = 1024 * 1024;
export const KINDS = ["orders", "customers", "products"] as const;
export type Kind = (typeof KINDS)[number];
export const JOB_STATES = ["queued", "running", "finished", "refused", "failed"] as const;

export interface MappingField { name: string; ja: string; required: boolean }
export interface Sample {
  encoding: string; delimiter: string; header: string[]; rows: string[][]; format: string; format_label: string;
  formats: Record<string, string>; mapping_fields: MappingField[];
}
export interface RowError { row?: number | null; field: string; message: string; message_ja?: string }
export interface Job {
  id: number; kind: string; state: string; file_name: string; file_bytes: number; format: string; encoding: string;
  delimiter: string; rows_read: number; orders_total: number; orders_done: number; progress: number; created: number;
  updated: number; unchanged: number; rows_refused: number; accounts_rescored: number; error: string;
  errors: RowError[]; error_report_url: string; same_file_as: number | null; queued_at: string;
  started_at: string | null; finished_at: string | null;
}
export interface Mapping { name: string; columns: Record<string, string>; date_format: string; encoding: string;
  delimiter: string; sales_source: string; currency: string }

/** How many bytes of a file's start make its first whole lines, at most HEAD_BYTES (`bytes`: its first
 * HEAD_BYTES + 1). A line feed never sits inside a UTF-8 or Shift_JIS character. */
export function headLength(bytes: Uint8Array): number {
  if (bytes.length <= HEAD_BYTES) return bytes.length;
  const cut = bytes.subarray(0, HEAD_BYTES).lastIndexOf(0x0a);
  return cut > 0 ? cut + 1 : HEAD_BYTES;
}

const squash = (s: string) => s.normalize("NFKC").toLowerCase().replace(/[\s_\-()（）]/g, "");

/** A first draft of a mapping: each column whose name is a field's (English or Japanese) maps to it. */
export function guessColumns(header: string[], fields: MappingField[]): Record<string, string> {
  const byName = new Map<string, string>();
  for (const f of fields) {
    byName.set(squash(f.name), f.name);
    byName.set(squash(f.ja), f.name);
  }
  const columns: Record<string, string> = {};
  const used = new Set<string>();
  for (const column of header) {
    const field = byName.get(squash(column));
    if (field && !used.has(field)) {
      columns[column] = field;
      used.add(field);
    }
  }
  return columns;
}

/** The required fields no column maps to yet (created_date stands in for created_at). */
export function missingFields(columns: Record<string, string>, fields: MappingField[]): string[] {
  const mapped = new Set(Object.values(columns).filter(Boolean));
  return fields.filter((f) => f.required && !mapped.has(f.name)
    && !(f.name === "created_at" && mapped.has("created_date"))).map((f) => f.name);
}

/** Fields mapped from two columns. */
export function doubledFields(columns: Record<string, string>): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const field of Object.values(columns).filter(Boolean)) (seen.has(field) ? twice : seen).add(field);
  return [...twice];
}

export const isRunning = (job: Job | undefined) => !!job && (job.state === "queued" || job.state === "running");

/** The message a reader of `lang` reads: the Japanese one where the server sent it. */
export const errorMessage = (lang: "en" | "ja", e: RowError) => (lang === "ja" && e.message_ja) || e.message;
