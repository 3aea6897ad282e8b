/**
 * The sandbox's built-in receiver for the demo connection's callbacks (`/dev/callback`): the last
 * deliveries, in memory only, so a developer can see exactly what a subscriber would receive.
 */
export interface ReceivedCallback {
  received_at: number;
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** parsed as JSON or form encoding; the raw text when neither applies */
  body: unknown;
  raw: string;
}

const INBOX_SIZE = 100;
/**
 * The most raw body text the inbox keeps, all items together: each body is already capped by the
 * route's limit (BODY_LIMITS.devCallback); this keeps /dev/callbacks quick to render and the
 * process small whatever is posted to it.
 */
export const INBOX_BYTES = 4 * 1024 * 1024;

export class DevCallbackInbox {
  private readonly items: ReceivedCallback[] = [];
  private bytes = 0;

  add(item: ReceivedCallback): void {
    this.items.push(item);
    this.bytes += item.raw.length;
    while (this.items.length > INBOX_SIZE || (this.bytes > INBOX_BYTES && this.items.length > 1)) {
      this.bytes -= this.items.shift()!.raw.length;
    }
  }

  /** Newest first. */
  list(): ReceivedCallback[] {
    return [...this.items].reverse();
  }
}
