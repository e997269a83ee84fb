// The fake Discord of bench/discord-ack.ts, in its own thread: it timestamps when it dispatches an interaction on the
// gateway and when the answer arrives on its REST endpoint, so the bot's work after answering (in the main thread)
// cannot delay the measurement, as Discord's servers are elsewhere too.
import { parentPort, workerData } from 'node:worker_threads';
import { FakeDiscord } from '../test/fakes/discord/platform.js';

const { token, user } = workerData as { token: string; user: string };
const fake = await FakeDiscord.start(token);
const dm = fake.dmOf(user);
const card = fake.seedMessage(dm, {
  content: '測試',
  components: [{ type: 1, components: [{ type: 2, style: 2, label: '取消', custom_id: 'prompt:cancel:000000000000' }] }],
});

parentPort!.on('message', async (m: { cmd: string }) => {
  if (m.cmd === 'ready?') {
    while (!fake.connected) await new Promise((r) => setTimeout(r, 10));
    parentPort!.postMessage({ ok: true });
  } else if (m.cmd === 'click' || m.cmd === 'command') {
    const rec =
      m.cmd === 'click'
        ? fake.component(user, card, 'prompt:cancel:000000000000')
        : fake.slashCommand(user, dm, 'pdi', [{ name: 'text', type: 3, value: '說明' }]);
    const r = await fake.responseOf(rec, 5000).catch(() => null);
    parentPort!.postMessage({
      ms: r ? r.at - rec.dispatchedAt : NaN,
      type: r?.type ?? 0,
      dispatched: fake.dispatchedToBot(),
      invalid: fake.invalidCalls().length,
    });
  } else if (m.cmd === 'close') {
    await fake.close();
    parentPort!.postMessage({ closed: true });
  }
});
parentPort!.postMessage({ apiBase: fake.apiBase });
