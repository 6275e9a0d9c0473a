import { useState } from 'react';

export interface Command<A extends unknown[], R = unknown> {
  run: (...args: A) => Promise<void>;
  pending: boolean;
  problem: unknown;
  lastResult: R | null;
  clear: () => void;
}

/** Runs one user action at a time, keeping its failure to show next to the button. */
export function useCommand<A extends unknown[], R>(action: (...args: A) => Promise<R>, onDone?: (result: R) => void): Command<A, R> {
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<unknown>(null);
  const [lastResult, setLastResult] = useState<R | null>(null);
  const run = async (...args: A) => {
    if (pending) return;
    setPending(true);
    setProblem(null);
    try {
      const result = await action(...args);
      setLastResult(result);
      onDone?.(result);
    } catch (error) {
      setProblem(error);
    } finally {
      setPending(false);
    }
  };
  return { run, pending, problem, lastResult, clear: () => setProblem(null) };
}
