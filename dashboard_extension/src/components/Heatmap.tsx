// A grid of cells shaded by their value; a cell is a button that opens the filtered account list.
import { Box, Text } from "@saleor/macaw-ui";

/** `text` is shown instead of the value (a share, an amount); `data-value` keeps the raw value. */
export interface HeatCell { key: string; label: string; value: number; detail?: string; text?: string }

export function shade(value: number, max: number): number {
  if (max <= 0 || value <= 0) return 0;
  return Math.min(1, Math.sqrt(value / max)); // sqrt: small cells stay visible next to a huge one
}

export function Heatmap({ rows, columns, cells, onSelect, testId, rowLabel, columnLabel }: {
  rows: string[]; columns: string[]; cells: (HeatCell | null)[][]; onSelect?: (cell: HeatCell) => void;
  testId: string; rowLabel?: string; columnLabel?: string }) {
  const max = Math.max(0, ...cells.flat().map((c) => c?.value ?? 0));
  return (
    <Box data-testid={testId} overflowX="auto">
      <table className="ltv-heatmap">
        <thead>
          <tr>
            <th scope="col"><Text size={1} color="default2">{rowLabel}{rowLabel && columnLabel ? " \\ " : ""}{columnLabel}</Text></th>
            {columns.map((c) => <th key={c} scope="col"><Text size={2}>{c}</Text></th>)}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={r}>
              <th scope="row"><Text size={2}>{r}</Text></th>
              {columns.map((c, j) => {
                const cell = cells[i]?.[j];
                if (!cell) return <td key={c} />;
                const alpha = shade(cell.value, max);
                return (
                  <td key={c}>
                    <button type="button" className="ltv-heat-cell" data-cell={cell.key} data-value={cell.value}
                            disabled={!onSelect}
                            title={`${cell.label}${cell.detail ? " — " + cell.detail : ""}`}
                            style={{ background: `rgba(56, 104, 220, ${0.08 + alpha * 0.82})`,
                                     color: alpha > 0.55 ? "#fff" : "inherit" }}
                            onClick={() => onSelect?.(cell)}>
                      <span className="ltv-heat-count">{cell.text ?? cell.value.toLocaleString()}</span>
                      {cell.detail && <span className="ltv-heat-detail">{cell.detail}</span>}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </Box>
  );
}
