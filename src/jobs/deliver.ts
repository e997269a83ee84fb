import type { OutboundMessage } from '../ports/chat-model.js';
import type { CoreDeps } from '../core/context.js';
import type { AdapterLookup } from './notify.js';

/**
 * Sends a claimed notice's pending deliveries (reminder or digest), each with its own idempotency key, recording each
 * outcome. Throws when any failed: the queue retries the job, and deliveries already sent are not repeated.
 */
export async function deliverNotice(
  deps: Pick<CoreDeps, 'repos' | 'log' | 'now'>,
  adapterFor: AdapterLookup,
  key: string,
  message: OutboundMessage,
  /** What group conversations get instead (e.g. the reminder with its owners @mentioned). */
  groupMessage?: OutboundMessage,
): Promise<{ late: boolean; deliveries: number }> {
  const { repos, log } = deps;
  const pending = await repos.notices.unsentDeliveries(key);
  const failures: string[] = [];
  for (const d of pending) {
    const adapter = adapterFor(d.platform);
    try {
      if (!adapter) throw new Error(`no adapter registered for platform "${d.platform}"`);
      const { messageId } = await adapter.send(
        { platform: d.platform, externalId: d.externalId, kind: d.conversationKind as 'group' | 'direct' },
        d.conversationKind === 'group' && groupMessage ? groupMessage : message,
        { idempotencyKey: d.idempotencyKey },
      );
      await repos.notices.deliverySent(key, d.target, messageId, deps.now());
    } catch (err) {
      failures.push(`${d.target}: ${(err as Error).message}`);
      await repos.notices.deliveryFailed(key, d.target, (err as Error).message.slice(0, 500));
    }
  }
  const notice = await repos.notices.find(key);
  if (!notice) throw new Error(`Notice ${key} is not claimed`);
  if (failures.length > 0) {
    await repos.notices.setOutcome(key, 'failed');
    log.warn({ key, failures: failures.length }, `${notice.kind} deliveries failed; the job will be retried`);
    throw new Error(`Notice ${key}: ${failures.length} delivery(ies) failed (${failures.join('; ')})`);
  }
  if (notice.status !== 'sent') await repos.notices.setOutcome(key, { sentAt: deps.now() });
  const deliveries = await repos.notices.countSent(key);
  return { late: notice.late, deliveries };
}
