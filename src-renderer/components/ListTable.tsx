import type { ReactNode } from 'react';

/** A column header; `hidden` names a column that has no visible header (a column of buttons). */
export type Column = string | { hidden: string };

/**
 * A list the engine sends as a table: nothing until it has loaded, a sentence saying what would
 * appear when it is empty, else one row per item keyed by its id (rows come and go as the engine
 * pushes changes, so their position is no key).
 */
export function ListTable<T extends { id: string }>(props: {
  label: string;
  items: T[] | null | undefined;
  empty: string;
  columns: Column[];
  row: (item: T) => ReactNode;
}) {
  if (!props.items) return null;
  if (props.items.length === 0) return <p className="muted">{props.empty}</p>;
  // A narrow window scrolls the table sideways inside its box, never the whole page.
  return (
    <div className="table-scroll">
    <table className="data-table" aria-label={props.label}>
      <thead>
        <tr>
          {props.columns.map((c) =>
            typeof c === 'string' ? (
              <th key={c} scope="col">
                {c}
              </th>
            ) : (
              <th key={c.hidden} scope="col">
                <span className="visually-hidden">{c.hidden}</span>
              </th>
            ),
          )}
        </tr>
      </thead>
      <tbody>
        {props.items.map((item) => (
          <tr key={item.id}>{props.row(item)}</tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}
