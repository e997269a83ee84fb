import { describe, expect, it } from 'vitest';
import { noticeCounts } from '../../../src/core/notices/views.js';

const b = (recipientsTotal: number, recipientsNotified: number) => ({ recipientsTotal, recipientsNotified });

describe('noticeCounts: the people a notice reached, out of the people it must reach', () => {
  it('a follow-up batch for the people not reached before does not add to the number to reach', () => {
    expect(noticeCounts([b(320, 300), b(20, 20)])).toEqual({ notified: 320, total: 320 });
    expect(noticeCounts([b(320, 300), b(20, 15)])).toEqual({ notified: 315, total: 320 });
    expect(noticeCounts([b(320, 300), b(20, 10), b(10, 10)])).toEqual({ notified: 320, total: 320 });
  });

  it('a batch addressed to more people than were left unreached brings new people', () => {
    expect(noticeCounts([b(160, 160), b(160, 160)])).toEqual({ notified: 320, total: 320 });
    expect(noticeCounts([b(320, 300), b(50, 50)])).toEqual({ notified: 350, total: 370 });
  });

  it('no batches: nothing to count', () => {
    expect(noticeCounts([])).toEqual({ notified: 0, total: 0 });
  });
});
