import type { OutboundMessage } from '../ports/chat-model.js';
import type { CoreDeps } from '../core/context.js';
import type { AdapterLookup } from './notify.js';

/**
 * Sends a claimed notice's pending deliveries (reminder or digest), each with its own idempotency key, recording each
 * outcome. Throws when any failed: the queue retries the job, and deliveries already sent are not repeated.
 */
export async function deliverNotice(
  deps: Pick<CoreDeps, 'prisma' | 'log' | 'now'>,
  adapterFor: AdapterLookup,
  key: string,
  message: OutboundMessage,
  /** What group conversations get instead (e.g. the reminder with its owners @mentioned). */
  groupMessage?: OutboundMessage,
): Promise<{ late: boolean; deliveries: number }> {
  const { prisma, log } = deps;
  const pending = await prisma.noticeDelivery.findMany({ where: { noticeKey: key, status: { not: 'sent' } } });
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
      await prisma.noticeDelivery.update({
        where: { noticeKey_target: { noticeKey: key, target: d.target } },
        data: { status: 'sent', messageId, sentAt: deps.now(), attempts: { increment: 1 }, error: null },
      });
    } catch (err) {
      failures.push(`${d.target}: ${(err as Error).message}`);
      await prisma.noticeDelivery.update({
        where: { noticeKey_target: { noticeKey: key, target: d.target } },
        data: { status: 'failed', attempts: { increment: 1 }, error: (err as Error).message.slice(0, 500) },
      });
    }
  }
  const notice = await prisma.notice.findUniqueOrThrow({ where: { key } });
  if (failures.length > 0) {
    await prisma.notice.update({ where: { key }, data: { status: 'failed' } });
    log.warn({ key, failures: failures.length }, `${notice.kind} deliveries failed; the job will be retried`);
    throw new Error(`Notice ${key}: ${failures.length} delivery(ies) failed (${failures.join('; ')})`);
  }
  if (notice.status !== 'sent') await prisma.notice.update({ where: { key }, data: { status: 'sent', sentAt: deps.now() } });
  const deliveries = await prisma.noticeDelivery.count({ where: { noticeKey: key, status: 'sent' } });
  return { late: notice.late, deliveries };
}
