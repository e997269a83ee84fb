import { describe, expect, it } from 'vitest';
import {
  act,
  evidenceAct,
  formIds,
  noticeAct,
  parseAction,
  parseEvidenceForm,
  parseFormId,
  parseNoticeForm,
  parseReportForm,
  reportAct,
} from '../../../src/core/conversation/actions.js';
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
    expect(noticeAct.list('x1')).toBe('ntc:list:x1');
    expect(noticeAct.show('n1')).toBe('ntc:show:n1');
    expect(noticeAct.edit('n1')).toBe('ntc:edit:n1');
    expect(noticeAct.submit('n1')).toBe('ntc:submit:n1');
    expect(noticeAct.toActing('n1')).toBe('ntc:acting:n1');
    expect(noticeAct.sendBack('n1', 2)).toBe('ntc:back:n1:2');
    expect(noticeAct.delivery('n1')).toBe('ntc:batch:n1');
    expect(reportAct.list('x1')).toBe('rpt:list:x1');
    expect(evidenceAct.list('x1')).toBe('evd:list:x1');
    expect(formIds.noticeEdit('n1')).toBe('ntc:n1:edit');
    expect(formIds.noticeSendBack('n1', 3)).toBe('ntc:n1:back:3');
    expect(formIds.noticeDelivery('n1', { version: 2, batches: 0 })).toBe('ntc:n1:batch:2.0');
    expect(formIds.reportSubmitted('x1', 'bureau')).toBe('rpt:x1:sub:bureau');
    expect(formIds.evidence('o1')).toBe('evd:o1');
  });

  it('reads the notice, report and evidence forms back from what their builders made', () => {
    expect(parseAction(noticeAct.create('x1', 'staff'))).toEqual({ family: 'ntc', verb: 'new', id: 'x1', extra: 'staff' });
    expect(parseAction(noticeAct.approve('n1', 3))).toEqual({ family: 'ntc', verb: 'ok', id: 'n1', extra: '3' });
    expect(parseAction(noticeAct.delivery('n1'))).toEqual({ family: 'ntc', verb: 'batch', id: 'n1' });
    expect(parseAction('ntc:explode:n1')).toEqual({ family: 'ntc', verb: null });
    expect(parseAction(evidenceAct.drop('o1'))).toEqual({ family: 'evd', verb: 'drop', id: 'o1' });
    expect(parseAction('evd:explode:o1')).toEqual({ family: 'evd', verb: null });
    expect(parseNoticeForm(formIds.noticeEdit('n1'))).toEqual({ what: 'edit', noticeId: 'n1' });
    expect(parseNoticeForm(formIds.noticeSendBack('n1', 3))).toEqual({ what: 'back', noticeId: 'n1', version: 3 });
    expect(parseNoticeForm(formIds.noticeDelivery('n1', { version: 3, batches: 12 }))).toEqual({
      what: 'batch',
      noticeId: 'n1',
      seen: { version: 3, batches: 12 },
    });
    // A form sent before the basis was named still reads (the service then checks the approval only).
    expect(parseNoticeForm('ntc:n1:batch')).toEqual({ what: 'batch', noticeId: 'n1', seen: null });
    expect(parseNoticeForm('ntc:n1:explode')).toBeNull();
    expect(parseNoticeForm('rpt:x1:sub:bureau')).toBeNull();
    expect(parseReportForm(formIds.reportSubmitted('x1', 'cyber'))).toEqual({ incidentId: 'x1', kind: 'cyber' });
    expect(parseReportForm('rpt:x1:sub:nonsense')).toBeNull();
    expect(parseReportForm('rpt:x1:list:bureau')).toBeNull();
    expect(parseEvidenceForm(formIds.evidence('o1'))).toEqual({ offerId: 'o1' });
    expect(parseFormId(formIds.noticeSendBack('n1', 3))).toEqual({ family: 'ntc', id: 'n1', page: 'back' });
    expect(parseFormId(formIds.evidence('o1'))).toEqual({ family: 'evd', id: 'o1' });
  });

  it('reads every family back from what its builder made', () => {
    expect(parseAction('intake:start:lost-device:name,id')).toEqual({
      family: 'intake',
      verb: 'start',
      prefill: ['lost-device', 'name,id'],
    });
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
