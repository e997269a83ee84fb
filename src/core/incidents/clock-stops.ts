/**
 * Which checklist items stop a clock (one home for the rule; the reminders and the cards read it): the item that
 * `completesClock` it, else every item that serves it (`clockId`). A clock is stopped once all of them are done or
 * not applicable.
 */
export interface ClockStopItem {
  completesClock: string | null;
  clockId: string | null;
  state: string;
  doneAt?: Date | null;
}

/** Items whose completion stops the clock: the item that `completesClock` it, else every item that serves it. */
export function stoppingItems<T extends ClockStopItem>(clockId: string, items: T[]): T[] {
  const completing = items.filter((i) => i.completesClock === clockId);
  return completing.length > 0 ? completing : items.filter((i) => i.clockId === clockId);
}

/** The items that stopped the clock (all done or not applicable), or null when it still runs. */
export function completedBy<T extends ClockStopItem>(clockId: string, items: T[]): T[] | null {
  const stopping = stoppingItems(clockId, items);
  if (stopping.length === 0) return null;
  return stopping.every((i) => i.state === 'done' || i.state === 'na') ? stopping : null;
}
