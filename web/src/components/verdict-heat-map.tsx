// The accounts × models heat map: both axes virtualized (TanStack Virtual), so 1,000 × 100 cells
// render only what the viewport shows; the model header row and the account column stay in place.
// Every cell is a button whose label and glyph say its verdict (not color alone).
import { useVirtualizer } from "@tanstack/react-virtual";
import { useRef } from "react";
import { VERDICTS, type VerdictCode } from "./verdict-codes";

const ROW_H = 26;
const COL_W = 30;
const HEAD_H = 150;
const ROW_HEAD_W = 230;

export interface HeatMapProps {
  accounts: readonly { id: string; name: string }[];
  models: readonly { id: string }[];
  codeAt: (row: number, col: number) => VerdictCode;
  onOpen: (row: number, col: number) => void;
  height: number;
}

export function VerdictHeatMap({ accounts, models, codeAt, onOpen, height }: HeatMapProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({
    count: accounts.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_H,
    overscan: 6,
  });
  const cols = useVirtualizer({
    horizontal: true,
    count: models.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => COL_W,
    overscan: 4,
  });
  const width = ROW_HEAD_W + cols.getTotalSize();
  const visibleCols = cols.getVirtualItems();
  return (
    // Scrollable by keyboard through the cells it holds (each a button).
    <section
      ref={scrollRef}
      className="heat-scroll"
      style={{ height }}
      aria-label={`Heat map: ${accounts.length} accounts by ${models.length} models`}
      data-testid="heat-map"
    >
      <div style={{ width, height: HEAD_H + rows.getTotalSize(), position: "relative" }}>
        <div className="heat-colheads" style={{ width, height: HEAD_H }}>
          <div className="heat-corner" style={{ width: ROW_HEAD_W, height: HEAD_H }}>
            <span>Account</span>
            <span>Model →</span>
          </div>
          {visibleCols.map((c) => {
            const id = models[c.index]?.id ?? "";
            return (
              <div
                key={c.key}
                className="heat-colhead"
                style={{ left: ROW_HEAD_W + c.start, width: COL_W, height: HEAD_H }}
                title={id}
              >
                <span>{id}</span>
              </div>
            );
          })}
        </div>
        {rows.getVirtualItems().map((r) => {
          const account = accounts[r.index];
          if (!account) return null;
          return (
            <div key={r.key} className="heat-row" style={{ top: HEAD_H + r.start, height: ROW_H, width }}>
              <div className="heat-rowhead" style={{ width: ROW_HEAD_W, height: ROW_H }} title={account.id}>
                {account.name} <span className="heat-rowid">{account.id}</span>
              </div>
              {visibleCols.map((c) => {
                const code = codeAt(r.index, c.index);
                const verdict = VERDICTS[code];
                return (
                  <button
                    key={c.key}
                    type="button"
                    className={`heat-cell heat-${verdict.css}`}
                    style={{ left: ROW_HEAD_W + c.start, width: COL_W - 2, height: ROW_H - 2 }}
                    aria-label={`${account.name}, ${models[c.index]?.id}: ${verdict.label}`}
                    onClick={() => onOpen(r.index, c.index)}
                  >
                    {verdict.glyph}
                  </button>
                );
              })}
            </div>
          );
        })}
      </div>
    </section>
  );
}
