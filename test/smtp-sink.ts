// A real SMTP server for tests (smtp-server on 127.0.0.1), every message parsed with mailparser.
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  port: number;
  url: string;
  messages: ParsedMail[];
  connections: number;
  /** Addresses the server refuses permanently (550) at RCPT TO. */
  refuse: Set<string>;
  /**
   * While true, each message is recorded but its 250 reply is held back (the sender sees a send
   * that never finishes), until `releaseHeld`.
   */
  holdReplies: boolean;
  held: number;
  releaseHeld(): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  let server: SMTPServer | undefined;
  let heldReplies: (() => void)[] = [];
  const sink: SmtpSink = {
    port,
    url: '',
    messages: [],
    connections: 0,
    refuse: new Set(),
    holdReplies: false,
    held: 0,
    releaseHeld() {
      const replies = heldReplies;
      heldReplies = [];
      for (const reply of replies) reply();
    },
    async start() {
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        // Stopping drops the sender's pooled connections at once, as a crashed server would.
        closeTimeout: 50,
        onConnect(_session, callback) {
          sink.connections++;
          callback();
        },
        onRcptTo(address, _session, callback) {
          if (sink.refuse.has(address.address)) return callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
          callback();
        },
        onData(stream, _session, callback) {
          // The message is recorded before the server answers 250, so a finished send is visible.
          simpleParser(stream).then((parsed) => {
            sink.messages.push(parsed);
            if (!sink.holdReplies) return callback();
            sink.held++;
            heldReplies.push(() => callback());
          }, callback);
        },
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(sink.port, '127.0.0.1', () => resolve());
      });
      sink.port = (server.server.address() as AddressInfo).port;
      sink.url = `smtp://127.0.0.1:${sink.port}`;
    },
    async stop() {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
    },
  };
  await sink.start();
  return sink;
}
