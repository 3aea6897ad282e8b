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

export const INBOX_SIZE = 100;

export class DevCallbackInbox {
  private readonly items: ReceivedCallback[] = [];

  add(item: ReceivedCallback): void {
    this.items.push(item);
    if (this.items.length > INBOX_SIZE) this.items.shift();
  }

  /** Newest first. */
  list(): ReceivedCallback[] {
    return [...this.items].reverse();
  }
}
