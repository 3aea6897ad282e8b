/** Just enough SMTP (RFC 5321) on 127.0.0.1 for nodemailer to hand over one message. */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface SmtpMail {
  auth: string | undefined;
  from: string;
  to: string[];
  data: string;
}

export class FakeSmtp {
  readonly mails: SmtpMail[] = [];
  private sockets = new Set<Socket>();

  private readonly server: Server = createServer((socket) => this.session(socket));

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  static async start(): Promise<FakeSmtp> {
    const fake = new FakeSmtp();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  private session(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.setEncoding('utf8');
    const mail: SmtpMail = { auth: undefined, from: '', to: [], data: '' };
    let buffer = '';
    let inData = false;
    const say = (line: string) => socket.write(`${line}\r\n`);
    say('220 fake.smtp ESMTP');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let i = buffer.indexOf('\r\n'); i >= 0; i = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            this.mails.push({ ...mail, to: [...mail.to] });
            say('250 2.0.0 queued');
          } else mail.data += `${line.replace(/^\./, '')}\n`;
          continue;
        }
        const verb = line.split(' ')[0]!.toUpperCase();
        if (verb === 'EHLO') say('250-fake.smtp\r\n250-AUTH PLAIN\r\n250 8BITMIME');
        else if (verb === 'HELO') say('250 fake.smtp');
        else if (verb === 'AUTH') {
          mail.auth = Buffer.from(line.split(' ')[2] ?? '', 'base64').toString('utf8');
          say('235 2.7.0 accepted');
        } else if (verb === 'MAIL') {
          mail.from = line.slice(line.indexOf(':') + 1).trim();
          say('250 2.1.0 ok');
        } else if (verb === 'RCPT') {
          mail.to.push(line.slice(line.indexOf(':') + 1).trim());
          say('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          inData = true;
          say('354 go ahead');
        } else if (verb === 'QUIT') {
          say('221 bye');
          socket.end();
        } else if (verb === 'RSET' || verb === 'NOOP') say('250 ok');
        else say('502 not implemented');
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
