import { evolve, initialState, lifecycleActions, parseEventTrusted, type LifecycleActions } from '@tracktrove/domain';
import { sandboxNowMs } from '../../api/sandbox-clock.ts';
import type { StoredEvent } from '../../api/types.ts';

export type { LifecycleAction } from '@tracktrove/domain';

/**
 * The lifecycle actions a transaction offers, from the domain itself: its stream's events are folded
 * with the domain's `evolve`, and `lifecycleActions` asks the domain's `decide` which actions it
 * accepts at the sandbox clock's now. The viewer keeps no copy of the rules.
 */
export function lifecycleOf(events: readonly StoredEvent[]): LifecycleActions {
  try {
    const state = events.reduce(
      (folded, event) => evolve(folded, parseEventTrusted(event.type, event.schemaVersion, event.data)),
      initialState(),
    );
    return lifecycleActions(state, new Date(sandboxNowMs()).toISOString());
  } catch (error) {
    // A history this viewer cannot fold (a newer server's event types): offer nothing rather than guess.
    return { actions: [], note: `the lifecycle actions are unknown: ${error instanceof Error ? error.message : String(error)}` };
  }
}
