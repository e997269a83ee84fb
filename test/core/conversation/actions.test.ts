import { describe, expect, it } from 'vitest';
import { act, evidenceAct, formIds, noticeAct, parseAction, parseFormId, reportAct } from '../../../src/core/conversation/actions.js';
import { LINK_ACTION } from '../../../src/ports/chat-model.js';

// Buttons already posted on the platforms carry these strings: an upgrade must read them as before.
describe('action ids keep their wire format', () => {
  it('builds the strings buttons have always carried', () => {
    expect(act.startIntake()).toBe('intake:start');
    expect(act.startIntake('lost-device')).toBe('intake:start:lost-device');
    expect(act.dismiss).toBe('intake:dismiss');
    expect(act.cancelPrompt('p1')).toBe('prompt:cancel:p1');
    expect(act.say('不變')).toBe('say:不變');
    expect(act.item('i1', 'n')).toBe('ck:i1:n');
    expect(act.incident('x1', 'close')).toBe('inc:x1:close');
    expect(noticeAct.approve('n1', 3)).toBe('ntc:ok:n1:3');
    expect(noticeAct.create('x1', 'guardians')).toBe('ntc:new:x1:guardians');
    expect(reportAct.submitted('x1', 'bureau')).toBe('rpt:sub:x1:bureau');
    expect(evidenceAct.drop('o1')).toBe('evd:drop:o1');
    expect(formIds.intake('p1')).toBe('intake:p1');
    expect(formIds.intake('p1', 2)).toBe('intake:p1:2');
    expect(formIds.itemNote('p1')).toBe('item:p1');
    expect(formIds.formPage('p1', 0)).toBe('fs:p1:0');
    expect(formIds.itemForm('i1')).toBe('itemx:i1');
  });

  it('reads every family back from what its builder made', () => {
    expect(parseAction('intake:start:lost-device:name,id')).toEqual({ family: 'intake', verb: 'start', prefill: ['lost-device', 'name,id'] });
    expect(parseAction(act.dismiss)).toEqual({ family: 'intake', verb: 'dismiss' });
    expect(parseAction(act.cancelPrompt('p1'))).toEqual({ family: 'prompt', verb: 'cancel', promptId: 'p1' });
    expect(parseAction(act.say('對：是的'))).toEqual({ family: 'say', text: '對：是的' });
    expect(parseAction(act.item('i1', 'o'))).toEqual({ family: 'ck', itemId: 'i1', to: 'o' });
    expect(parseAction(act.incident('x1', 'notifying'))).toEqual({ family: 'inc', incidentId: 'x1', what: 'notifying' });
    expect(parseAction('inc:x1:fix')).toEqual({ family: 'inc', incidentId: 'x1', what: 'fix' });
    expect(parseAction(noticeAct.sendBack('n1', 2))).toEqual({ family: 'ntc', verb: 'back', id: 'n1', extra: '2' });
    expect(parseAction(noticeAct.show('n1'))).toEqual({ family: 'ntc', verb: 'show', id: 'n1' });
    expect(parseAction(reportAct.list('x1'))).toEqual({ family: 'rpt', verb: 'list', incidentId: 'x1' });
    expect(parseAction(reportAct.submitted('x1', 'cyber'))).toEqual({ family: 'rpt', verb: 'sub', incidentId: 'x1', kind: 'cyber' });
    expect(parseAction(evidenceAct.list('x1'))).toEqual({ family: 'evd', verb: 'list', id: 'x1' });
    expect(parseAction('once:abcdefgh12345678:intake:dismiss')).toEqual({ family: 'once', raw: 'once:abcdefgh12345678:intake:dismiss' });
    expect(parseAction(LINK_ACTION)).toEqual({ family: 'link' });
  });

  it('tells a stale or foreign button apart from a family it knows', () => {
    expect(parseAction('ck:i1:z')).toEqual({ family: 'unknown', raw: 'ck:i1:z' });
    expect(parseAction('inc:x1')).toEqual({ family: 'unknown', raw: 'inc:x1' });
    expect(parseAction('inc:x1:explode')).toEqual({ family: 'inc', incidentId: 'x1', what: null });
    expect(parseAction('rpt:sub:x1:nonsense')).toEqual({ family: 'rpt', verb: null });
    expect(parseAction('ntc:list')).toEqual({ family: 'ntc', verb: null });
    expect(parseAction('evd:drop')).toEqual({ family: 'evd', verb: null });
    expect(parseAction('link:x')).toEqual({ family: 'unknown', raw: 'link:x' });
  });

  it('reads form ids by family, and refuses one without an id', () => {
    expect(parseFormId('intake:p1:2')).toEqual({ family: 'intake', id: 'p1', page: '2' });
    expect(parseFormId('assess:x1')).toEqual({ family: 'assess', id: 'x1' });
    expect(parseFormId('rpt:x1:sub:bureau')).toEqual({ family: 'rpt', id: 'x1', page: 'sub' });
    expect(parseFormId('zzz:1')).toEqual({ family: 'unknown', id: '1' });
    expect(parseFormId('intake')).toBeNull();
  });
});
