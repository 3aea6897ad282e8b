/**
 * How a live server reaches members: email over SMTP (nodemailer) and SMS through an HTTP
 * provider. Both are configured by the operator; unset means that channel fails clearly.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config/config.ts';

interface OutgoingMessage {
  to: string;
  subject: string;
  body: string;
}

interface MessageSender {
  /** Resolves when the provider accepted the message; rejects with a message safe to store. */
  send(message: OutgoingMessage, signal: AbortSignal): Promise<void>;
}

/** An SMS gateway; the subject is not sent. */
type SmsProvider = MessageSender;

export interface Senders {
  email: MessageSender | undefined;
  sms: SmsProvider | undefined;
}

export const NOT_CONFIGURED = {
  email: 'email is not configured: set OPENPDX_SMTP_URL',
  sms: 'SMS is not configured: set OPENPDX_SMS_URL',
} as const;

const TIMEOUT_MS = 10_000;

export function createSenders(config: Config): Senders {
  const m = config.messaging;
  return {
    email: m.smtpUrl ? new SmtpSender(m.smtpUrl, m.mailFrom) : undefined,
    sms: m.smsUrl ? new HttpSmsProvider(m.smsUrl, m.smsToken) : undefined,
  };
}

class SmtpSender implements MessageSender {
  private transport: Transporter | undefined;

  constructor(
    private readonly url: string,
    private readonly from: string,
  ) {}

  async send(message: OutgoingMessage): Promise<void> {
    this.transport ??= nodemailer.createTransport({
      url: this.url,
      connectionTimeout: TIMEOUT_MS,
      greetingTimeout: TIMEOUT_MS,
      socketTimeout: TIMEOUT_MS,
    } as Parameters<typeof nodemailer.createTransport>[0]);
    try {
      await this.transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.body });
    } catch (err) {
      // SMTP replies can quote the envelope; keep the code and the first line only.
      const e = err as { code?: string; responseCode?: number; message?: string };
      throw new Error(
        `SMTP ${e.responseCode ?? e.code ?? 'error'}: ${String(e.message ?? '')
          .split('\n')[0]!
          .slice(0, 160)}`,
      );
    }
  }
}

/** POSTs `{"to","body"}` as JSON with the operator's bearer token. */
class HttpSmsProvider implements SmsProvider {
  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
  ) {}

  async send(message: OutgoingMessage, signal: AbortSignal): Promise<void> {
    const res = await fetch(this.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'OpenPDX-Messages/1',
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: JSON.stringify({ to: message.to, body: message.body }),
    });
    await res.body?.cancel();
    if (res.status < 200 || res.status > 299) throw new Error(`SMS provider answered HTTP ${res.status}`);
  }
}
