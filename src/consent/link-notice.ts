/** The email or SMS that carries a one-time link when the subscriber asks the platform to send it. */
import type { LinkKind } from './consent-service.ts';

export interface LinkNotice {
  subject: string;
  body: string;
}

const INVITATION: Record<LinkKind, (org: string) => string> = {
  register: (org) => `${org} invites you to create your Personal Data Store and connect it to them.`,
  ftc: (org) => `${org} asks you to connect your Personal Data Store to them.`,
  update: (org) => `${org} has changed its data sharing agreement and asks you to review it.`,
};

export function linkNotice(kind: LinkKind, subscriber: string, url: string, ttlSeconds: number): LinkNotice {
  const hours = Math.max(1, Math.round(ttlSeconds / 3600));
  return {
    subject:
      kind === 'update' ? `${subscriber}: please review your connection` : `${subscriber}: connect your Personal Data Store`,
    body: [
      INVITATION[kind](subscriber),
      '',
      `Open this link to continue: ${url}`,
      '',
      `The link works once and expires in ${hours} hour${hours === 1 ? '' : 's'}. If you did not expect it, ignore this message.`,
    ].join('\n'),
  };
}
