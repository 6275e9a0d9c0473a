import type { TransactionView } from '@tracktrove/application';
import { problems } from '../http/problem.ts';

/** The transaction a read found (the read model's, or a fold of its stream), or 404 when there is none. */
export async function findTransaction(id: string, found: Promise<TransactionView | null>): Promise<TransactionView> {
  const view = await found;
  if (!view) throw problems.notFound(`no transaction ${id}`);
  return view;
}
