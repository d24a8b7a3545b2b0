import type { ReactNode } from 'react';

/** Visual prompting beside linear probing: one row a method (its parameters, validation and test accuracy). */
export function ResultsTable({
  caption,
  testId,
  children,
}: {
  caption: ReactNode;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <table className="results-table" data-testid={testId}>
      <caption className="muted">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Method</th>
          <th scope="col">Trainable parameters</th>
          <th scope="col">Validation accuracy</th>
          <th scope="col">Test accuracy</th>
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
